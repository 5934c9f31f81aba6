// The contract between the xDS side (istiod's generators, the proxy's xds-client) and the data plane.
// Every resource is carried in Envoy's JSON form: proto field names in snake_case, proto3 JSON mapping for
// well-known types (Duration "5s", wrappers as plain values, Any as {"@type": url, ...fields}), exactly as in an
// Envoy YAML/JSON config. The binary protobuf form exists only on the wire (see codec.ts).

/** A JSON object in Envoy's JSON form. */
export type EnvoyJson = { [key: string]: unknown };

/** A complete, consistent set of resources: every route a listener names and every cluster a route names is present. */
export interface XdsSnapshot {
  readonly listeners: ReadonlyMap<string, EnvoyJson>;
  readonly routes: ReadonlyMap<string, EnvoyJson>;
  readonly clusters: ReadonlyMap<string, EnvoyJson>;
  /** ClusterLoadAssignment by cluster name (EDS clusters' cluster_name / service_name). */
  readonly endpoints: ReadonlyMap<string, EnvoyJson>;
  /** SDS secrets by name. */
  readonly secrets: ReadonlyMap<string, EnvoyJson>;
  /** version_info of the last accepted response per type URL. */
  readonly versions: ReadonlyMap<string, string>;
}

/** The result of checking or applying config: nothing, or every error with the resource and field path it concerns. */
export type ApplyResult = { ok: true } | { ok: false; errors: string[] };

export function emptySnapshot(): XdsSnapshot {
  return { listeners: new Map(), routes: new Map(), clusters: new Map(), endpoints: new Map(), secrets: new Map(), versions: new Map() };
}
