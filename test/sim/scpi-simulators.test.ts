// The simulators answer the real instruments' syntax and errors.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { Agilent34401A } from '../../sim/devices/agilent-34401a.js';
import { Adam4024 } from '../../sim/devices/adam-4024.js';
import { Fluke5502E } from '../../sim/devices/fluke-5502e.js';
import { SeededRandom } from '../../sim/random.js';
import { SupplyPlant } from '../../sim/supply-plant.js';

function rig() {
  const clock = new ManualClock(0);
  const plant = new SupplyPlant({ gain: 3500.5, offset: 1.26, tauMs: 400 }, 0, 0);
  return {
    clock,
    plant,
    dmm: new Agilent34401A('dmm', plant, -4050.65, clock, new SeededRandom(1), { sigma0V: 0, perKvV: 0, outlierRate: 0, outlierV: 0 }),
    fluke: new Fluke5502E('fluke', plant, clock),
  };
}

describe('simulated 34401A', () => {
  it('takes short and long forms in any case, optional nodes, and ; chains', async () => {
    const { dmm } = rig();
    expect(await dmm.handleMessage('*idn?')).toBe('HEWLETT-PACKARD,34401A,0,11-5-2');
    expect(await dmm.handleMessage('SENSE:VOLTAGE:DC:NPLCYCLES 1;:volt:nplc?')).toBe('+1.00000000E+00');
    expect(await dmm.handleMessage('volt:dc:nplc 100;VOLT:NPLC?;SYST:ERR?')).toBe('+1.00000000E+02;+0,"No error"');
    expect(await dmm.handleMessage('CONFigure:VOLTage:DC 10,0.00001')).toBeNull();
    expect(await dmm.handleMessage('DET:BAND 3')).toBeNull();
    expect(await dmm.handleMessage('INPut:IMPedance:AUTO ON')).toBeNull();
    expect(await dmm.handleMessage('SYST:ERR?')).toBe('+0,"No error"');
  });

  it('queues the real error codes, in order', async () => {
    const { dmm } = rig();
    await dmm.handleMessage('VOLT:NPLC 7');
    await dmm.handleMessage('FOO:BAR');
    await dmm.handleMessage('INP:IMP:AUTO MAYBE');
    await dmm.handleMessage('VOLT:NPLC');
    expect(await dmm.handleMessage('SYST:ERR?')).toBe('-222,"Data out of range"');
    expect(await dmm.handleMessage('SYST:ERR?')).toBe('-113,"Undefined header"');
    expect(await dmm.handleMessage('SYST:ERR?')).toBe('-224,"Illegal parameter value"');
    expect(await dmm.handleMessage('SYST:ERR?')).toBe('-109,"Missing parameter"');
    expect(await dmm.handleMessage('SYST:ERR?')).toBe('+0,"No error"');
  });

  it('overflows its queue of 20 with -350', async () => {
    const { dmm } = rig();
    for (let i = 0; i < 25; i++) await dmm.handleMessage('NOPE');
    const answers: string[] = [];
    for (let i = 0; i < 21; i++) answers.push((await dmm.handleMessage('SYST:ERR?'))!);
    expect(answers[18]).toBe('-113,"Undefined header"');
    expect(answers[19]).toBe('-350,"Queue overflow"');
    expect(answers[20]).toBe('+0,"No error"');
  });

  it('takes 4.02 s for READ? at NPLC 100 and reports overload beyond its range', async () => {
    const { dmm, plant, clock } = rig();
    await dmm.handleMessage('VOLT:NPLC 100');
    expect(dmm.readingTimeMs).toBe(4020);
    plant.setDrive(10, 0); // 35 kV: 8.6 V at the meter, within the 10 V range
    await clock.advance(5000);
    const reading = dmm.handleMessage('READ?');
    await clock.advance(4020);
    expect(Number(await reading)).toBeCloseTo(-(3500.5 * 10 + 1.26) / 4050.65, 4);
    await dmm.handleMessage('CONF:VOLT:DC 1');
    const overload = dmm.handleMessage('READ?');
    await clock.advance(4020);
    expect(await overload).toBe('+9.90000000E+37');
  });

  it('starts a measurement on INIT and answers it on FETC?, waiting if it is not done', async () => {
    const { dmm, clock } = rig();
    expect(await dmm.handleMessage('FETC?')).toBeNull();
    expect(await dmm.handleMessage('SYST:ERR?')).toBe('-230,"Data stale"');
    await dmm.handleMessage('VOLT:NPLC 100;INIT');
    await clock.advance(3000);
    const early = dmm.handleMessage('FETC?');
    await clock.advance(1020);
    expect(await early).toMatch(/^[+-]\d\.\d{8}E[+-]\d\d$/);
  });
});

describe('simulated Fluke 5502E', () => {
  it('drives the supply only in operate, and reads back OUT? and OPER?', async () => {
    const { fluke, plant } = rig();
    expect(await fluke.handleMessage('OUT 5 V;OUT?;OPER?')).toBe('5.000000E+00,V,0.000000E+00,0,0.00E+00;0');
    expect(plant.drive).toBe(0);
    await fluke.handleMessage('oper');
    expect(plant.drive).toBe(5);
    await fluke.handleMessage('OUT 250 mV');
    expect(plant.drive).toBe(0.25);
    await fluke.handleMessage('STBY');
    expect(plant.drive).toBe(0);
  });

  it('queues its errors as the calibrator does', async () => {
    const { fluke } = rig();
    await fluke.handleMessage('OUT 2000 V');
    await fluke.handleMessage('OUTPUT:FOO');
    await fluke.handleMessage('OUT volts');
    expect(await fluke.handleMessage('ERR?')).toBe('-222,"Data out of range"');
    expect(await fluke.handleMessage('ERR?')).toBe('-113,"Undefined header"');
    expect(await fluke.handleMessage('ERR?')).toBe('-104,"Data type error"');
    expect(await fluke.handleMessage('ERR?')).toBe('0,"No Error"');
  });
});

describe('simulated ADAM analog-output module', () => {
  it('answers its own address only, refuses malformed commands with ?AA, and drives the plant', async () => {
    const clock = new ManualClock(0);
    const plant = new SupplyPlant({ gain: 100, offset: 0, tauMs: 100 }, 0, 0);
    const ao = new Adam4024('ao', 1, plant, clock);
    expect(await ao.handleMessage('$012')).toBe('!01320600');
    expect(await ao.handleMessage('$01M')).toBe('!014024');
    expect(await ao.handleMessage('#01+05.000')).toBe('>');
    expect(plant.drive).toBe(5);
    expect(await ao.handleMessage('$016')).toBe('!01+05.000');
    expect(await ao.handleMessage('#02+05.000')).toBeNull(); // another module's address
    expect(await ao.handleMessage('#01+5')).toBe('?01');
    expect(await ao.handleMessage('#01+12.000')).toBe('?01');
    expect(await ao.handleMessage('$01X')).toBe('?01');
    expect(plant.drive).toBe(5);
  });
});
