// Default original-destination lookup through the sockopt addon (SO_ORIGINAL_DST); undefined when the
// connection was not redirected or the addon is unavailable.
import type net from 'node:net';
import { getOriginalDst } from '@mesh/sockopt';
import type { Logger } from 'pino';
import type { OriginalDstLookup } from '../listener/connection-handler.ts';

/** A lookup that asks the kernel, logging (once) when the addon cannot be used. */
export function kernelOriginalDst(log: Logger): OriginalDstLookup {
  let broken = false;
  return (socket: net.Socket) => {
    if (broken) return undefined;
    try {
      const d = getOriginalDst(socket);
      return { address: d.address, port: d.port };
    } catch (e) {
      const msg = (e as Error).message;
      if (/addon|build|require|Cannot find/i.test(msg)) {
        broken = true;
        log.warn({ err: msg }, 'SO_ORIGINAL_DST lookup unavailable; using local addresses');
      }
      return undefined;
    }
  };
}
