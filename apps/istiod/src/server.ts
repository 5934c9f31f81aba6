// Assembles istiod: config source → discovery (ADS on 15010) → webhooks on 15017 (TLS), debug and metrics on 15014,
// readiness and debug on 8080. Wiring only; the logic lives in @mesh/pilot and the libs it uses.
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { loadInjectConfig, defaultInjectConfig, type InjectConfig } from '@mesh/inject';
import { FileSource, KubeSource, type ConfigSource, type KubeObject } from '@mesh/kube';
import { CaService, createPilotMetrics, DiscoveryService, parseMeshConfig, registerDebug, registerWebhooks, setupCaAuthentication, startIstiodGrpc } from '@mesh/pilot';
import { localSecurityDir, type CertificateAuthority } from '@mesh/security';
import { loadMeshCa } from './mesh-ca.ts';
import { createLogger, type Logger } from '@mesh/telemetry';
import { publishRootCert } from './root-cert-publisher.ts';
import { patchWebhookCaBundles } from './webhook-patcher.ts';

export interface IstiodOptions {
  configDir?: string;
  kubeconfig?: string;
  /** host:port; an empty host means all interfaces. */
  grpcAddr: string;
  /** TLS ADS + CA (15012); an empty string disables it. */
  secureGrpcAddr?: string;
  /** Local mode: where the CA's token issuer key and root-cert.pem go (default `<configDir>-security`). */
  securityDir?: string;
  httpAddr: string;
  monitoringAddr: string;
  httpsAddr: string;
  meshConfigFile?: string;
  istioNamespace: string;
  revision: string;
  podName: string;
  logLevel?: string;
}

export interface Istiod {
  discovery: DiscoveryService;
  ca: CertificateAuthority;
  ports: { grpc: number; secureGrpc: number; http: number; monitoring: number; https: number };
  /** Local mode only: the directory with the token issuer key and root-cert.pem. */
  securityDir?: string;
  logger: Logger;
  close(): Promise<void>;
}

function splitAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid address "${addr}": want [host]:port`);
  return { host, port };
}

async function listen(app: FastifyInstance, addr: string): Promise<number> {
  const { host, port } = splitAddr(addr);
  await app.listen({ host, port });
  const a = app.server.address();
  return typeof a === 'object' && a ? a.port : port;
}

/** Reads the injector's config from the istio and istio-sidecar-injector ConfigMaps when the source has them. */
function injectConfigFrom(objects: () => KubeObject[], ns: string, revision: string, meshFile: string | undefined): () => InjectConfig {
  let cacheKey = '';
  let cached = defaultInjectConfig();
  const suffix = revision && revision !== 'default' ? `-${revision}` : '';
  return () => {
    const cms = objects().filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === ns);
    const mesh = cms.find((o) => o.metadata.name === `istio${suffix}`);
    const injector = cms.find((o) => o.metadata.name === `istio-sidecar-injector${suffix}`);
    const key = `${mesh?.metadata.resourceVersion ?? JSON.stringify(mesh?.['data'] ?? '')}|${injector?.metadata.resourceVersion ?? JSON.stringify(injector?.['data'] ?? '')}`;
    if (key === cacheKey) return cached;
    try {
      cached = loadInjectConfig({
        ...(mesh ? { meshConfig: JSON.stringify(mesh) } : meshFile ? { meshConfig: readFileSync(meshFile, 'utf8') } : {}),
        ...(injector ? { injectConfig: JSON.stringify(injector), values: JSON.stringify(injector) } : {}),
      });
      cacheKey = key;
    } catch {
      // keep the last good config; the ConfigMap error is reported by the caller's logs below
    }
    return cached;
  };
}

export async function startIstiod(opts: IstiodOptions): Promise<Istiod> {
  const logger = createLogger('istiod', opts.logLevel);
  const metrics = createPilotMetrics();
  const source: ConfigSource = opts.configDir
    ? new FileSource({ dir: opts.configDir, onError: (err) => logger.warn({ err: err.message }, 'config: file source error') })
    : new KubeSource({ ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), onError: (kind, err) => logger.warn({ kind, err: err.message }, 'config: kube source error') });
  const meshConfig = opts.meshConfigFile ? parseMeshConfig(readFileSync(opts.meshConfigFile, 'utf8')) : undefined;
  const discovery = new DiscoveryService({
    source,
    logger,
    metrics,
    istioNamespace: opts.istioNamespace,
    ...(meshConfig ? { meshConfig } : {}),
    controlPlaneId: JSON.stringify({ Component: 'istiod', ID: opts.podName, Info: { version: '0.1.0' } }),
  });

  const securityDir = opts.configDir ? (opts.securityDir ?? localSecurityDir(opts.configDir)) : undefined;
  const ca = await loadMeshCa({
    pluggedDir: process.env['ROOT_CA_DIR'] ?? '/etc/cacerts',
    ...(source instanceof KubeSource ? { kube: { config: source.config, namespace: opts.istioNamespace } } : {}),
    ...(securityDir ? { securityDir } : {}),
    logger,
  });
  const ns = opts.istioNamespace;
  const svc = opts.revision && opts.revision !== 'default' ? `istiod-${opts.revision}` : 'istiod';
  const serving = await ca.issue({
    dnsNames: [`${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`, `istiod.${ns}.svc`, 'localhost'],
    ips: ['127.0.0.1'],
    ttlMs: 365 * 24 * 3600 * 1000,
  });

  await discovery.start();
  // --- CA wiring (security helper): ADS + IstioCertificateService on 15012 (TLS) and, in local mode, the CA on 15010 too.
  const caAuth = await setupCaAuthentication({
    ca,
    trustDomain: () => discovery.snapshot.meshConfig.trustDomain,
    ...(securityDir ? { localSecurityDir: securityDir } : {}),
    ...(source instanceof KubeSource ? { kubeConfig: source.config } : {}),
  });
  const grpcServers = await startIstiodGrpc({
    ads: discovery.ads,
    ca: new CaService({ ca, authenticators: caAuth.authenticators, logger }),
    grpc: splitAddr(opts.grpcAddr),
    ...(opts.secureGrpcAddr !== '' ? { secureGrpc: splitAddr(opts.secureGrpcAddr ?? ':15012') } : {}),
    serving: { certChainPem: serving.certPem + ca.chainPem, keyPem: serving.keyPem, rootPem: ca.rootPem },
    caOnPlaintext: securityDir !== undefined,
    logger,
  });
  const grpcPort = grpcServers.grpcPort;
  // --- end CA wiring

  const ready = () => discovery.synced;
  const http = Fastify({ logger: false });
  http.get('/ready', async (_req, reply) => (ready() ? reply.send('') : reply.code(503).send('not ready')));
  registerDebug(http, discovery);

  const monitoring = Fastify({ logger: false });
  monitoring.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  monitoring.get('/version', async () => ({ version: '0.1.0', component: 'istiod' }));
  registerDebug(monitoring, discovery);

  const webhook = Fastify({ logger: false, https: { cert: serving.certPem + ca.chainPem, key: serving.keyPem } });
  webhook.get('/ready', async (_req, reply) => (ready() ? reply.send('') : reply.code(503).send('not ready')));
  registerWebhooks(webhook, { logger, injectConfig: injectConfigFrom(() => source.list(), ns, opts.revision, opts.meshConfigFile) });

  const ports = {
    grpc: grpcPort,
    secureGrpc: grpcServers.secureGrpcPort,
    http: await listen(http, opts.httpAddr),
    monitoring: await listen(monitoring, opts.monitoringAddr),
    https: await listen(webhook, opts.httpsAddr),
  };
  logger.info({ ports, source: opts.configDir ? `dir:${opts.configDir}` : 'kubernetes' }, 'istiod: ready');

  let patcher: NodeJS.Timeout | undefined;
  if (source instanceof KubeSource) {
    const namespaces = () => source.list().filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    const patch = async () => {
      await patchWebhookCaBundles(source.config, ca.rootPem, opts.revision, ns, ready()).catch((err: unknown) =>
        logger.warn({ err: String(err) }, 'webhooks: could not patch caBundle'),
      );
      await publishRootCert(source.config, ca.rootPem, namespaces()).catch((err: unknown) =>
        logger.warn({ err: String(err) }, 'ca: could not publish istio-ca-root-cert'),
      );
    };
    await patch();
    patcher = setInterval(() => void patch(), 10_000);
    patcher.unref();
  }

  return {
    discovery,
    ca,
    ports,
    logger,
    ...(securityDir ? { securityDir } : {}),
    async close() {
      if (patcher) clearInterval(patcher);
      await Promise.all([http.close(), monitoring.close(), webhook.close(), grpcServers.close()]);
      await discovery.stop();
    },
  };
}
