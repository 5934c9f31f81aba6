// Public surface of @mesh/sockopt: socket options for transparent capture (N-API addon).
export { getOriginalDst, setTransparent, socketFd } from './sockopt.ts';
export type { OriginalDestination } from './sockopt.ts';
