// Public surface of @mesh/local: the local mesh runner (network namespaces, iptables, istiod, sidecars).
export { LocalMesh, type LocalMeshOptions, type MeshService } from './local-mesh.ts';
export { Pod, startPod, istioInitArgs, proxyUid, appUid, type PodSpec } from './pod.ts';
export { slotNetwork, AddressPool, type SlotNetwork } from './addresses.ts';
export { renderHosts, writeHostsFile, type ServiceName } from './hosts-file.ts';
export { RunRegistry, reapStaleRuns, readSlotState, stateDir, type RunState } from './run-registry.ts';
export { missingPrivileges, assertPrivileges } from './privileges.ts';
export { forwardPort, type PortForward } from './port-forward.ts';
export { ConfigDir } from './config-dir.ts';
export { startBookinfo, applyUpstream, useTaskConfig, upstreamPath, type UpstreamConfig } from './bookinfo.ts';
export { startIngressGateway, ingressLabels } from './ingress-gateway.ts';
export { slotLeftovers } from './slot-leftovers.ts';
