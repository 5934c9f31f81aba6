// Typed wrappers over the addon that accept Node sockets and servers instead of raw fds.
import type { AddressInfo, Server, Socket } from 'node:net';
import { nativeSockopt } from './addon.ts';

/** Destination a connection was addressed to before iptables REDIRECT/TPROXY rewrote it. */
export interface OriginalDestination {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

interface HandleWithFd {
  _handle?: { fd?: number } | null;
}

/** The OS file descriptor behind a net.Socket or net.Server (Linux exposes it as `_handle.fd`). */
export function socketFd(target: Socket | Server): number {
  const fd = (target as unknown as HandleWithFd)._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new Error('socket has no file descriptor (not connected/listening yet, or already closed)');
  }
  return fd;
}

function familyOfAddress(address: string | undefined): 4 | 6 {
  if (!address) return 4;
  // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; conntrack still tracks them as IPv4.
  if (address.startsWith('::ffff:') && address.includes('.')) return 4;
  return address.includes(':') ? 6 : 4;
}

/** Reads SO_ORIGINAL_DST (or IP6T_SO_ORIGINAL_DST) of an accepted, redirected connection. */
export function getOriginalDst(socket: Socket): OriginalDestination {
  const fd = socketFd(socket);
  const family = familyOfAddress(socket.localAddress);
  return nativeSockopt().getOriginalDst(fd, family);
}

/** Sets IP_TRANSPARENT (IPV6_TRANSPARENT for v6) on a listening server, a socket or a raw fd, as TPROXY needs. */
export function setTransparent(target: Server | Socket | number, on = true, family?: 4 | 6): void {
  const fd = typeof target === 'number' ? target : socketFd(target);
  let fam = family;
  if (fam === undefined && typeof target !== 'number') {
    const address = target.address() as AddressInfo | string | null | Record<string, never>;
    fam = address && typeof address === 'object' && 'address' in address ? familyOfAddress(address.address) : 4;
  }
  nativeSockopt().setTransparent(fd, fam ?? 4, on);
}
