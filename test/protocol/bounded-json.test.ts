// JSON from outside is measured before it is parsed: the depth count agrees with the parsed value's
// nesting for any JSON, brackets inside strings do not count, and the limits are named in the refusal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonNesting, parseBoundedJson, valueNesting } from '../../src/kit/protocol/bounded-json.js';
import { parseMeta } from '../../src/kit/protocol/envelope-decoder.js';
import { EnvelopeError } from '../../src/kit/protocol/envelope.js';

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('jsonNesting', () => {
  it.each([
    ['1', 0],
    ['"[[[{"', 0],
    ['[]', 1],
    ['{"a":[1,{"b":[]}]}', 4],
    ['["\\"[[", "\\\\", [[]]]', 3],
    ['[[]][[[]]]', 3],
    ['{"a": "}}}}" , "b": [[["\\\\"]]]}', 4],
  ])('%s nests %i deep', (text, depth) => {
    expect(jsonNesting(text)).toBe(depth);
  });

  it('counts 10,000 levels in one pass, without recursion', () => {
    expect(jsonNesting(nested(10_000))).toBe(10_000);
    expect(jsonNesting(nested(10_000, '{"a":', '}'))).toBe(10_000);
  });

  it('agrees with the nesting of the parsed value, for any JSON text', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.constantFrom(undefined, 2, 4), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(jsonNesting(text)).toBe(valueNesting(JSON.parse(text), Infinity));
      }),
      { numRuns: 300 },
    );
  });
});

describe('valueNesting', () => {
  it('stops one level past the limit, so a cycle ends too', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(valueNesting(cycle, 64)).toBe(65);
    expect(valueNesting(JSON.parse(nested(10_000)), 64)).toBe(65);
    expect(valueNesting({ a: [1, { b: 2 }] }, 64)).toBe(3);
    expect(valueNesting('text', 64)).toBe(0);
  });
});

describe('parseBoundedJson', () => {
  it('parses JSON up to the depth limit', () => {
    expect(parseBoundedJson(nested(MAX_JSON_DEPTH), { what: 'x' })).toMatchObject({ ok: true });
  });

  it('refuses one level more, naming the depth and the limit', () => {
    expect(parseBoundedJson(nested(4500), { what: 'meta' })).toEqual({
      ok: false,
      kind: 'too-deep',
      message: 'meta nests 4500 levels deep; at most 64 are accepted',
    });
    expect(parseBoundedJson(nested(3), { what: 'body', maxDepth: 2 })).toMatchObject({ ok: false, kind: 'too-deep' });
  });

  it('refuses a text over the size limit in UTF-8 bytes', () => {
    expect(parseBoundedJson(`"${'é'.repeat(600)}"`, { what: 'the body', maxBytes: 1000 })).toEqual({
      ok: false,
      kind: 'too-large',
      message: 'the body is 1202 bytes long; at most 1000 are accepted',
    });
  });

  it('says when the text is not JSON', () => {
    expect(parseBoundedJson('{oops', { what: 'meta' })).toMatchObject({ ok: false, kind: 'not-json', message: expect.stringMatching(/^meta is not valid JSON \(/) });
  });
});

describe('parseMeta', () => {
  it('refuses a meta nested 10,000 deep in any field before parsing it', () => {
    const meta = parseMeta(Buffer.from(`{"type":"command","block":${nested(10_000)}}`));
    expect(meta).toBeInstanceOf(EnvelopeError);
    expect(meta).toMatchObject({ kind: 'too-deep', fatal: false, message: 'meta nests 10001 levels deep; at most 64 are accepted' });
  });
});
