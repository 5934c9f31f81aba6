// The type of every top-level `spec` field of each Istio kind (istio/api's protos, as the Istio reference docs
// list them), so the apiserver refuses wrongly-typed fields with the field named, as upstream's CRDs do. Nested
// messages stay open (preserve unknown fields): their rules live in istiod's validation webhook, and a schema
// never refuses a shape upstream's accepts. e2e/kind's CRD test checks every entry against upstream's CRDs.

/** A field type: scalar, list of, or map of (string keys); `integer?` is a nullable wrapper (Int32Value). */
export type FieldType =
  | 'string' | 'integer' | 'integer?' | 'boolean' | 'object'
  | 'string[]' | 'object[]'
  | 'map<string>' | 'map<integer>' | 'map<object>';

const selector = 'object';
const targetRefs = 'object[]';

/** Top-level spec fields by kind. */
export const specFields: Readonly<Record<string, Readonly<Record<string, FieldType>>>> = {
  VirtualService: { hosts: 'string[]', gateways: 'string[]', http: 'object[]', tls: 'object[]', tcp: 'object[]', exportTo: 'string[]' },
  DestinationRule: { host: 'string', trafficPolicy: 'object', subsets: 'object[]', exportTo: 'string[]', workloadSelector: selector },
  Gateway: { servers: 'object[]', selector: 'map<string>' },
  ServiceEntry: {
    hosts: 'string[]', addresses: 'string[]', ports: 'object[]', location: 'string', resolution: 'string',
    endpoints: 'object[]', workloadSelector: selector, exportTo: 'string[]', subjectAltNames: 'string[]',
  },
  Sidecar: { workloadSelector: selector, ingress: 'object[]', egress: 'object[]', inboundConnectionPool: 'object', outboundTrafficPolicy: 'object' },
  WorkloadEntry: {
    address: 'string', ports: 'map<integer>', labels: 'map<string>', network: 'string', locality: 'string',
    weight: 'integer', serviceAccount: 'string',
  },
  WorkloadGroup: { metadata: 'object', template: 'object', probe: 'object' },
  EnvoyFilter: { workloadSelector: selector, targetRefs, configPatches: 'object[]', priority: 'integer' },
  ProxyConfig: { selector, concurrency: 'integer?', environmentVariables: 'map<string>', image: 'object' },
  AuthorizationPolicy: { selector, targetRef: 'object', targetRefs, rules: 'object[]', action: 'string', provider: 'object' },
  PeerAuthentication: { selector, mtls: 'object', portLevelMtls: 'map<object>' },
  RequestAuthentication: { selector, targetRef: 'object', targetRefs, jwtRules: 'object[]' },
  Telemetry: { selector, targetRef: 'object', targetRefs, tracing: 'object[]', metrics: 'object[]', accessLogging: 'object[]' },
  WasmPlugin: {
    selector, targetRef: 'object', targetRefs, url: 'string', sha256: 'string', imagePullPolicy: 'string',
    imagePullSecret: 'string', verificationKey: 'string', pluginConfig: 'object', pluginName: 'string', phase: 'string',
    priority: 'integer?', failStrategy: 'string', vmConfig: 'object', match: 'object[]', type: 'string',
  },
  TrafficExtension: {
    selector, targetRefs, phase: 'string', priority: 'integer?', match: 'object[]', wasm: 'object', lua: 'object',
  },
};

const openObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/** The OpenAPI schema of one field type. */
export function fieldSchema(type: FieldType): Record<string, unknown> {
  switch (type) {
    case 'object':
      return { ...openObject };
    case 'string[]':
      return { type: 'array', items: { type: 'string' } };
    case 'object[]':
      return { type: 'array', items: { ...openObject } };
    case 'map<string>':
      return { type: 'object', additionalProperties: { type: 'string' } };
    case 'map<integer>':
      return { type: 'object', additionalProperties: { type: 'integer' } };
    case 'map<object>':
      return { type: 'object', additionalProperties: { ...openObject } };
    case 'integer?':
      return { type: 'integer', nullable: true };
    default:
      return { type };
  }
}

/** The schema of a kind's spec: typed top-level fields; unknown ones are kept (istiod's webhook reports them). */
export function specSchema(kind: string): Record<string, unknown> {
  const fields = specFields[kind];
  if (!fields) return { ...openObject };
  const properties = Object.fromEntries(Object.entries(fields).map(([name, type]) => [name, fieldSchema(type)]));
  return { type: 'object', properties, 'x-kubernetes-preserve-unknown-fields': true };
}
