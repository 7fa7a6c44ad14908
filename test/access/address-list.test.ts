// Address lists from the config: addresses and CIDR blocks, IPv4 clients of a dual-stack socket,
// and entries that cannot be used refused with the key and the entry named.
import { describe, expect, it } from 'vitest';
import { AddressList } from '../../src/kit/access/address-list.js';

const list = (...entries: string[]) => {
  const parsed = AddressList.parse(entries, 'access.control');
  if (!(parsed instanceof AddressList)) throw new Error(parsed.message);
  return parsed;
};

describe('AddressList', () => {
  it('matches single addresses exactly: 127.0.0.1 is not 127.0.0.2', () => {
    const l = list('127.0.0.1', '::1');
    expect(l.has('127.0.0.1')).toBe(true);
    expect(l.has('::1')).toBe(true);
    expect(l.has('127.0.0.2')).toBe(false);
    expect(l.has('::2')).toBe(false);
  });

  it('matches CIDR blocks, IPv4 and IPv6', () => {
    const l = list('10.0.0.0/24', 'fd00::/8');
    expect(l.has('10.0.0.255')).toBe(true);
    expect(l.has('10.0.1.0')).toBe(false);
    expect(l.has('fd12:3456::1')).toBe(true);
    expect(l.has('fe80::1')).toBe(false);
  });

  it('matches an IPv4 client of a dual-stack socket (::ffff:a.b.c.d) against IPv4 entries', () => {
    expect(list('192.168.1.7').has('::ffff:192.168.1.7')).toBe(true);
    expect(list('192.168.1.0/24').has('::ffff:192.168.1.9')).toBe(true);
    expect(list('192.168.1.7').has('::ffff:192.168.1.8')).toBe(false);
  });

  it('an empty list, no address or a name matches nothing', () => {
    expect(list().has('127.0.0.1')).toBe(false);
    expect(list('127.0.0.1').has(undefined)).toBe(false);
    expect(list('127.0.0.1').has('localhost')).toBe(false);
  });

  it.each([
    ['localhost', "key 'access.control[1]' is \"localhost\"; expected an IP address (127.0.0.1, ::1) or a CIDR block (10.0.0.0/24, fd00::/8); host names are not looked up"],
    ['10.0.0.0/33', "key 'access.control[1]' is \"10.0.0.0/33\"; expected an IP address (127.0.0.1, ::1) or a CIDR block (10.0.0.0/24, fd00::/8); host names are not looked up, with a prefix length from 0 to 32"],
    ['10.0.0.0/', 'with a prefix length from 0 to 32'],
    ['fd00::/129', 'with a prefix length from 0 to 128'],
    ['10.0.0.300', 'expected an IP address'],
  ])('refuses %j, naming the key and the entry', (entry, message) => {
    const parsed = AddressList.parse(['127.0.0.1', entry], 'access.control');
    expect(parsed).toMatchObject({ code: 'BAD_ADDRESS', message: expect.stringContaining(message) });
  });
});
