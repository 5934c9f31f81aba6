// MeshConfig: the subset translation reads, with upstream's defaults (pkg/config/mesh/mesh.go DefaultMeshConfig).
import { normalizeMeshConfig } from './mesh-config-source.ts';

export interface MeshConfig {
  readonly proxyListenPort: number;
  readonly proxyInboundListenPort: number;
  readonly connectTimeout: string;
  readonly trustDomain: string;
  readonly rootNamespace: string;
  readonly enableAutoMtls: boolean;
  readonly outboundTrafficPolicy: { readonly mode: 'ALLOW_ANY' | 'REGISTRY_ONLY' };
  readonly inboundTrafficPolicy: { readonly mode: 'PASSTHROUGH' | 'LOCALHOST' };
  readonly dnsRefreshRate: string;
  readonly accessLogFile: string;
  readonly localityLbSetting: { readonly enabled: boolean };
  /** DNS domain suffix of the cluster (`cluster.local`); not a MeshConfig field upstream but a pilot flag. */
  readonly domainSuffix: string;
}

/** Upstream defaults. */
export const defaultMeshConfig: MeshConfig = {
  proxyListenPort: 15001,
  proxyInboundListenPort: 15006,
  connectTimeout: '10s',
  trustDomain: 'cluster.local',
  rootNamespace: 'istio-system',
  enableAutoMtls: true,
  outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
  inboundTrafficPolicy: { mode: 'PASSTHROUGH' },
  dnsRefreshRate: '60s',
  accessLogFile: '',
  localityLbSetting: { enabled: true },
  domainSuffix: 'cluster.local',
};

/** A partial mesh config (as a user writes it) with every missing field defaulted. */
export type MeshConfigInput = { [K in keyof MeshConfig]?: MeshConfig[K] };

/** Fills the defaults in; fields of the wrong shape (unvalidated input) keep their defaults. */
export function resolveMeshConfig(input: MeshConfigInput = {}): MeshConfig {
  const out: Record<string, unknown> = { ...defaultMeshConfig };
  for (const [k, v] of Object.entries(normalizeMeshConfig(input).config)) if (v !== undefined) out[k] = v;
  return out as unknown as MeshConfig;
}
