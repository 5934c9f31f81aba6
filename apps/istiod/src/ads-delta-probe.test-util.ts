// Test helper: a minimal Delta (incremental) ADS client, to drive istiod's DeltaAggregatedResources stream by hand,
// including wrong sequences a real proxy would not send.
import {
  decodeDeltaResponse,
  encodeDeltaRequest,
  unpackAny,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type EnvoyJson,
} from '@mesh/xds';
import { AdsStreamProbe } from './ads-stream-probe.test-util.ts';

export class DeltaProbe extends AdsStreamProbe<DeltaDiscoveryResponse> {
  constructor(target: string, node: EnvoyJson) {
    super(target, node, 'DeltaAggregatedResources', decodeDeltaResponse);
  }

  /** Sends a request (missing list fields default to empty; the node goes on the first request). */
  send(req: Partial<DeltaDiscoveryRequest> & { type_url: string }): void {
    this.write((node) =>
      encodeDeltaRequest({
        resource_names_subscribe: [],
        resource_names_unsubscribe: [],
        initial_resource_versions: {},
        response_nonce: '',
        ...(node ? { node } : {}),
        ...req,
      }),
    );
  }

  /** Sends a request and returns the next response of its type. */
  request(req: Partial<DeltaDiscoveryRequest> & { type_url: string }, timeoutMs = 5000): Promise<DeltaDiscoveryResponse> {
    const p = this.next(req.type_url, timeoutMs);
    this.send(req);
    return p;
  }

  /** ACKs a response. */
  ack(r: DeltaDiscoveryResponse): void {
    this.send({ type_url: r.type_url, response_nonce: r.nonce });
  }

  /** NACKs a response with an error_detail. */
  nack(r: DeltaDiscoveryResponse, message: string): void {
    this.send({ type_url: r.type_url, response_nonce: r.nonce, error_detail: { code: 3, message } });
  }
}

/** The resources of a Delta response decoded to Envoy JSON, keyed by resource name. */
export function deltaResources(r: DeltaDiscoveryResponse): Map<string, EnvoyJson> {
  const out = new Map<string, EnvoyJson>();
  for (const res of r.resources) if (res.resource) out.set(res.name, unpackAny(res.resource));
  return out;
}

/** name → version of the resources of a Delta response (what a client would send as initial_resource_versions). */
export function deltaVersions(r: DeltaDiscoveryResponse): Record<string, string> {
  return Object.fromEntries(r.resources.map((res) => [res.name, res.version]));
}
