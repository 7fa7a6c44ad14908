// The back door: the time scale changes while running, and the JSON-lines control channel.
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { ScaledClock } from '../../src/kit/clock/clock.js';
import { loadConfig } from '../../src/hv/config/load-config.js';
import { startLanInstruments } from '../../sim/lan-instruments.js';

async function exchange(port: number, lines: string[]): Promise<Record<string, unknown>[]> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((r) => socket.once('connect', r));
  let buffer = '';
  const answers: Record<string, unknown>[] = [];
  const done = new Promise<void>((resolve) => {
    socket.on('data', (d) => {
      buffer += d.toString();
      let at;
      while ((at = buffer.indexOf('\n')) !== -1) {
        answers.push(JSON.parse(buffer.slice(0, at)) as Record<string, unknown>);
        buffer = buffer.slice(at + 1);
      }
      if (answers.length === lines.length) resolve();
    });
  });
  socket.write(lines.map((l) => `${l}\n`).join(''));
  await done;
  socket.destroy();
  return answers;
}

describe('simulators’ back door', () => {
  it('changes the time scale of a running clock, keeping its time continuous', () => {
    // The real time the clock scales is set by the test, so no pause of the machine can come between two readings of it.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(1_000_000);
      const clock = new ScaledClock(1, 0);
      vi.setSystemTime(1_000_040);
      const before = clock.now();
      expect(before).toBe(40);
      clock.setTimeScale(50);
      expect(clock.timeScale).toBe(50);
      expect(clock.now()).toBe(before);
      vi.setSystemTime(1_000_042);
      expect(clock.now()).toBe(before + 2 * 50);
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes JSON lines over TCP and answers each, naming what is wrong', async () => {
    const config = loadConfig();
    const clock = new ScaledClock(5);
    const lan = await startLanInstruments({ host: '127.0.0.1', basePort: 0, prologixPort: 0, controlPort: 0, clock, blocks: config.blocks, voltmeters: config.voltmeters });
    const answers = await exchange(lan.ports.control!, [
      '{"cmd":"fault","device":"voltmeter-1","fault":"garbage","on":true}',
      '{"cmd":"push_error","device":"calibrator","code":-222,"text":"Data out of range"}',
      '{"cmd":"spike","device":"voltmeter-2","volts":3}',
      '{"cmd":"time_scale","value":40}',
      '{"cmd":"status"}',
      'not json',
      '{"cmd":"spike","device":"calibrator","volts":3}',
    ]);
    expect(answers.slice(0, 4).map((a) => a.ok)).toEqual([true, true, true, true]);
    expect(clock.timeScale).toBe(40);
    expect(answers[4]).toMatchObject({
      ok: true,
      time_scale: 40,
      devices: {
        'voltmeter-1': { faults: { garbage: true } },
        calibrator: { queued_errors: 1 },
        'voltmeter-2': { reading_faults: { spikeVolts: 3, spikeReadings: 1 } },
      },
    });
    expect(answers[5]).toMatchObject({ ok: false, error: expect.stringMatching(/^the command line is not valid JSON/) });
    expect(answers[6]).toEqual({ ok: false, error: 'calibrator is not a voltmeter; expected one of voltmeter-1, voltmeter-2, voltmeter-gun' });
    expect(await lan.rack.output(1).handleMessage('ERR?')).toBe('-222,"Data out of range"');
    await lan.close();
  });

  it('takes the fault-campaign commands over TCP; reset clears them and leaves the calibrator in standby', async () => {
    const config = loadConfig();
    const lan = await startLanInstruments({ host: '127.0.0.1', basePort: 0, prologixPort: 0, controlPort: 0, clock: new ScaledClock(5), blocks: config.blocks, voltmeters: config.voltmeters });
    const answers = await exchange(lan.ports.control!, [
      '{"cmd":"standby","device":"calibrator"}',
      '{"cmd":"offset","device":"voltmeter-1","volts":5}',
      '{"cmd":"meter_drift","device":"voltmeter-1","volts_per_min":1}',
      '{"cmd":"trip","block":1}',
      '{"cmd":"status"}',
      '{"cmd":"trip","block":1,"on":false}',
      '{"cmd":"standby","device":"ao"}',
      '{"cmd":"reset"}',
    ]);
    expect(answers.map((a) => a.ok)).toEqual([true, true, true, true, true, true, false, true]);
    expect(answers[4]).toMatchObject({
      devices: { calibrator: { operating: false }, 'voltmeter-1': { reading_faults: { offsetVolts: 5, driftVoltsPerMin: 1 } } },
      supplies: { 1: { tripped: true } },
    });
    expect(answers[5]).toEqual({ ok: true, supply: { tripped: false, drift_volts_per_min: 0 } });
    expect(answers[6]).toEqual({ ok: false, error: 'ao is not a Fluke 5502E calibrator; expected one of calibrator' });
    expect(answers[7]).toMatchObject({
      devices: { calibrator: { operating: false }, 'voltmeter-1': { reading_faults: { offsetVolts: 0, driftVoltsPerMin: 0, driftSince: null } } },
      supplies: { 1: { tripped: false } },
    });
    expect(await lan.rack.output(1).handleMessage('OPER?')).toBe('0');
    await lan.close();
  });
});
