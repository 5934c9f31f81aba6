// What the listener learned about a downstream connection; attached to the socket the HTTP servers see.
import type { PeerCertificate } from 'node:tls';
import type { CompiledFilterChain, CompiledListener } from '../listener/listener-types.ts';

export interface DownstreamContext {
  readonly listener: string;
  /** The compiled listener the connection was accepted under (compared with the current one to drain). */
  readonly listenerConfig: CompiledListener;
  readonly chain: CompiledFilterChain;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The destination the client addressed (original destination when captured). */
  readonly localAddress: string;
  readonly localPort: number;
  /** Set when the connection was redirected (SO_ORIGINAL_DST) or handed off; ORIGINAL_DST clusters use it. */
  readonly originalDst: { readonly address: string; readonly port: number } | undefined;
  /** SNI seen by the tls_inspector ('' when none). */
  readonly serverName: string;
  tls: boolean;
  peerCertificate: PeerCertificate | undefined;
}

/** Symbol under which the context hangs on sockets. */
export const kDownstream: unique symbol = Symbol('mesh.downstream');

/** A socket-like object carrying a downstream context. */
export type WithContext = { [kDownstream]?: DownstreamContext };
