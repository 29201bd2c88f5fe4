import { BlockList, isIP } from 'node:net';

/**
 * Addresses a URL import may not reach unless the operator allows it: loopback, private, link-local (cloud metadata
 * endpoints live there), carrier-grade NAT, multicast, unspecified and reserved ranges, in IPv4 and IPv6 forms.
 */
const denied = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  denied.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  // Unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d (which covers both).
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  // Deprecated site-local: still routed inside some networks.
  ['fec0::', 10],
  ['ff00::', 8],
  // NAT64, well-known and local-use prefixes: they carry an IPv4 address a gateway connects to.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  // 6to4: an IPv4 address in bits 16-48, relayed to it.
  ['2002::', 16],
] as const)
  denied.addSubnet(net, prefix, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d) addresses are judged as the IPv4 address they carry.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]!);
    return !denied.check(address, 'ipv6');
  }
  return !denied.check(address, 'ipv4');
}
