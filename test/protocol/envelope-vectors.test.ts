// The shared byte-exact Envelope vectors, fed whole and split at every possible point.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { EnvelopeDecoder, type DecoderEvent } from '../../src/kit/protocol/envelope-decoder.js';

interface VectorCase {
  name: string;
  hex: string;
  messages?: { meta: Record<string, unknown>; data_hex: string }[];
  undecoded_tail_bytes?: number;
  skipped_garbage_bytes?: number;
  error?: string;
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/envelope.json', import.meta.url), 'utf8')) as { cases: VectorCase[] };

function decode(chunks: Buffer[]): { events: DecoderEvent[]; decoder: EnvelopeDecoder } {
  const decoder = new EnvelopeDecoder();
  const events = chunks.flatMap((c) => decoder.push(c));
  return { events, decoder };
}

function summarize({ events, decoder }: ReturnType<typeof decode>) {
  return {
    messages: events.flatMap((e) => (e.kind === 'message' ? [{ meta: e.envelope.meta, data_hex: e.envelope.data.toString('hex') }] : [])),
    errors: events.flatMap((e) => (e.kind === 'error' ? [e.error.kind] : [])),
    skipped: events.reduce((n, e) => n + (e.kind === 'skipped' ? e.bytes : 0), 0),
    tail: decoder.bufferedBytes,
  };
}

describe('Envelope test vectors', () => {
  it('has the shared cases', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(15);
  });

  for (const c of vectors.cases) {
    const bytes = Buffer.from(c.hex, 'hex');
    const check = (got: ReturnType<typeof summarize>) => {
      if (c.error) {
        expect(got.errors).toContain(c.error);
        expect(got.messages).toEqual([]);
      } else {
        expect(got.errors).toEqual([]);
        expect(got.messages).toEqual(c.messages);
        expect(got.tail).toBe(c.undecoded_tail_bytes);
        expect(got.skipped).toBe(c.skipped_garbage_bytes);
      }
    };

    it(`${c.name}: in one piece`, () => check(summarize(decode([bytes]))));

    it(`${c.name}: split at every point`, () => {
      for (let at = 1; at < bytes.length; at++) {
        check(summarize(decode([bytes.subarray(0, at), bytes.subarray(at)])));
      }
    });

    it(`${c.name}: one byte at a time`, () => {
      check(summarize(decode([...bytes].map((b) => Buffer.from([b])))));
    });
  }

  it('refuses a 4 GiB header at once, holding no more than the header', () => {
    const tooLarge = vectors.cases.find((c) => c.error === 'too-large');
    const { events, decoder } = decode([Buffer.from(tooLarge!.hex, 'hex')]);
    expect(events.some((e) => e.kind === 'error' && e.error.fatal)).toBe(true);
    expect(decoder.bufferedBytes).toBe(0);
  });
});
