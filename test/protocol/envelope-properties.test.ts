// Property tests: any split of valid streams decodes identically; random bytes never throw.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EnvelopeDecoder } from '../../src/kit/protocol/envelope-decoder.js';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';

const jsonValue = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const metaArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), jsonValue, { maxKeys: 6 });
const messageArb = fc.record({
  meta: metaArb,
  data: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  zlib: fc.boolean(),
});

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    parts.push(bytes.subarray(from, p));
    from = p;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

describe('Envelope decoder properties', () => {
  it('decodes random splits of valid streams exactly as the encoder wrote them', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 12 }), (messages, cuts) => {
        const wire = Buffer.concat(
          messages.map((m) => encodeEnvelope(m.zlib ? { ...m.meta, compression: 'zlib' } : m.meta, m.data)),
        );
        const decoder = new EnvelopeDecoder();
        const events = splitAt(wire, cuts).flatMap((part) => decoder.push(part));
        const decoded = events.flatMap((e) => (e.kind === 'message' ? [e.envelope] : []));
        expect(events.filter((e) => e.kind !== 'message')).toEqual([]);
        expect(decoded.map((e) => e.data)).toEqual(messages.map((m) => m.data));
        expect(decoded.map((e) => JSON.stringify(e.meta))).toEqual(
          messages.map((m) => JSON.stringify(JSON.parse(JSON.stringify(m.zlib ? { ...m.meta, compression: 'zlib' } : m.meta)))),
        );
        expect(decoder.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes, and never holds more than one announced message', () => {
    const max = 4096;
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const decoder = new EnvelopeDecoder({ maxMessageBytes: max });
        for (const c of chunks) decoder.push(Buffer.from(c));
        expect(decoder.bufferedBytes).toBeLessThanOrEqual(max + 30);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes mixed with header markers', () => {
    const marker = fc.constantFrom(
      Buffer.from('#!'), Buffer.from('#~DF02'), Buffer.from('2321000140', 'hex'), Buffer.from('!#\r\n'), Buffer.from('~#\r\n'),
    );
    const piece = fc.oneof(marker, fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const decoder = new EnvelopeDecoder({ maxMessageBytes: 1024 });
        decoder.push(Buffer.concat(pieces));
        expect(decoder.bufferedBytes).toBeLessThanOrEqual(1024 + 30);
      }),
      { numRuns: 500 },
    );
  });

  it('resynchronises after garbage and keeps decoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }).filter((g) => !g.includes(0x23)), metaArb, (garbage, meta) => {
        const decoder = new EnvelopeDecoder();
        const events = decoder.push(Buffer.concat([Buffer.from(garbage), encodeEnvelope(meta)]));
        expect(events.filter((e) => e.kind === 'message')).toHaveLength(1);
        expect(decoder.skippedBytes).toBe(garbage.length);
      }),
    );
  });
});
