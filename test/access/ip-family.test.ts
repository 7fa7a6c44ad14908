// ipFamily answers as node:net's isIP does, for addresses, near-addresses and zones.
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipFamily } from '../../src/kit/access/ip-family.js';

const TEXTS = [
  '127.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', ' 1.2.3.4', '1.2.3.4 ',
  '::', '::1', '::ffff:127.0.0.1', '::ffff:1.2.3', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', 'x::1',
  '2001:db8::', '2001:DB8::A', '2001:db8::/32', '[::1]', 'fe80::1%eth0', 'fe80::1%', 'fe80::1%eth_0', 'fe80::1%a.b-c:d',
  '::1%lo', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '', 'localhost', 'unknown', ':', '::1 ', 'g::1',
];

describe('ipFamily', () => {
  it.each(TEXTS)('%j is what isIP says', (text) => {
    expect(ipFamily(text)).toBe(isIP(text));
  });

  it('answers as isIP for any text of address characters', () => {
    const chars = fc.constantFrom(...'0123456789abcdefABCDEFx:.%/-_ '.split(''));
    const texts = fc.oneof(
      fc.array(chars, { maxLength: 45 }).map((c) => c.join('')),
      // Mostly-valid addresses, a character changed or cut.
      fc.tuple(fc.ipV6(), fc.nat(40), chars).map(([a, at, c]) => a.slice(0, at) + c + a.slice(at + 1)),
      fc.tuple(fc.ipV4(), fc.nat(16), chars).map(([a, at, c]) => a.slice(0, at) + c + a.slice(at + 1)),
      fc.ipV6(),
    );
    fc.assert(fc.property(texts, (text) => ipFamily(text) === isIP(text)), { numRuns: 5000 });
  });
});
