// Public types of the ADS server: the resource provider it asks, the per-connection status it exposes and the
// events it emits.
import type { EnvoyJson } from './snapshot.ts';

/** SotW ("GRPC") or incremental ("DELTA_GRPC") ADS. */
export type AdsMode = 'SotW' | 'Delta';

/** What a provider knows about the proxy it generates for. */
export interface AdsConnectionInfo {
  /** Unique per stream: `<node id>-<counter>`, like istiod's connection ids. */
  readonly id: string;
  readonly mode: AdsMode;
  /** The peer address as gRPC reports it. */
  readonly peer: string;
  /** The node of the first request (Envoy JSON: id, cluster, metadata, locality...). */
  readonly node: EnvoyJson | undefined;
  readonly nodeId: string;
}

/** Generated resources by name; may be returned synchronously or as a promise. */
export type GeneratedResources = ReadonlyMap<string, EnvoyJson> | Promise<ReadonlyMap<string, EnvoyJson>>;

/** Supplies resources. `names` empty means wildcard (all resources of the type the proxy may see). */
export interface AdsProvider {
  generate(conn: AdsConnectionInfo, typeUrl: string, names: readonly string[]): GeneratedResources;
}

/** Which connections and types a push concerns; everything when omitted. */
export interface PushFilter {
  /** Only these type URLs (e.g. only EDS for an endpoint-only change). */
  readonly types?: readonly string[];
  /** Only connections for which this returns true. */
  readonly connection?: (conn: AdsConnectionInfo) => boolean;
  /** Send even unchanged resources (istiod's forced push). */
  readonly force?: boolean;
}

/** The last NACK a proxy sent for a type. */
export interface NackRecord {
  readonly nonce: string;
  readonly version: string;
  readonly message: string;
  readonly code: number;
  readonly at: Date;
}

/** Per type: what was subscribed, sent, acknowledged and rejected. */
export interface AdsTypeStatus {
  readonly typeUrl: string;
  readonly wildcard: boolean;
  readonly names: readonly string[];
  readonly sentVersion: string | undefined;
  readonly sentNonce: string | undefined;
  readonly sentAt: Date | undefined;
  readonly ackedVersion: string | undefined;
  readonly ackedNonce: string | undefined;
  readonly lastNack: NackRecord | undefined;
  /** How many resources the proxy currently holds from us. */
  readonly resourceCount: number;
}

/** A connection's state for istiod's /debug/syncz, istioctl proxy-status and metrics. */
export interface AdsConnectionStatus extends AdsConnectionInfo {
  readonly connectedAt: Date;
  readonly types: readonly AdsTypeStatus[];
}

/** An ACK or NACK event. */
export interface AdsAckEvent {
  readonly connection: AdsConnectionInfo;
  readonly typeUrl: string;
  readonly version: string;
  readonly nonce: string;
}

/** A NACK event: the ACK fields plus the proxy's error. */
export interface AdsNackEvent extends AdsAckEvent {
  readonly message: string;
  readonly code: number;
}

/** A response the server sent. */
export interface AdsResponseEvent {
  readonly connection: AdsConnectionInfo;
  readonly typeUrl: string;
  readonly version: string;
  readonly nonce: string;
  readonly resources: number;
  readonly removed: number;
}

/** Events of the ADS server (Node EventEmitter map). */
export interface AdsServerEvents {
  connect: [AdsConnectionStatus];
  disconnect: [AdsConnectionStatus];
  ack: [AdsAckEvent];
  nack: [AdsNackEvent];
  response: [AdsResponseEvent];
}

/** The logging surface the server uses; a pino logger fits it. */
export interface XdsLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;

/** A logger that drops everything. */
export const silentLogger: XdsLogger = { debug: noop, info: noop, warn: noop, error: noop };
