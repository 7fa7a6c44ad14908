// The faults a fault campaign needs, through the back door: each acts on the simulated instrument
// or supply as described in schemas/sim-control.schema.json, each clears, and reset clears them all
// without ever putting a calibrator back in operate.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { SimulatorControl } from '../../sim/control/simulator-control.js';
import { Adam4024 } from '../../sim/devices/adam-4024.js';
import { Agilent34401A } from '../../sim/devices/agilent-34401a.js';
import { Fluke5502E } from '../../sim/devices/fluke-5502e.js';
import type { LineDevice } from '../../sim/devices/line-device.js';
import { SeededRandom } from '../../sim/random.js';
import { scpiExponential } from '../../sim/scpi/scpi-device.js';
import { SupplyPlant } from '../../sim/supply-plant.js';

const RATIO = -4050.65;
const GAIN = 3500.5;
const OFFSET = 1.26;
/** Half a 0.1 µV step at the meter, in HV volts: how far a reading may sit from the exact HV. */
const HALF_STEP_HV = 0.5e-7 * Math.abs(RATIO) + 1e-9;

/** Block 1 (calibrator in operate at 5 V: 17503.76 V) read by a noiseless voltmeter at NPLC 100, and block 2 on an ADAM module. */
async function rig() {
  const clock = new ManualClock(0);
  const plant = new SupplyPlant({ gain: GAIN, offset: OFFSET, tauMs: 400 }, 5, 0);
  const plant2 = new SupplyPlant({ gain: 100, offset: 0, tauMs: 100 }, 0, 0);
  const calibrator = new Fluke5502E('calibrator', plant, clock);
  const ao = new Adam4024('ao', 1, plant2, clock);
  const meter = new Agilent34401A('voltmeter-1', plant, RATIO, clock, new SeededRandom(1), { sigma0V: 0, perKvV: 0, outlierRate: 0, outlierV: 0 });
  await meter.handleMessage('VOLT:NPLC 100');
  const devices = new Map<string, LineDevice>([
    ['calibrator', calibrator],
    ['ao', ao],
    ['voltmeter-1', meter],
  ]);
  const control = new SimulatorControl(devices, clock, {}, new Map([[1, plant], [2, plant2]]));
  const apply = (command: Record<string, unknown>) => control.apply(command);
  /** One READ? (4.02 s), as HV volts. */
  const readHv = async (): Promise<number> => {
    const pending = meter.handleMessage('READ?');
    await clock.advance(meter.readingTimeMs);
    return Number(await pending) * RATIO;
  };
  return { clock, plant, calibrator, meter, control, apply, readHv };
}

const HV_AT_5V = GAIN * 5 + OFFSET;

describe('calibrator standby at the front panel', () => {
  it('puts the output in standby: OPER? answers 0 and the supply loses its drive', async () => {
    const { apply, calibrator, plant, clock } = await rig();
    expect(await calibrator.handleMessage('OPER?')).toBe('1');
    expect(apply({ cmd: 'standby', device: 'calibrator' })).toEqual({
      ok: true,
      device: { name: 'calibrator', faults: { offline: false, timeout: false, garbage: false }, queued_errors: 0, volts: 5, operating: false },
    });
    expect(await calibrator.handleMessage('OPER?;OUT?')).toBe('0;5.000000E+00,V,0.000000E+00,0,0.00E+00');
    expect(plant.drive).toBe(0);
    await clock.advance(10_000);
    expect(plant.hvAt(clock.now())).toBeCloseTo(OFFSET, 6);
  });

  it('stays in standby through reset; only OPER over the bus brings it back', async () => {
    const { apply, calibrator, plant } = await rig();
    apply({ cmd: 'standby', device: 'calibrator' });
    const reset = apply({ cmd: 'reset' });
    expect(reset).toMatchObject({ ok: true, devices: { calibrator: { operating: false, volts: 5 } } });
    expect(await calibrator.handleMessage('OPER?')).toBe('0');
    expect(plant.drive).toBe(0);
    await calibrator.handleMessage('OPER');
    expect(plant.drive).toBe(5);
    expect(await calibrator.handleMessage('OPER?')).toBe('1');
  });

  it('reset leaves a calibrator in operate in operate', async () => {
    const { apply, plant } = await rig();
    expect(apply({ cmd: 'reset' })).toMatchObject({ ok: true, devices: { calibrator: { operating: true, volts: 5 } } });
    expect(plant.drive).toBe(5);
  });

  it('is not undone by the end of a range-change dropout', async () => {
    const clock = new ManualClock(0);
    const plant = new SupplyPlant({ gain: GAIN, offset: OFFSET, tauMs: 400 }, 0, 0);
    const fluke = new Fluke5502E('calibrator', plant, clock, { calibrator_volts: 3.3, dropout_s: 0.28 });
    await fluke.handleMessage('OUT 3 V;OPER;OUT 4 V'); // crosses 3.3 V: the output drops out for 0.28 s
    fluke.pressStandby();
    await clock.advance(1000);
    expect(plant.drive).toBe(0);
    expect(fluke.output).toEqual({ volts: 4, operating: false });
  });

  it('is refused for an instrument that is not a Fluke, naming it and what was expected', async () => {
    const { apply, plant } = await rig();
    expect(apply({ cmd: 'standby', device: 'ao' })).toEqual({ ok: false, error: 'ao is not a Fluke 5502E calibrator; expected one of calibrator' });
    expect(apply({ cmd: 'standby', device: 'voltmeter-1' })).toEqual({ ok: false, error: 'voltmeter-1 is not a Fluke 5502E calibrator; expected one of calibrator' });
    expect(apply({ cmd: 'standby', device: 'toaster' })).toMatchObject({ ok: false, error: expect.stringMatching(/^no simulated instrument is called "toaster"/) });
    expect(plant.drive).toBe(5);
  });
});

describe('voltmeter offset', () => {
  it('adds its HV volts to every following reading until cleared with 0', async () => {
    const { apply, readHv } = await rig();
    expect(Math.abs((await readHv()) - HV_AT_5V)).toBeLessThanOrEqual(HALF_STEP_HV);
    expect(apply({ cmd: 'offset', device: 'voltmeter-1', volts: 5 })).toMatchObject({ ok: true, device: { reading_faults: { offsetVolts: 5 } } });
    for (let i = 0; i < 3; i++) expect(Math.abs((await readHv()) - (HV_AT_5V + 5))).toBeLessThanOrEqual(HALF_STEP_HV);
    expect(apply({ cmd: 'offset', device: 'voltmeter-1', volts: -0.25 })).toMatchObject({ ok: true });
    expect(Math.abs((await readHv()) - (HV_AT_5V - 0.25))).toBeLessThanOrEqual(HALF_STEP_HV);
    expect(apply({ cmd: 'offset', device: 'voltmeter-1', volts: 0 })).toMatchObject({ ok: true, device: { reading_faults: { offsetVolts: 0 } } });
    expect(Math.abs((await readHv()) - HV_AT_5V)).toBeLessThanOrEqual(HALF_STEP_HV);
  });

  it('is refused for an instrument that is not a voltmeter', async () => {
    const { apply } = await rig();
    expect(apply({ cmd: 'offset', device: 'calibrator', volts: 5 })).toEqual({ ok: false, error: 'calibrator is not a voltmeter; expected one of voltmeter-1' });
  });
});

describe('voltmeter drift', () => {
  it('adds a ramp from the moment of the command, taken at each reading’s window middle; 0 takes it away', async () => {
    const { apply, clock, readHv } = await rig();
    const since = clock.now();
    expect(apply({ cmd: 'meter_drift', device: 'voltmeter-1', volts_per_min: 1 })).toMatchObject({
      ok: true,
      device: { reading_faults: { driftVoltsPerMin: 1, driftSince: since } },
    });
    // At NPLC 100 a reading integrates 2 s starting 10 ms after READ?: its middle is 1.01 s in.
    for (let i = 0; i < 4; i++) {
      const middle = clock.now() + 1010 - since;
      expect(Math.abs((await readHv()) - (HV_AT_5V + middle / 60_000))).toBeLessThanOrEqual(HALF_STEP_HV);
    }
    await clock.advance(60_000);
    expect(Math.abs((await readHv()) - (HV_AT_5V + (clock.now() - 4020 + 1010 - since) / 60_000))).toBeLessThanOrEqual(HALF_STEP_HV);
    expect(apply({ cmd: 'meter_drift', device: 'voltmeter-1', volts_per_min: 0 })).toMatchObject({
      ok: true,
      device: { reading_faults: { driftVoltsPerMin: 0, driftSince: null } },
    });
    expect(Math.abs((await readHv()) - HV_AT_5V)).toBeLessThanOrEqual(HALF_STEP_HV);
  });

  it('leaves a reading whose window middle came before the command alone', async () => {
    const { apply, clock, meter } = await rig();
    const pending = meter.handleMessage('READ?');
    await clock.advance(2000); // the window's middle (1.01 s) has passed
    apply({ cmd: 'meter_drift', device: 'voltmeter-1', volts_per_min: 600 });
    await clock.advance(2020);
    expect(Math.abs(Number(await pending) * RATIO - HV_AT_5V)).toBeLessThanOrEqual(HALF_STEP_HV);
  });

  it('starts a new ramp from 0 at each command', async () => {
    const { apply, clock, readHv } = await rig();
    apply({ cmd: 'meter_drift', device: 'voltmeter-1', volts_per_min: 6 });
    await clock.advance(60_000);
    const since = clock.now();
    apply({ cmd: 'meter_drift', device: 'voltmeter-1', volts_per_min: -1 });
    expect(Math.abs((await readHv()) - (HV_AT_5V - 1010 / 60_000))).toBeLessThanOrEqual(HALF_STEP_HV);
    expect(since).toBe(60_000);
  });

  it('leaves the supply’s own drift command alone', async () => {
    const { apply, plant } = await rig();
    apply({ cmd: 'meter_drift', device: 'voltmeter-1', volts_per_min: 1 });
    expect(plant.rampVoltsPerMinute).toBe(0);
    expect(apply({ cmd: 'drift', block: 1, volts_per_min: 0.5 })).toEqual({ ok: true, supply: { tripped: false, drift_volts_per_min: 0.5 } });
  });
});

describe('supply trip and recovery', () => {
  it('trips (with or without "on"), and recovers at the present drive with on: false', async () => {
    const { apply, clock, plant, readHv } = await rig();
    expect(apply({ cmd: 'trip', block: 1 })).toEqual({ ok: true, supply: { tripped: true, drift_volts_per_min: 0 } });
    await clock.advance(10_000);
    expect(plant.hvAt(clock.now())).toBeCloseTo(0, 6);
    expect(apply({ cmd: 'trip', block: 1, on: false })).toEqual({ ok: true, supply: { tripped: false, drift_volts_per_min: 0 } });
    await clock.advance(10_000);
    expect(Math.abs((await readHv()) - HV_AT_5V)).toBeLessThanOrEqual(HALF_STEP_HV);
    expect(apply({ cmd: 'trip', block: 1, on: true })).toMatchObject({ ok: true, supply: { tripped: true } });
    expect(plant.drive).toBe(5); // the calibrator still drives; the supply is what tripped
  });

  it('recovers towards a drive changed while tripped, and keeps a supply drift', async () => {
    const { apply, clock, plant, calibrator } = await rig();
    apply({ cmd: 'drift', block: 1, volts_per_min: 6 });
    apply({ cmd: 'trip', block: 1 });
    await calibrator.handleMessage('OUT 4 V');
    await clock.advance(10_000);
    expect(plant.hvAt(clock.now())).toBeCloseTo(1, 6); // only the drift's 1 V in 10 s
    apply({ cmd: 'trip', block: 1, on: false });
    await clock.advance(10_000);
    expect(plant.hvAt(clock.now())).toBeCloseTo(GAIN * 4 + OFFSET + 2, 6);
    expect(plant.rampVoltsPerMinute).toBe(6);
  });

  it('does nothing to a supply that has not tripped', async () => {
    const { apply, clock, plant } = await rig();
    expect(apply({ cmd: 'trip', block: 2, on: false })).toEqual({ ok: true, supply: { tripped: false, drift_volts_per_min: 0 } });
    expect(plant.hvAt(clock.now())).toBeCloseTo(HV_AT_5V, 6);
    expect(apply({ cmd: 'trip', block: 3, on: false })).toEqual({ ok: false, error: 'block 3 has no simulated supply; expected one of 1, 2' });
  });
});

describe('reset', () => {
  it('clears every fault, old and new, and shows them cleared in status', async () => {
    const { apply, clock, plant, readHv } = await rig();
    const faults = [
      { cmd: 'fault', device: 'voltmeter-1', fault: 'timeout', on: true },
      { cmd: 'fault', device: 'voltmeter-1', fault: 'garbage', on: true },
      { cmd: 'fault', device: 'ao', fault: 'offline', on: true },
      { cmd: 'freeze', device: 'voltmeter-1', raw: -1 },
      { cmd: 'spike', device: 'voltmeter-1', volts: 50, readings: 3 },
      { cmd: 'noise_burst', device: 'voltmeter-1', volts: 1, readings: 5 },
      { cmd: 'offset', device: 'voltmeter-1', volts: 5 },
      { cmd: 'meter_drift', device: 'voltmeter-1', volts_per_min: 1 },
      { cmd: 'drift', block: 1, volts_per_min: 0.5 },
      { cmd: 'trip', block: 1 },
    ];
    for (const f of faults) expect(apply(f), JSON.stringify(f)).toMatchObject({ ok: true });
    expect(apply({ cmd: 'status' })).toMatchObject({
      devices: {
        'voltmeter-1': { faults: { timeout: true, garbage: true }, reading_faults: { frozen: -1, offsetVolts: 5, driftVoltsPerMin: 1, driftSince: 0 } },
        calibrator: { operating: true, volts: 5 },
      },
      supplies: { 1: { tripped: true, drift_volts_per_min: 0.5 }, 2: { tripped: false, drift_volts_per_min: 0 } },
    });
    await clock.advance(30_000);
    const cleared = { offline: false, timeout: false, garbage: false };
    const reset = apply({ cmd: 'reset' });
    expect(reset).toEqual({
      ok: true,
      devices: {
        calibrator: { name: 'calibrator', faults: cleared, queued_errors: 0, volts: 5, operating: true },
        ao: { name: 'ao', faults: cleared },
        'voltmeter-1': {
          name: 'voltmeter-1',
          faults: cleared,
          queued_errors: 0,
          reading_faults: { frozen: null, spikeVolts: 0, spikeReadings: 0, burstVolts: 0, burstReadings: 0, offsetVolts: 0, driftVoltsPerMin: 0, driftSince: null },
        },
      },
      supplies: { 1: { tripped: false, drift_volts_per_min: 0 }, 2: { tripped: false, drift_volts_per_min: 0 } },
    });
    await clock.advance(10_000);
    expect(plant.drive).toBe(5);
    expect(Math.abs((await readHv()) - HV_AT_5V)).toBeLessThanOrEqual(HALF_STEP_HV);
  });
});

describe('queued instrument errors', () => {
  it('are dropped by clear_errors (the instructor’s undo of push_error), refused for an instrument without a queue', async () => {
    const { apply } = await rig();
    expect(apply({ cmd: 'push_error', device: 'calibrator', code: -222, text: 'Data out of range' })).toMatchObject({ ok: true, device: { queued_errors: 1 } });
    expect(apply({ cmd: 'clear_errors', device: 'calibrator' })).toMatchObject({ ok: true, device: { queued_errors: 0 } });
    expect(apply({ cmd: 'clear_errors', device: 'ao' })).toEqual({ ok: false, error: 'ao has no SCPI error queue' });
  });
});

describe('commands the schema refuses', () => {
  it.each([
    [{ cmd: 'offset', device: 'voltmeter-1', volts: 5, readings: 2 }, 'command has a field this command does not take; it takes cmd, device, volts'],
    [{ cmd: 'offset', device: 'voltmeter-1', volts: '5' }, '/volts must be number'],
    [{ cmd: 'offset', device: 'voltmeter-1' }, "command must have required property 'volts'"],
    [{ cmd: 'meter_drift', device: 'voltmeter-1', volts_per_min: null }, '/volts_per_min must be number'],
    [{ cmd: 'meter_drift', device: 'voltmeter-1', volts: 1 }, "command must have required property 'volts_per_min'"],
    [{ cmd: 'standby', device: 'calibrator', on: false }, 'command has a field this command does not take; it takes cmd, device'],
    [{ cmd: 'standby', device: 4 }, '/device must be string'],
    [{ cmd: 'trip', block: 1, on: 'no' }, '/on must be boolean'],
    [{ cmd: 'trip', block: 0, on: false }, '/block must be >= 1'],
    [{ cmd: 'operate', device: 'calibrator' }, 'cmd is not a command; expected one of status, fault, push_error, clear_errors, freeze, spike, time_scale, drop_connections, noise_burst, drift, trip, standby, offset, meter_drift, reset'],
    [{ device: 'calibrator' }, "command must have required property 'cmd'"],
  ])('refuses %j', async (command, reason) => {
    const { apply, plant, meter } = await rig();
    expect(apply(command)).toEqual({ ok: false, error: `the command is not valid: ${reason}; see schemas/sim-control.schema.json` });
    expect(plant.drive).toBe(5);
    expect(meter.readingFaults.offsetVolts).toBe(0);
  });
});

describe('reading resolution', () => {
  /** A READ? answer in one range, the calibrator set to `volts`. */
  async function answer(range: number, frozen: number | null = null): Promise<string> {
    const { meter, clock, calibrator } = await rig();
    await calibrator.handleMessage('OUT 1.23456789 V'); // 4322.9 V: an untidy 1.067... V at the meter
    await clock.advance(10_000);
    await meter.handleMessage(`CONF:VOLT:DC ${range}`);
    meter.readingFaults.frozen = frozen;
    const pending = meter.handleMessage('READ?');
    await clock.advance(meter.readingTimeMs);
    return (await pending)!;
  }
  const exact = (GAIN * 1.234568 + OFFSET) / RATIO; // the calibrator's 1 µV step on the 3.3 V range

  it('rounds each reading to its range × 1e-8, as the real meter shows it (0.1 µV on 10 V)', async () => {
    expect(await answer(10)).toBe(scpiExponential(Math.round(exact * 1e7) / 1e7));
    expect(await answer(10)).toMatch(/^-1\.\d{7}0E\+00$/);
    expect(await answer(100)).toMatch(/^-1\.\d{6}00E\+00$/);
    expect(Number(await answer(100))).toBe(Math.round(exact * 1e6) / 1e6);
    expect(Number(await answer(1000))).toBe(Math.round(exact * 1e5) / 1e5);
  });

  it('rounds a frozen value too, and reports overload beyond the range unrounded', async () => {
    expect(await answer(10, -2.222528549)).toBe('-2.22252850E+00');
    expect(await answer(1, 0.123456789)).toBe('+1.23456790E-01');
    expect(await answer(1, 5)).toBe('+9.90000000E+37');
  });
});
