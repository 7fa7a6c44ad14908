// showValue puts a received value into a description: whatever the value, it returns a short string.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { showValue } from '../../src/kit/protocol/error-reply.js';

describe('showValue', () => {
  it.each([
    [undefined, 'missing'],
    ['abc', '"abc"'],
    [1000, '1000'],
    [Infinity, 'Infinity'],
    [Number.NaN, 'NaN'],
    [null, 'null'],
    [true, 'true'],
    [10n, '10n'],
    [[1, 'a', null], '[1,"a",null]'],
    [{ a: 1, b: [true] }, '{"a":1,"b":[true]}'],
    ['x'.repeat(100), `"${'x'.repeat(56)}...`],
  ])('shows %o as %s', (value, shown) => {
    expect(showValue(value)).toBe(shown);
  });

  it('cuts a value nested 10,000 deep, a cycle and a million elements short, without a throw', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(showValue(deep)).toBe(`${'['.repeat(57)}...`);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(showValue(cycle)).toMatch(/^\{"self":\{"self":.*\.\.\.$/);
    expect(showValue(new Array(1_000_000).fill(7))).toHaveLength(60);
  });

  it('shows a value whose getter throws as a placeholder', () => {
    const hostile = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(showValue(hostile)).toBe('(a value that cannot be shown)');
  });

  it('never throws and never returns more than 60 characters', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 6, withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }), (value) => {
        const shown = showValue(value);
        expect(typeof shown).toBe('string');
        expect(shown.length).toBeLessThanOrEqual(60);
      }),
      { numRuns: 500 },
    );
  });

  it('shows short JSON exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        const json = JSON.stringify(value);
        fc.pre(json.length <= 60 && !json.includes('-0') && JSON.stringify(JSON.parse(json)) === json);
        expect(showValue(JSON.parse(json))).toBe(json);
      }),
      { numRuns: 300 },
    );
  });
});
