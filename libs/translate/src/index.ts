// Public surface of @mesh/translate: generate Envoy resources for a proxy, plus the traffic simulator.
export { generate } from './generate.ts';
export type { GeneratedConfig } from './generate.ts';
export { simulate } from './simulate.ts';
export type { SimulatedRequest, SimulationResult } from './simulate.ts';
export { buildSnapshot, parseProxy } from '@mesh/model';
