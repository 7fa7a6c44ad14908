// Which IP family a text is an address of, as node:net's isIP says (4, 6, or 0 for none), without
// the cost of isIP's first IPv6 answer: Node compiles its IPv6 pattern, a regular expression of
// some kilobytes, when it is first used, which took 6-40 ms of the server's start (the default
// access list names ::1) and would take as much again on a first client with an IPv6 address.
// IPv4 keeps isIPv4's small pattern; a text with a colon is parsed by libuv (net.SocketAddress,
// what net.BlockList parses an entry with), with isIPv6's rule for the zone (`%eth0`).

import { isIPv4, SocketAddress } from 'node:net';

/** isIPv6's zone: a `%` and one or more of these. */
const ZONE = /^[0-9a-zA-Z.:-]+$/;

export function ipFamily(text: string): 0 | 4 | 6 {
  if (isIPv4(text)) return 4;
  if (!text.includes(':')) return 0;
  const percent = text.indexOf('%');
  if (percent >= 0 && !ZONE.test(text.slice(percent + 1))) return 0;
  try {
    new SocketAddress({ address: text, family: 'ipv6' });
    return 6;
  } catch {
    return 0;
  }
}
