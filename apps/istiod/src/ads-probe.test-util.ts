// Test helper: a minimal SotW ADS client that subscribes like a sidecar and decodes what istiod sends.
import { decodeDiscoveryResponse, encodeDiscoveryRequest, unpackAny, type DiscoveryRequest, type DiscoveryResponse, type EnvoyJson } from '@mesh/xds';
import { AdsStreamProbe } from './ads-stream-probe.test-util.ts';

export class AdsProbe extends AdsStreamProbe<DiscoveryResponse> {
  constructor(target: string, node: EnvoyJson) {
    super(target, node, 'StreamAggregatedResources', decodeDiscoveryResponse);
  }

  /** Sends a request (the node goes on the first one only) and returns the next response of that type. */
  request(type: string, names: string[] = [], ack?: DiscoveryResponse, timeoutMs = 5000): Promise<DiscoveryResponse> {
    const p = this.next(type, timeoutMs);
    this.send({ type_url: type, resource_names: names, version_info: ack?.version_info ?? '', response_nonce: ack?.nonce ?? '' });
    return p;
  }

  /** ACKs a response without waiting for anything. */
  ack(r: DiscoveryResponse, names: string[] = []): void {
    this.send({ type_url: r.type_url, resource_names: names, version_info: r.version_info, response_nonce: r.nonce });
  }

  /** NACKs a response: its nonce, the previously accepted version, and an error_detail. */
  nack(r: DiscoveryResponse, acceptedVersion: string, message: string, names: string[] = []): void {
    this.send({ type_url: r.type_url, resource_names: names, version_info: acceptedVersion, response_nonce: r.nonce, error_detail: { code: 3, message } });
  }

  /** Sends any request as is (the node is added on the stream's first request). */
  send(req: DiscoveryRequest): void {
    this.write((node) => encodeDiscoveryRequest({ ...(node ? { node } : {}), ...req }));
  }
}

/** The resources of a response, decoded to Envoy JSON and keyed by name (cluster_name for endpoints). */
export function resourcesByName(r: DiscoveryResponse): Map<string, EnvoyJson> {
  const out = new Map<string, EnvoyJson>();
  for (const any of r.resources) {
    const json = unpackAny(any);
    out.set(String(json['name'] ?? json['cluster_name']), json);
  }
  return out;
}
