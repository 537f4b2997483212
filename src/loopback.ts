import { isIPv4, isIPv6 } from 'node:net';

/**
 * A host name or address of this machine's loopback interface: `localhost`,
 * `127.0.0.0/8`, and `::1` however it is written (`[::1]`,
 * `0:0:0:0:0:0:0:1`, `::ffff:127.0.0.1`).
 */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (!isIPv6(bare)) return false;
  // The URL parser writes an IPv6 address in its one short form: ::1, or ::ffff:7f00:1 for an IPv4-mapped 127.0.0.1.
  const canonical = new URL(`http://[${bare}]`).hostname.slice(1, -1);
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}

/** How a Host header names `address` (an IPv6 address in brackets, in the URL parser's short form). */
export function hostNameOf(address: string): string {
  return isIPv6(address) ? new URL(`http://[${address}]`).hostname : address;
}
