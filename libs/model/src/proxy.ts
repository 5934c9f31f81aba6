// The proxy asking for config: parsed from the xDS node id `<type>~<ip>~<pod>.<ns>~<ns>.svc.<domain>` and node metadata.
import { parseLocality, type Locality } from './service.ts';

export type NodeType = 'sidecar' | 'router';

export interface Proxy {
  readonly type: NodeType;
  /** `<pod>.<namespace>` (the third node-id part). */
  readonly id: string;
  readonly namespace: string;
  readonly ipAddresses: readonly string[];
  /** e.g. `default.svc.cluster.local` — short host names are generated relative to it. */
  readonly dnsDomain: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly locality: Locality;
  /** `grpc` for proxyless gRPC clients. */
  readonly generator: string;
  readonly interceptionMode: 'REDIRECT' | 'TPROXY' | 'NONE';
  readonly serviceAccount: string;
}

/** A malformed node id or metadata; the message names the field and the reason. */
export class ProxyParseError extends Error {
  override readonly name = 'ProxyParseError';
}

function stringField(meta: Record<string, unknown>, key: string): string | undefined {
  const v = meta[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function labelsOf(meta: Record<string, unknown>): Record<string, string> {
  const raw = meta['LABELS'];
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ProxyParseError('node.metadata.LABELS: must be a map of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new ProxyParseError(`node.metadata.LABELS.${k}: must be a string`);
    out[k] = v;
  }
  return out;
}

/** Parses a node id and its metadata like upstream's ParseServiceNodeWithMetadata; throws ProxyParseError. */
export function parseProxy(nodeId: string, metadata: Record<string, unknown> = {}, locality?: { region?: string; zone?: string; sub_zone?: string }): Proxy {
  const parts = nodeId.split('~');
  if (parts.length !== 4) throw new ProxyParseError(`node.id: expected 4 parts separated by "~" (<type>~<ip>~<pod>.<ns>~<domain>), got ${parts.length}`);
  const [type = '', ip = '', id = '', domain = ''] = parts;
  if (type !== 'sidecar' && type !== 'router') throw new ProxyParseError(`node.id: unsupported node type "${type}" (want sidecar or router)`);
  const ipsMeta = stringField(metadata, 'INSTANCE_IPS');
  const ips = (ipsMeta ? ipsMeta.split(',') : [ip]).map((s) => s.trim()).filter(Boolean);
  if (ips.length === 0) throw new ProxyParseError('node.id: no IP address (part 2 empty and no INSTANCE_IPS metadata)');
  // Namespace: metadata, else the `<ns>.svc.<suffix>` DNS domain, else the `<pod>.<ns>` id.
  const fromDomain = domain.includes('.svc.') ? domain.split('.')[0] : undefined;
  const namespace = stringField(metadata, 'NAMESPACE') ?? (fromDomain || undefined) ?? (id.split('.')[1] || undefined);
  if (!namespace) throw new ProxyParseError('node.metadata.NAMESPACE: missing and not derivable from the node id');
  const mode = stringField(metadata, 'INTERCEPTION_MODE') ?? 'REDIRECT';
  if (mode !== 'REDIRECT' && mode !== 'TPROXY' && mode !== 'NONE') throw new ProxyParseError(`node.metadata.INTERCEPTION_MODE: unknown mode "${mode}"`);
  const loc = locality ? { region: locality.region ?? '', zone: locality.zone ?? '', subzone: locality.sub_zone ?? '' } : parseLocality(undefined);
  return {
    type,
    id,
    namespace,
    ipAddresses: ips,
    dnsDomain: domain.includes('.svc.') ? domain : `${namespace}.svc.cluster.local`,
    labels: labelsOf(metadata),
    metadata,
    locality: loc,
    generator: stringField(metadata, 'GENERATOR') ?? '',
    interceptionMode: mode,
    serviceAccount: stringField(metadata, 'SERVICE_ACCOUNT') ?? '',
  };
}
