// A light SotW ADS client that subscribes and ACKs the way an Envoy sidecar does (CDS → EDS for the EDS clusters →
// LDS → RDS for the routes the listeners name), reading only the names it needs from the wire bytes, and recording
// when each stage of the initial push arrived and when a given marker first appeared in its routes.
import * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition, decodeDiscoveryResponse, encodeDiscoveryRequest, TypeUrl, type DiscoveryResponse, type EnvoyJson } from '@mesh/xds';
import { clusterInfo, listenerRouteNames, routeName } from './envoy-fields.ts';

const AdsClient = grpc.makeGenericClientConstructor(adsServiceDefinition, 'AggregatedDiscoveryService');
type AdsStream = grpc.ClientDuplexStream<Uint8Array, Buffer>;

/** Envoy's default http2_protocol_options.initial_stream_window_size. */
const envoyInitialStreamWindow = 256 * 1024 * 1024;

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** When each stage of the initial push reached this client (epoch ms). */
export interface InitialTimes {
  connectedAt: number;
  cdsAt?: number;
  edsAt?: number;
  ldsAt?: number;
  /** All routes named by the listeners received: the initial push is complete. */
  doneAt?: number;
}

export interface ClientCounters {
  clusters: number;
  edsClusters: number;
  listeners: number;
  routes: number;
  responses: number;
  bytes: number;
}

interface TypeState {
  names: string[];
  version: string;
  nonce: string;
  requested: boolean;
}

/** One simulated sidecar connected over its own HTTP/2 connection. */
export class LightAdsClient {
  readonly times: InitialTimes;
  readonly counters: ClientCounters = { clusters: 0, edsClusters: 0, listeners: 0, routes: 0, responses: 0, bytes: 0 };
  /** First time (epoch ms) each watched marker was seen in an RDS response. */
  readonly markerSeen = new Map<string, number>();
  error: string | undefined;
  private readonly client: grpc.Client;
  private readonly call: AdsStream;
  private readonly node: EnvoyJson;
  private readonly state = new Map<string, TypeState>();
  private readonly routesReceived = new Set<string>();
  private readonly markers: Array<{ text: string; bytes: Buffer }> = [];
  private sentNode = false;
  private readonly onDone: () => void;

  constructor(target: string, node: EnvoyJson, onDone: () => void) {
    this.node = node;
    this.onDone = onDone;
    // A local subchannel pool gives every client its own TCP connection, as separate Envoys would have. The HTTP/2
    // flow-control window is Envoy's default initial stream window (256 MiB) rather than grpc-js's 64 KiB: with the
    // small window each multi-megabyte response needed dozens of WINDOW_UPDATE round trips through a busy worker's
    // event loop, and the push waited on the clients rather than on istiod.
    this.client = new AdsClient(target, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': -1,
      'grpc-node.flow_control_window': envoyInitialStreamWindow,
    });
    const stub = this.client as unknown as { StreamAggregatedResources: () => AdsStream };
    this.times = { connectedAt: epochMs() };
    this.call = stub.StreamAggregatedResources.call(this.client);
    this.call.on('data', (bytes: Buffer) => this.onResponse(bytes));
    this.call.on('error', (err: Error) => {
      this.error ??= err.message;
    });
    this.call.on('end', () => {
      this.error ??= 'stream ended by the server';
    });
    this.request(TypeUrl.Cluster, []);
  }

  /** Starts looking for a marker string in every RDS response from now on. */
  watch(marker: string): void {
    this.markers.push({ text: marker, bytes: Buffer.from(marker) });
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }

  private typeState(type: string): TypeState {
    let s = this.state.get(type);
    if (!s) {
      s = { names: [], version: '', nonce: '', requested: false };
      this.state.set(type, s);
    }
    return s;
  }

  /** Sends a request for a type with the given names, carrying the last accepted version and nonce (an ACK). */
  private request(type: string, names: string[]): void {
    const s = this.typeState(type);
    s.names = names;
    s.requested = true;
    this.call.write(
      encodeDiscoveryRequest({
        ...(this.sentNode ? {} : { node: this.node }),
        type_url: type,
        resource_names: names,
        version_info: s.version,
        response_nonce: s.nonce,
      }),
    );
    this.sentNode = true;
  }

  private onResponse(bytes: Buffer): void {
    let r: DiscoveryResponse;
    try {
      r = decodeDiscoveryResponse(bytes);
    } catch (err) {
      this.error ??= `undecodable response: ${(err as Error).message}`;
      return;
    }
    this.counters.responses++;
    this.counters.bytes += bytes.length;
    const s = this.typeState(r.type_url);
    s.version = r.version_info;
    s.nonce = r.nonce;
    const now = epochMs();
    switch (r.type_url) {
      case TypeUrl.Cluster:
        return this.onClusters(r, now);
      case TypeUrl.ClusterLoadAssignment:
        this.times.edsAt ??= now;
        this.request(r.type_url, s.names);
        if (!this.typeState(TypeUrl.Listener).requested) this.request(TypeUrl.Listener, []);
        return;
      case TypeUrl.Listener:
        return this.onListeners(r, now);
      case TypeUrl.RouteConfiguration:
        return this.onRoutes(r, now);
      default:
        // Types we did not ask for: ACK so the server's bookkeeping stays clean.
        this.request(r.type_url, s.names);
    }
  }

  private onClusters(r: DiscoveryResponse, now: number): void {
    const eds: string[] = [];
    for (const any of r.resources) {
      const c = clusterInfo(any.value);
      if (c.eds) eds.push(c.name);
    }
    this.counters.clusters = r.resources.length;
    this.counters.edsClusters = eds.length;
    this.times.cdsAt ??= now;
    this.request(TypeUrl.Cluster, []);
    eds.sort();
    const edsState = this.typeState(TypeUrl.ClusterLoadAssignment);
    if (!edsState.requested || !sameNames(edsState.names, eds)) this.request(TypeUrl.ClusterLoadAssignment, eds);
  }

  private onListeners(r: DiscoveryResponse, now: number): void {
    const routes = new Set<string>();
    for (const any of r.resources) for (const n of listenerRouteNames(any.value)) routes.add(n);
    this.counters.listeners = r.resources.length;
    this.times.ldsAt ??= now;
    this.request(TypeUrl.Listener, []);
    const names = [...routes].sort();
    const rdsState = this.typeState(TypeUrl.RouteConfiguration);
    if (!rdsState.requested || !sameNames(rdsState.names, names)) this.request(TypeUrl.RouteConfiguration, names);
    if (names.length === 0) this.finishInitial(now);
  }

  private onRoutes(r: DiscoveryResponse, now: number): void {
    for (const any of r.resources) {
      this.routesReceived.add(routeName(any.value));
      for (const m of this.markers) {
        if (!this.markerSeen.has(m.text) && Buffer.from(any.value.buffer, any.value.byteOffset, any.value.byteLength).includes(m.bytes)) this.markerSeen.set(m.text, now);
      }
    }
    this.counters.routes = this.routesReceived.size;
    const s = this.typeState(TypeUrl.RouteConfiguration);
    this.request(TypeUrl.RouteConfiguration, s.names);
    if (s.names.every((n) => this.routesReceived.has(n))) this.finishInitial(now);
  }

  private finishInitial(now: number): void {
    if (this.times.doneAt !== undefined) return;
    this.times.doneAt = now;
    this.onDone();
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}
