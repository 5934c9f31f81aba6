// Public surface of @mesh/model: the immutable mesh snapshot and the proxy model.
export { buildSnapshot, MeshSnapshot } from './snapshot.ts';
export type { ServiceInstance } from './snapshot.ts';
export { parseProxy, ProxyParseError } from './proxy.ts';
export type { Proxy, NodeType } from './proxy.ts';
export { defaultMeshConfig, resolveMeshConfig } from './mesh-config.ts';
export { parseMeshConfig, normalizeMeshConfig, meshConfigFromConfigMaps } from './mesh-config-source.ts';
export type { MeshConfigParse } from './mesh-config-source.ts';
export type { MeshConfig, MeshConfigInput } from './mesh-config.ts';
export { parseProtocol, kubePortProtocol, isHttp, isHttp2, isTcp } from './protocol.ts';
export type { Protocol } from './protocol.ts';
export { emptyLocality, parseLocality } from './service.ts';
export type { ServiceModel, ServicePortModel, EndpointModel, Locality, HealthStatus, Resolution } from './service.ts';
export { hostMatches, isExportedTo, labelsMatch, resolveHost } from './hosts.ts';
export { resolveGatewayRef } from './config-store.ts';
export type { ConfigIndex, ResolvedVirtualService, ResolvedDestinationRule } from './config-store.ts';
export { egressAdmits, egressAdmitsPort } from './sidecar-scope.ts';
export type { SidecarScope, EgressScope, EgressHost } from './sidecar-scope.ts';
