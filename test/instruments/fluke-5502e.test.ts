// The Fluke 5502E driver, byte for byte.
import { describe, expect, it } from 'vitest';
import { Fluke5502E } from '../../src/hv/instruments/fluke-5502e.js';
import { ScriptedTransport } from '../helpers/scripted-transport.js';

const IDN = 'FLUKE,5502E,3951002,2.11\n';

describe('Fluke 5502E driver', () => {
  it('reads the present output with OPER?, OUT? and ERR?, sending nothing that changes it', async () => {
    const transport = new ScriptedTransport([IDN, '1\n', '5.313156E+00,V,0.000000E+00,0,0.00E+00\n', '0,"No Error"\n']);
    const fluke = new Fluke5502E('cal', transport, 2000);
    expect(await fluke.readOutput()).toBe(5.313156);
    expect(transport.written).toEqual(['*IDN?\n', 'OPER?\n', 'OUT?\n', 'ERR?\n']);
  });

  it('a queued error fails the output check, naming it', async () => {
    const fluke = new Fluke5502E('cal', new ScriptedTransport([IDN, '1\n', '5.000000E+00,V,0.000000E+00,0,0.00E+00\n', '-222,"Data out of range"\n']), 2000);
    await expect(fluke.outputState()).rejects.toThrow('cal: the error queue holds -222,"Data out of range"; expected 0,"No Error"');
  });

  it('reads 0 V while in standby: nothing is on the terminals', async () => {
    const fluke = new Fluke5502E('cal', new ScriptedTransport([IDN, '0\n', '5.000000E+00,V,0.000000E+00,0,0.00E+00\n', '0,"No Error"\n']), 2000);
    expect(await fluke.readOutput()).toBe(0);
  });

  it('for a client command, sets the output in one compound message that also operates and checks ERR?', async () => {
    const transport = new ScriptedTransport([IDN, '0,"No Error"\n', '0,"No Error"\n']);
    const fluke = new Fluke5502E('cal', transport, 2000);
    await fluke.setOutput(5.313156, { energize: true });
    await fluke.setOutput(5.2, { energize: true });
    expect(transport.written).toEqual(['*IDN?\n', 'OUT 5.313156 V;OPER;ERR?\n', 'OUT 5.200000 V;OPER;ERR?\n']);
  });

  it('for a correction, confirms it operates first and never sends OPER', async () => {
    const transport = new ScriptedTransport([IDN, '1\n', '0,"No Error"\n']);
    const fluke = new Fluke5502E('cal', transport, 2000);
    await fluke.setOutput(5.2, { energize: false });
    expect(transport.written).toEqual(['*IDN?\n', 'OPER?\n', 'OUT 5.200000 V;ERR?\n']);
  });

  it('in standby, a correction is refused with code standby and nothing is written', async () => {
    const transport = new ScriptedTransport([IDN, '0\n']);
    const fluke = new Fluke5502E('cal', transport, 2000);
    await expect(fluke.setOutput(5.2, { energize: false })).rejects.toMatchObject({ code: 'standby', message: expect.stringMatching(/cal: output is in standby; OUT 5\.200000 V not sent/) });
    expect(transport.written).toEqual(['*IDN?\n', 'OPER?\n']);
  });

  it('reports whether it operates and its amplitude', async () => {
    const fluke = new Fluke5502E('cal', new ScriptedTransport([IDN, '0\n', '5.000000E+00,V,0.000000E+00,0,0.00E+00\n', '0,"No Error"\n']), 2000);
    expect(await fluke.outputState()).toEqual({ operating: false, volts: 5 });
  });

  it('reports the error the calibrator queued, and starts afresh on the next call', async () => {
    const transport = new ScriptedTransport([IDN, '-222,"Data out of range"\n', IDN, '0,"No Error"\n']);
    const fluke = new Fluke5502E('cal', transport, 2000);
    await expect(fluke.setOutput(9.5, { energize: true })).rejects.toThrow('cal: OUT 9.500000 V refused: -222,"Data out of range"');
    await fluke.setOutput(9.5, { energize: true });
    expect(transport.written.filter((w) => w === '*IDN?\n')).toHaveLength(2);
  });

  it('refuses a wrong instrument', async () => {
    const fluke = new Fluke5502E('cal', new ScriptedTransport(['FLUKE,5720A,1,1\n']), 2000);
    await expect(fluke.readOutput()).rejects.toThrow(/expected a Fluke 5502E/);
  });
});

describe('Fluke 5502E ranges', () => {
  const fluke = new Fluke5502E('cal', new ScriptedTransport([]), 2000);
  it('knows where it changes range (its output drops out) and its steps in each range', () => {
    expect(fluke.dropsOutBetween(3.299999, 3.300001)).toBe(true);
    expect(fluke.dropsOutBetween(3.2, 3.29)).toBe(false);
    expect(fluke.quantize(3.30000449)).toBeCloseTo(3.3, 9);
    expect(fluke.quantize(3.2999994)).toBeCloseTo(3.299999, 9);
  });

  it('keeps a small correction on its side of a boundary, and lets a real move cross', () => {
    expect(fluke.keepRange(3.300026, 3.299992, 2e-5)).toBe(3.3); // down by 8 µV past 3.3: stays at the upper range's bottom
    expect(fluke.keepRange(3.299990, 3.300004, 2e-5)).toBeCloseTo(3.299999, 9); // up: the lower range's top
    expect(fluke.keepRange(3.300026, 3.2999, 2e-5)).toBe(3.2999); // 100 µV past: crosses
    expect(fluke.keepRange(3.2, 3.25, 2e-5)).toBe(3.25);
  });
});
