import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import {
  buildNodeMetadata,
  defaultProxyConfig,
  mergeProxyConfig,
  parseProxyConfig,
  serviceNodeId,
  type NodeMetadata,
  type ProxyConfig,
} from '@mesh/agent';

/** Flags of `pilot-agent proxy` that shape the configuration (upstream names). */
export interface ProxyFlags {
  root: string;
  domain?: string;
  statusPort?: number;
  envoyStatusPort: number;
  envoyPrometheusPort: number;
  outlierLogPath?: string;
  stsPort?: number;
  meshConfig?: string;
}

/** Everything the proxy command derives from the environment and flags before starting anything. */
export interface AgentConfig {
  proxyType: string;
  proxyConfig: ProxyConfig;
  node: NodeMetadata;
  nodeId: string;
  instanceIps: string[];
  root: string;
  configDir: string;
}

/** The pod IP first, then the host's other non-loopback addresses (upstream's order). */
export function instanceIps(env: NodeJS.ProcessEnv): string[] {
  const ips: string[] = [];
  if (env['INSTANCE_IP']) ips.push(env['INSTANCE_IP']);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && !ips.includes(a.address) && a.family === 'IPv4') ips.push(a.address);
  }
  if (ips.length === 0) ips.push('127.0.0.1');
  return ips;
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Resolves a path from ProxyConfig against the agent root (upstream paths are relative to the cwd). */
export function underRoot(root: string, p: string): string {
  return isAbsolute(p) ? p : resolve(root, p);
}

/**
 * ProxyConfig = defaults ← meshConfig.defaultConfig (file) ← PROXY_CONFIG env. Errors name the
 * source that was malformed.
 */
export function loadProxyConfig(env: NodeJS.ProcessEnv, meshConfigPath?: string): ProxyConfig {
  let pc = defaultProxyConfig();
  if (meshConfigPath && existsSync(meshConfigPath)) {
    const mesh = parseProxyConfig(readFileSync(meshConfigPath, 'utf8'), meshConfigPath);
    const def = mesh['defaultConfig'];
    if (def && typeof def === 'object') pc = mergeProxyConfig(pc, def as Record<string, unknown>);
  }
  if (env['PROXY_CONFIG']) pc = mergeProxyConfig(pc, parseProxyConfig(env['PROXY_CONFIG'], 'PROXY_CONFIG'));
  return pc;
}

/** Builds the agent's configuration for `pilot-agent proxy <type>`. */
export function buildAgentConfig(proxyType: string, flags: ProxyFlags, env: NodeJS.ProcessEnv, istioVersion: string): AgentConfig {
  if (!['sidecar', 'router', 'waypoint'].includes(proxyType)) {
    throw new Error(`proxy type "${proxyType}": must be one of sidecar, router, waypoint`);
  }
  const root = resolve(flags.root);
  let proxyConfig = loadProxyConfig(env, flags.meshConfig);
  if (flags.statusPort !== undefined) proxyConfig = { ...proxyConfig, statusPort: flags.statusPort };
  const ips = instanceIps(env);
  const podName = env['POD_NAME'] ?? 'unknown';
  const namespace = env['POD_NAMESPACE'] ?? 'default';
  const node = buildNodeMetadata({
    env,
    proxyConfig,
    instanceIps: ips,
    istioVersion,
    outlierLogPath: flags.outlierLogPath ?? '',
    workloadIdentitySocketFile: 'socket',
    envoyStatusPort: flags.envoyStatusPort,
    envoyPrometheusPort: flags.envoyPrometheusPort,
    ...(flags.stsPort ? { stsPort: flags.stsPort } : {}),
    podLabelsFile: readIfExists(join(root, 'etc/istio/pod/labels')),
    podAnnotationsFile: readIfExists(join(root, 'etc/istio/pod/annotations')),
  });
  if (node.metadata['CLUSTER_ID'] === undefined) node.metadata['CLUSTER_ID'] = 'Kubernetes';
  const domain = flags.domain ?? `${namespace}.svc.cluster.local`;
  return {
    proxyType,
    proxyConfig,
    node,
    nodeId: serviceNodeId(proxyType, ips[0] as string, podName, namespace, domain),
    instanceIps: ips,
    root,
    configDir: underRoot(root, proxyConfig.configPath ?? './etc/istio/proxy'),
  };
}
