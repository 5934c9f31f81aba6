// Public surface of @mesh/pilot: istiod's discovery core (debounced pushes, xDS generation per proxy, debug).
export { Debouncer, type DebounceOptions } from './debounce.ts';
