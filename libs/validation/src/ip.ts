// IP and CIDR parsing with the strictness of Go's net/netip.
import { isIPv4, isIPv6 } from 'node:net';

/** True for an IPv4 or IPv6 address (IPv6 may carry a zone, as netip.ParseAddr allows). */
export function isIP(value: string): boolean {
  if (isIPv4(value)) return !/(^|\.)0\d/.test(value);
  return isIPv6(value);
}

/** Checks an address; returns the reason when invalid. */
export function checkIP(value: string): string | undefined {
  return isIP(value) ? undefined : `${value} is not a valid IP`;
}

/** True for `addr/bits` (no zone, bits within the family's size). */
export function isCIDR(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0 || value.indexOf('/', slash + 1) >= 0) return false;
  const addr = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(bits) || addr.includes('%')) return false;
  if (!isIP(addr)) return false;
  return Number(bits) <= (isIPv4(addr) ? 32 : 128);
}

/** Checks an address or a CIDR block (upstream ValidateIPSubnet). */
export function checkIPSubnet(value: string): string | undefined {
  if (value.split('/').length === 2) return isCIDR(value) ? undefined : `${value} is not a valid CIDR block`;
  return checkIP(value);
}
