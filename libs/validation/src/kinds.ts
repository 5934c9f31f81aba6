// The registry of Istio config kinds: API group, served versions (from the CRDs) and the semantic validator.
import type { KindValidator } from './context.ts';
import { validateAuthorizationPolicy } from './kinds/authorization-policy.ts';
import { validateDestinationRule } from './kinds/destination-rule.ts';
import { validateEnvoyFilter } from './kinds/envoy-filter.ts';
import { validateGateway } from './kinds/gateway.ts';
import { validatePeerAuthentication } from './kinds/peer-authentication.ts';
import { validateProxyConfig } from './kinds/proxy-config.ts';
import { validateRequestAuthentication } from './kinds/request-authentication.ts';
import { validateServiceEntry } from './kinds/service-entry.ts';
import { validateSidecar } from './kinds/sidecar.ts';
import { validateTelemetry } from './kinds/telemetry.ts';
import { validateVirtualService } from './kinds/virtual-service.ts';
import { validateWasmPlugin } from './kinds/wasm-plugin.ts';
import { validateWorkloadEntry } from './kinds/workload-entry.ts';
import { validateWorkloadGroup } from './kinds/workload-group.ts';
import schemas from './schema/crd-schemas.json' with { type: 'json' };
import type { SchemaNode } from './schema/openapi.ts';

/** One Istio config kind. */
export interface KindInfo {
  kind: string;
  group: string;
  versions: string[];
  schema: SchemaNode;
  validator: KindValidator | undefined;
}

const VALIDATORS: Record<string, KindValidator> = {
  AuthorizationPolicy: validateAuthorizationPolicy,
  DestinationRule: validateDestinationRule,
  EnvoyFilter: validateEnvoyFilter,
  Gateway: validateGateway,
  PeerAuthentication: validatePeerAuthentication,
  ProxyConfig: validateProxyConfig,
  RequestAuthentication: validateRequestAuthentication,
  ServiceEntry: validateServiceEntry,
  Sidecar: validateSidecar,
  Telemetry: validateTelemetry,
  VirtualService: validateVirtualService,
  WasmPlugin: validateWasmPlugin,
  WorkloadEntry: validateWorkloadEntry,
  WorkloadGroup: validateWorkloadGroup,
};

const crds = schemas as Record<string, { group: string; versions: string[]; spec: SchemaNode }>;

const KINDS = new Map<string, KindInfo>(
  Object.entries(crds).map(([kind, crd]) => [
    kind,
    { kind, group: crd.group, versions: crd.versions, schema: crd.spec, validator: VALIDATORS[kind] },
  ]),
);

/** Looks a kind up by name (case-sensitive, as in `kind:`). */
export function kindInfo(kind: string): KindInfo | undefined {
  return KINDS.get(kind);
}

/** All kinds the validator knows, sorted. */
export function knownKinds(): string[] {
  return [...KINDS.keys()].sort();
}
