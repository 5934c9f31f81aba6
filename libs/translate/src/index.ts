// Public surface of @mesh/translate: generate Envoy resources for a proxy, plus the traffic simulator.
export { generate, generateWithOutbound } from './generate.ts';
export { generateOutbound, listenersReadVirtualServices, outboundGroupKey } from './outbound-group.ts';
export type { OutboundConfig, OutboundReuse } from './outbound-group.ts';
export type { GeneratedConfig } from './generate.ts';
export { simulate } from './simulate.ts';
export type { SimulatedRequest, SimulationResult } from './simulate.ts';
export { buildSnapshot, parseProxy } from '@mesh/model';
