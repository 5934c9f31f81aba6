// Agent start-up of workload certificates: CA client → secret cache (with rotation) → SDS server on the
// workload-identity socket. Settings follow upstream's environment (CA_ADDR, SECRET_TTL, SECRET_GRACE_PERIOD_RATIO,
// TRUST_DOMAIN, POD_NAMESPACE, SERVICE_ACCOUNT, JWT_PATH, XDS_ROOT_CA).
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Logger } from '@mesh/telemetry';
import { CaClient, caClientOptionsFromEnv } from '../ca-client/ca-client.ts';
import { SecretCache } from './secret-cache.ts';
import { DEFAULT_SDS_SOCKET, startSdsServer, type SdsServer } from './sds-server.ts';

export interface WorkloadIdentityOptions {
  /** The agent's root directory (upstream: the container's working directory). */
  root: string;
  discoveryAddress: string;
  /** ProxyConfig controlPlaneAuthPolicy; NONE means plaintext to the CA unless CA_ADDR is set. */
  controlPlaneAuthPolicy?: string;
  env: NodeJS.ProcessEnv;
  socketPath?: string;
  logger?: Logger;
}

export interface WorkloadIdentity {
  /** Undefined when another SDS provider owns the socket. */
  readonly sds: SdsServer | undefined;
  readonly cache: SecretCache | undefined;
  readonly description: string;
  close(): Promise<void>;
}

/** Parses a Go duration like `24h`, `1h30m`, `90s` or `24h0m0s` into milliseconds; undefined when malformed. */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 1e-6 };
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) return undefined;
  return parts.reduce((ms, p) => ms + Number(p[1]) * (units[p[2] as string] ?? 0), 0);
}

/** Starts the CA client, the secret cache and the SDS server (unless another provider serves the socket). */
export async function startWorkloadIdentity(o: WorkloadIdentityOptions): Promise<WorkloadIdentity> {
  const env = o.env;
  const rel = o.socketPath ?? DEFAULT_SDS_SOCKET;
  const socketPath = isAbsolute(rel) ? rel : resolve(o.root, rel);
  const log = o.logger;
  const external = existsSync(socketPath);
  const clientOptions = caClientOptionsFromEnv(o.discoveryAddress, o.root, env, o.controlPlaneAuthPolicy);
  const ca = new CaClient(clientOptions);
  const ttlMs = parseGoDuration(env['SECRET_TTL']) ?? 24 * 3_600_000;
  const ratio = Number(env['SECRET_GRACE_PERIOD_RATIO'] ?? '0.5');
  const cache = new SecretCache({
    sign: (csr, ttl) => ca.sign(csr, ttl),
    identity: {
      trustDomain: env['TRUST_DOMAIN'] || 'cluster.local',
      namespace: env['POD_NAMESPACE'] || 'default',
      serviceAccount: env['SERVICE_ACCOUNT'] || 'default',
    },
    ttlSeconds: Math.max(1, Math.round(ttlMs / 1000)),
    graceRatio: Number.isFinite(ratio) && ratio > 0 && ratio < 1 ? ratio : 0.5,
    ...(log ? { logger: log } : {}),
  });
  const sds = await startSdsServer({ socketPath, cache, ...(log ? { logger: log } : {}) });
  if (!sds) {
    ca.close();
    if (external) log?.info({ socketPath }, 'sds: using the existing workload identity provider');
    return { sds: undefined, cache: undefined, description: `external provider at ${socketPath}`, close: async () => undefined };
  }
  cache.start();
  log?.info({ ca: ca.description, socketPath }, 'sds: workload certificates from istiod CA');
  return {
    sds,
    cache,
    description: `istiod CA via ${ca.description}`,
    async close() {
      cache.close();
      await sds.close();
      ca.close();
    },
  };
}
