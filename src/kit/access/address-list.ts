// A list of client addresses and CIDR blocks from the config (`access.control`, `access.monitor`,
// `access.proxies`), matched with Node's own net.BlockList: "10.0.0.0/24", "192.168.1.7", "::1".

import { BlockList } from 'node:net';
import { ipFamily } from './ip-family.js';

/** Why an entry of a list cannot be used: the key and entry named, and what was expected. */
export interface AddressListError {
  code: 'BAD_ADDRESS';
  message: string;
}

export class AddressList {
  private constructor(
    private readonly list: BlockList,
    /** The entries as configured, for log lines and the docs' examples. */
    readonly entries: readonly string[],
  ) {}

  /** Parses every entry; the first that is neither an IP address nor a CIDR block is an error. */
  static parse(entries: readonly string[], key: string): AddressList | AddressListError {
    const list = new BlockList();
    for (const [i, entry] of entries.entries()) {
      const added = addEntry(list, entry.trim());
      if (added) return { code: 'BAD_ADDRESS', message: `key '${key}[${i}]' is ${JSON.stringify(entry)}; ${added}` };
    }
    return new AddressList(list, [...entries]);
  }

  /**
   * Whether `address` (a socket's remoteAddress) is on the list. An IPv4 client of a dual-stack
   * server arrives as `::ffff:a.b.c.d`; BlockList matches that against IPv4 entries too.
   */
  has(address: string | undefined): boolean {
    if (!address) return false;
    const family = ipFamily(address);
    if (family === 0) return false;
    return this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** Adds one entry; returns what was expected when it cannot be read, else null. */
function addEntry(list: BlockList, entry: string): string | null {
  const expected = 'expected an IP address (127.0.0.1, ::1) or a CIDR block (10.0.0.0/24, fd00::/8); host names are not looked up';
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = ipFamily(address);
  if (family === 0) return expected;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (slash < 0) {
    list.addAddress(address, type);
    return null;
  }
  const prefixText = entry.slice(slash + 1);
  const prefix = Number(prefixText);
  const bits = family === 6 ? 128 : 32;
  if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) return `${expected}, with a prefix length from 0 to ${bits}`;
  list.addSubnet(address, prefix, type);
  return null;
}
