// The encoder writes exactly what Online reads.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';
import { EnvelopeError } from '../../src/kit/protocol/envelope.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/envelope.json', import.meta.url), 'utf8')) as {
  cases: { name: string; hex: string }[];
};

describe('Envelope encoder', () => {
  it('reproduces the set_voltage vector byte for byte, time field aside', () => {
    const wire = Buffer.from(vectors.cases[0]!.hex, 'hex');
    const encoded = encodeEnvelope({ type: 'command', command_type: 'set_voltage', block: 1, voltage: 1000 }, undefined, {
      now: wire.readUInt32BE(6),
    });
    expect(encoded.toString('hex')).toBe(wire.toString('hex'));
  });

  it('writes a 30-byte #! header with JSON meta type and the CRLF counted in the meta length', () => {
    const out = encodeEnvelope({ type: 'answer', answer_type: 'get_voltage', block: 1, voltage: 1000.5 });
    expect(out.subarray(0, 2).toString()).toBe('#!');
    expect(out.readUInt32BE(2)).toBe(0x00014000);
    expect(out.readUInt32BE(10)).toBe(0x00010000);
    const metaLength = out.readUInt32BE(14);
    expect(out.readUInt32BE(22)).toBe(0);
    expect(out.subarray(26, 30).toString()).toBe('!#\r\n');
    expect(out.length).toBe(30 + metaLength);
    expect(out.subarray(out.length - 4).toString()).toBe('\r\n\r\n');
  });

  it('writes the low 32 bits of the millisecond time', () => {
    const out = encodeEnvelope({}, undefined, { now: 2 ** 32 + 5 });
    expect(out.readUInt32BE(6)).toBe(5);
  });

  it('refuses a non-finite number instead of writing null', () => {
    expect(() => encodeEnvelope({ voltage: Number.NaN })).toThrow(EnvelopeError);
    expect(() => encodeEnvelope({ nested: { error: Infinity } })).toThrow(/field 'error' is Infinity/);
  });
});

describe('Envelope encoder, the values JSON takes in other ways', () => {
  it('writes what JSON.stringify writes: toJSON results, arrays, undefined fields left out', () => {
    const meta = { at: new Date(Date.UTC(2026, 0, 1)), list: [1, 'two', null, { deep: [3.5] }], gone: undefined };
    const out = encodeEnvelope(meta);
    expect(out.subarray(30).toString()).toBe(JSON.stringify(meta, null, 4) + '\r\n\r\n');
  });

  it('refuses a non-finite number however it is reached: in an array, deep down, from a toJSON', () => {
    expect(() => encodeEnvelope({ list: [1, -Infinity] })).toThrow(/field '1' is -Infinity/);
    let deep: Record<string, unknown> = { volts: Number.NaN };
    for (let i = 0; i < 40; i++) deep = { inner: deep };
    expect(() => encodeEnvelope(deep)).toThrow(/field 'volts' is NaN/);
    expect(() => encodeEnvelope({ reading: { toJSON: () => ({ volts: Infinity }) } })).toThrow(/field 'volts' is Infinity/);
  });
});
