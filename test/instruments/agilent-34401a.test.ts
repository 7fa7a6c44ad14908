// The 34401A driver, byte for byte.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { Agilent34401A } from '../../src/hv/instruments/agilent-34401a.js';
import { InstrumentError } from '../../src/hv/instruments/instrument.js';
import { ScriptedTransport } from '../helpers/scripted-transport.js';

const IDN = 'HEWLETT-PACKARD,34401A,0,11-5-2\n';
const NO_ERROR = '+0,"No error"\n';
const options = { readingTimeoutMs: 15_000, queryTimeoutMs: 2000 };

function driver(answers: string[]) {
  const transport = new ScriptedTransport(answers);
  const clock = new ManualClock(1_000_000);
  return { transport, clock, dmm: new Agilent34401A('dvm', transport, clock, options) };
}

describe('Agilent 34401A driver', () => {
  it('identifies the meter, runs the init sequence and drains the error queue, on a fresh connection', async () => {
    const { transport, dmm } = driver([IDN, NO_ERROR]);
    await dmm.init();
    expect(transport.written).toEqual([
      '*IDN?\n', '*RST\n', '*CLS\n', 'CONF:VOLT:DC 10,0.00001\n', 'DET:BAND 3\n', 'INP:IMP:AUTO ON\n', 'VOLT:NPLC 100\n', 'SYST:ERR?\n',
    ]);
    expect([transport.closes, transport.opens, transport.clears]).toEqual([1, 1, 1]);
    expect(transport.unread).toBe(0);
  });

  it('refuses an instrument that is not a 34401A', async () => {
    const { dmm } = driver(['KEITHLEY INSTRUMENTS INC.,MODEL 2000,1,A\n']);
    await expect(dmm.init()).rejects.toThrow(/\*IDN\? answered "KEITHLEY INSTRUMENTS INC\.,MODEL 2000,1,A"; expected an Agilent or HP 34401A/);
  });

  it('fails init with every error the queue held', async () => {
    const { dmm } = driver([IDN, '-113,"Undefined header"\n', '-222,"Data out of range"\n', NO_ERROR]);
    await expect(dmm.init()).rejects.toThrow('init left errors in the queue: -113,"Undefined header"; -222,"Data out of range"');
  });

  it('triggers with ABOR;INIT, waits one measurement (4.02 s) on the clock, fetches with FETC?, and stamps the window from INIT', async () => {
    const { transport, clock, dmm } = driver(['-4.59186512E+00\n']);
    const asked = clock.now();
    const pending = dmm.read();
    await clock.advance(4019);
    expect(transport.written).toEqual(['ABOR;INIT\n']);
    await clock.advance(1);
    expect(await pending).toEqual({ raw: -4.59186512, startedAt: asked + 10, endedAt: asked + 2010 });
    expect(transport.written).toEqual(['ABOR;INIT\n', 'FETC?\n']);
  });

  it('treats overload (+9.9E+37) as an error and drains the queue after it', async () => {
    const { transport, clock, dmm } = driver(['+9.90000000E+37\n', NO_ERROR]);
    const pending = dmm.read().catch((e: unknown) => e);
    await clock.advance(4020);
    const err = await pending;
    expect(err).toBeInstanceOf(InstrumentError);
    expect((err as InstrumentError).code).toBe('out-of-range');
    expect((err as Error).message).toMatch(/FETC\? answered \+9\.90000000E\+37: overload/);
    expect(transport.written).toEqual(['ABOR;INIT\n', 'FETC?\n', 'SYST:ERR?\n']);
  });

  it('refuses an answer that is not a number, naming it and the errors it found', async () => {
    const { clock, dmm } = driver(['#\u0007?garbage\n', '-410,"Query INTERRUPTED"\n', NO_ERROR]);
    const pending = dmm.read();
    const failed = expect(pending).rejects.toThrow(/FETC\? answered "#\\u0007\?garbage"; expected a number \(errors: -410,"Query INTERRUPTED"\)/);
    await clock.advance(4020);
    await failed;
  });
});
