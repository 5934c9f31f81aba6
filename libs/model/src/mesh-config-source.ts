// MeshConfig from the `istio` ConfigMap (key `mesh`, YAML) in the root namespace, as istiod reads it.
import { parseYamlValue, type ConfigMap } from '@mesh/api';
import type { MeshConfigInput } from './mesh-config.ts';

export interface MeshConfigParse {
  readonly config: MeshConfigInput;
  /** Problems as `mesh.<field>: <reason>`; the offending fields keep their defaults. */
  readonly errors: string[];
}

type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isPort: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 65536;
const isBool: Check = (v) => typeof v === 'boolean';

const scalarFields: Record<string, Check> = {
  proxyListenPort: isPort,
  proxyInboundListenPort: isPort,
  connectTimeout: isString,
  trustDomain: isString,
  rootNamespace: isString,
  enableAutoMtls: isBool,
  dnsRefreshRate: isString,
  accessLogFile: isString,
  domainSuffix: isString,
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keeps the fields translation reads when they have the right shape; unknown fields are ignored. */
export function normalizeMeshConfig(value: unknown): MeshConfigParse {
  const errors: string[] = [];
  if (value === undefined || value === null) return { config: {}, errors };
  if (!isObject(value)) return { config: {}, errors: ['mesh: must be a mapping'] };
  const out: Record<string, unknown> = {};
  for (const [field, check] of Object.entries(scalarFields)) {
    if (value[field] === undefined) continue;
    if (check(value[field])) out[field] = value[field];
    else errors.push(`mesh.${field}: invalid value ${JSON.stringify(value[field])}`);
  }
  const modes: Array<[string, readonly string[]]> = [
    ['outboundTrafficPolicy', ['ALLOW_ANY', 'REGISTRY_ONLY']],
    ['inboundTrafficPolicy', ['PASSTHROUGH', 'LOCALHOST']],
  ];
  for (const [field, allowed] of modes) {
    const v = value[field];
    if (v === undefined) continue;
    const mode = isObject(v) ? v['mode'] : undefined;
    if (mode === undefined && isObject(v)) continue; // `{}` means "default"
    if (typeof mode === 'string' && allowed.includes(mode)) out[field] = { mode };
    else errors.push(`mesh.${field}.mode: must be one of ${allowed.join(', ')}`);
  }
  const lb = value['localityLbSetting'];
  if (isObject(lb) && lb['enabled'] !== undefined) {
    if (isBool(lb['enabled'])) out['localityLbSetting'] = { enabled: lb['enabled'] };
    else errors.push('mesh.localityLbSetting.enabled: must be a boolean');
  }
  return { config: out as MeshConfigInput, errors };
}

/** Parses the mesh YAML text (the `mesh` key of the `istio` ConfigMap). */
export function parseMeshConfig(text: string): MeshConfigParse {
  try {
    return normalizeMeshConfig(parseYamlValue(text));
  } catch (err) {
    return { config: {}, errors: [`mesh: ${(err as Error).message}`] };
  }
}

/** The mesh config of the `istio` ConfigMap in `rootNamespace`, if present among `configMaps`. */
export function meshConfigFromConfigMaps(configMaps: readonly ConfigMap[], rootNamespace = 'istio-system'): MeshConfigParse | undefined {
  const cm = configMaps.find((c) => c.metadata.name === 'istio' && c.metadata.namespace === rootNamespace);
  const text = cm?.data?.['mesh'];
  return text === undefined ? undefined : parseMeshConfig(text);
}
