import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildBootstrap,
  durationMs,
  lightstepTokenPath,
  parseAppProbers,
  parsePrometheusAnnotations,
  ProxySupervisor,
  startStatusServer,
  startWorkloadIdentity,
  startXdsProxy,
  DEFAULT_SDS_SOCKET,
  DEFAULT_XDS_SOCKET,
  type WorkloadIdentity,
} from '@mesh/agent';
import { createLogger, type Logger } from '@mesh/telemetry';
import { createAgentMetrics } from './agent-metrics.ts';
import { buildAgentConfig, underRoot, type ProxyFlags } from './agent-config.ts';
import { proxyLaunch } from './proxy-launch.ts';
import { upstreamAuth } from './upstream-credentials.ts';

/** Flags of `pilot-agent proxy` beyond those that shape the configuration. */
export interface ProxyCommandFlags extends ProxyFlags {
  concurrency?: number;
  proxyLogLevel: string;
  proxyComponentLogLevel?: string;
  logOutputLevel?: string;
  templateFile?: string;
  statusHost: string;
}

/**
 * Probes go to the pod IP from 127.0.0.6, the source address the capture rules let through
 * (`-s 127.0.0.6/32 -o lo -j RETURN`), so they reach the app without looping through the proxy.
 */
function probeTarget(instanceIp: string | undefined): { host: string; localAddress?: string } {
  const host = instanceIp || '127.0.0.1';
  return host.includes(':') ? { host } : { host, localAddress: '127.0.0.6' };
}

/** The version the agent reports as ISTIO_VERSION and `pilot-agent version`. */
export const AGENT_VERSION = '1.32.0-mesh';

/**
 * Runs the sidecar/gateway agent: writes the bootstrap, relays xDS over the unix socket, serves
 * :15020, supervises the proxy, and drains it on SIGTERM before exiting 0.
 */
export async function runProxy(proxyType: string, flags: ProxyCommandFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const log: Logger = createLogger('pilot-agent', flags.logOutputLevel?.split(':').pop() ?? env['LOG_LEVEL']);
  if (flags.templateFile) {
    throw new Error(`--templateFile ${flags.templateFile}: custom Go bootstrap templates are not supported; use PROXY_CONFIG settings instead`);
  }
  const cfg = buildAgentConfig(proxyType, flags, env, AGENT_VERSION);
  const pc = cfg.proxyConfig;
  const probers = parseAppProbers(env['ISTIO_KUBE_APP_PROBERS']);
  const appMetrics = parsePrometheusAnnotations(env['ISTIO_PROMETHEUS_ANNOTATIONS']);
  const adminPort = pc.proxyAdminPort ?? 15000;
  const statusPort = pc.statusPort ?? 15020;

  mkdirSync(cfg.configDir, { recursive: true });
  if (pc.tracing?.lightstep?.accessToken) writeFileSync(lightstepTokenPath({ ...pc, configPath: cfg.configDir }), pc.tracing.lightstep.accessToken);
  const xdsSocket = underRoot(cfg.root, DEFAULT_XDS_SOCKET);
  const bootstrap = buildBootstrap({
    nodeId: cfg.nodeId,
    node: cfg.node,
    proxyConfig: { ...pc, configPath: cfg.configDir },
    instanceIps: cfg.instanceIps,
    xdsSocketPath: xdsSocket,
    sdsSocketPath: underRoot(cfg.root, DEFAULT_SDS_SOCKET),
    envoyStatusPort: flags.envoyStatusPort,
    envoyPrometheusPort: flags.envoyPrometheusPort,
    adsApiType: env['ISTIO_DELTA_XDS'] === 'false' && proxyType !== 'waypoint' ? 'GRPC' : 'DELTA_GRPC',
  });
  const bootstrapPath = join(cfg.configDir, 'envoy-rev.json');
  writeFileSync(bootstrapPath, JSON.stringify(bootstrap, null, 2));
  log.info({ nodeId: cfg.nodeId, bootstrapPath, discoveryAddress: pc.discoveryAddress }, 'bootstrap written');

  const auth = upstreamAuth(pc.discoveryAddress ?? 'istiod.istio-system.svc:15012', pc.controlPlaneAuthPolicy, cfg.root, env);
  const xds = await startXdsProxy({
    root: cfg.root,
    socketPath: xdsSocket,
    discoveryAddress: pc.discoveryAddress ?? 'istiod.istio-system.svc:15012',
    upstreamCredentials: auth.credentials,
    ...(auth.metadata ? { upstreamMetadata: auth.metadata } : {}),
    ...(auth.channelOptions ? { upstreamChannelOptions: auth.channelOptions } : {}),
    logger: log.child({ scope: 'xdsproxy' }),
  });

  // --- workload certificates (security helper): CA client → secret cache → SDS on the workload-identity socket.
  // A failure here (e.g. no root cert for TLS) is logged, not fatal: xDS and health keep working without mTLS.
  let identity: WorkloadIdentity | undefined;
  try {
    identity = await startWorkloadIdentity({
      root: cfg.root,
      discoveryAddress: pc.discoveryAddress ?? 'istiod.istio-system.svc:15012',
      ...(pc.controlPlaneAuthPolicy ? { controlPlaneAuthPolicy: pc.controlPlaneAuthPolicy } : {}),
      env,
      socketPath: underRoot(cfg.root, DEFAULT_SDS_SOCKET),
      logger: log.child({ scope: 'sds' }),
    });
  } catch (err) {
    log.error({ err: (err as Error).message }, 'sds: workload certificates unavailable');
  }
  // --- end workload certificates

  const metrics = createAgentMetrics();
  const launch = proxyLaunch(pc.binaryPath ?? '/usr/local/bin/envoy');
  const extraArgs = [
    '--drain-time-s',
    String(Math.round(durationMs(pc.drainDuration, 45_000) / 1000)),
    '--drain-strategy',
    'immediate',
    '--disable-hot-restart',
    '--allow-unknown-static-fields',
    '-l',
    flags.proxyLogLevel,
    ...(flags.proxyComponentLogLevel ? ['--component-log-level', flags.proxyComponentLogLevel] : []),
    ...(flags.concurrency !== undefined ? ['--concurrency', String(flags.concurrency)] : []),
  ];
  let exiting = false;
  const supervisor = new ProxySupervisor({
    command: launch.command,
    args: launch.args,
    bootstrapPath,
    extraArgs,
    adminPort,
    terminationDrainMs: durationMs(pc.terminationDrainDuration, 5000),
    inboundOnlyDrain: proxyType === 'sidecar',
    // Our mesh-proxy (a Node entry) supports a warm standby; a native Envoy does not.
    warmStandby: process.env['PROXY_WARM_STANDBY'] !== 'false' && (launch.command === process.execPath || /mesh-proxy$/.test(launch.command)),
    logger: log.child({ scope: 'proxy' }),
    onExit: () => {
      if (!exiting) metrics.proxyRestarts.inc();
    },
  });

  const shutdown = async (reason: string, drain: boolean): Promise<void> => {
    if (exiting) return;
    exiting = true;
    log.info({ reason }, drain ? 'draining proxy before exit' : 'stopping proxy');
    if (drain) await supervisor.drainAndStop();
    else await supervisor.stop();
    await Promise.all([status.close(), xds.close(), identity?.close()]);
    log.info('agent exiting');
    process.exit(0);
  };

  const status = await startStatusServer({
    port: statusPort,
    host: flags.statusHost,
    adminPort,
    probers,
    probeTarget: probeTarget(env['INSTANCE_IP']),
    ...(appMetrics ? { appMetrics } : {}),
    agentMetrics: () => metrics.registry.metrics(),
    onScrapeFailure: (type) => metrics.scrapeFailures.inc({ type }),
    onQuit: () => void shutdown('quitquitquit', false),
    onDrain: () => void supervisor.drainListeners(),
    logger: log.child({ scope: 'status' }),
  });

  process.on('SIGTERM', () => void shutdown('SIGTERM', true));
  process.on('SIGINT', () => void shutdown('SIGINT', true));
  supervisor.start();
  log.info({ statusPort: status.port, adminPort, xdsSocket: xds.socketPath, auth: auth.description, sds: identity?.description ?? 'disabled' }, 'agent started');
}
