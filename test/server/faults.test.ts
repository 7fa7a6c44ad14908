// Every fault the simulators' back door offers, injected under a running server: the server
// recovers by itself, or reports clearly (code 6 with the reason) while it cannot.
import { topState } from '../../machines/block.machine.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkCommand, setVoltageCommand, type HvConnection } from '../../src/hv/client/hv-connection.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
let online: HvConnection;
beforeEach(async () => {
  t = await startTestServer();
  online = await t.connect();
  await t.runUntil(online.next((m) => m.answer_type === 'get_voltage' && m.block === 1));
});
afterEach(async () => {
  await t.stop();
});

const supervision = (id: string) => t.server.supervisor.getSnapshot().context.children[id]!;
const inject = (command: Record<string, unknown>) => expect(t.server.control!.apply(command)).toMatchObject({ ok: true });

async function command(meta: Meta): Promise<Meta> {
  const answer = online.answer();
  online.send(meta);
  return t.runUntil(answer, 60_000);
}

/** The voltmeter fails and restarts while the fault is on, and reads again once it is off. */
async function voltmeterRecovers(fault: Record<string, unknown>, story: RegExp) {
  inject({ ...fault, on: true });
  await t.advanceUntil(() => supervision('voltmeter-divider-1').status === 'restarting', 40_000);
  const refused = await command(checkCommand(1, 1000, 1, 20));
  expect(refused).toMatchObject({ error_code: 6 });
  expect(String(refused.description)).toMatch(story);
  inject({ ...fault, on: false });
  await t.advanceUntil(() => supervision('voltmeter-divider-1').status === 'running', 120_000);
  expect(await command(checkCommand(1, 1000, 1, 20))).toMatchObject({ status: 'ok' });
  expect(t.logs.some((l) => l.msg === 'restarted voltmeter-divider-1')).toBe(true);
}

describe('faults from the back door, under a running server', () => {
  it('voltmeter off the bus', () => voltmeterRecovers({ cmd: 'fault', device: 'voltmeter-1', fault: 'offline' }, /voltmeter divider-1 is in error: .*no answer/));

  it('voltmeter that stops answering (time-out)', () =>
    voltmeterRecovers({ cmd: 'fault', device: 'voltmeter-1', fault: 'timeout' }, /voltmeter divider-1 is in error: .*no answer ending in "\\n" within/));

  it('voltmeter answering garbage', () =>
    voltmeterRecovers({ cmd: 'fault', device: 'voltmeter-1', fault: 'garbage' }, /voltmeter divider-1 is in error: .*(FETC\? answered "#\\u0007\?garbage.*"; expected a number|\*IDN\? answered)/));

  it('an error pushed into the calibrator’s queue fails the next setpoint with code 6, then the block recovers', async () => {
    inject({ cmd: 'push_error', device: 'calibrator', code: -222, text: 'Data out of range' });
    const failed = await command(setVoltageCommand(1, 2000));
    expect(failed).toMatchObject({ error_code: 6, error_text_code: 'ALGORITM_ERROR' });
    expect(String(failed.description)).toMatch(/^block 1: setting 2000 V failed: block 1 fluke-5502e at sim::calibrator: OUT 0\.5709\d\d V refused: -222,"Data out of range"$/);
    const blockState = () => (t.server.supervisor.getSnapshot().children['block-1']?.getSnapshot() as { value?: unknown } | undefined)?.value ?? '';
    await t.advanceUntil(() => supervision('block-1').totalRestarts === 1 && topState(blockState()) === 'idle', 10_000);
    expect(await command(checkCommand(1, 2000, 0.5, 20))).toMatchObject({ status: 'ok' });
  });

  it('a frozen reading: the check is stopped with code 6 within two readings, the demand does not move; unfrozen, the alarm clears and a check succeeds', async () => {
    inject({ cmd: 'freeze', device: 'voltmeter-1', raw: -1.0 });
    const readingsBefore = online.received.filter((m) => m.answer_type === 'get_voltage' && m.block === 1).length;
    const stopped = await command(checkCommand(1, 5000, 0.5, 20));
    expect(stopped).toMatchObject({ error_code: 6 });
    expect(String(stopped.description)).toMatch(/^block 1: set_voltage_and_check to 5000 V stopped, (READING_STALE|READBACK_MISMATCH): /);
    const readingsUntil = online.received.filter((m) => m.answer_type === 'get_voltage' && m.block === 1).length - readingsBefore;
    expect(readingsUntil).toBeLessThanOrEqual(3); // the one begun before the command's settle, then two
    // A stuck voltmeter can neither walk the HV away nor teach the block a wrong transfer.
    const block = () => (t.server.supervisor.getSnapshot().children['block-1']!.getSnapshot() as { value: unknown; context: { demand: number } });
    expect(Math.abs(block().context.demand - 5000)).toBeLessThanOrEqual(1);
    await t.clock.advance(60_000);
    expect(Math.abs(block().context.demand - 5000)).toBeLessThanOrEqual(1);
    expect(t.server.alarms.list().map((a) => a.source)).toContain('block-1');
    expect(topState(block().value)).toBe('alarm');
    inject({ cmd: 'freeze', device: 'voltmeter-1', raw: null });
    await t.advanceUntil(() => topState(block().value) === 'idle', 30_000);
    expect(t.server.alarms.list()).toEqual([]);
    expect(t.logs.some((l) => /^alarm cleared: block-1 /.test(String(l.msg)))).toBe(true);
    expect(await command(checkCommand(1, 5000, 0.5, 20))).toMatchObject({ status: 'ok' });
  });

  it('a spike is published as it was read, never confirms a check, and passes', async () => {
    const set = await command(checkCommand(1, 8000, 0.5, 20));
    expect(set).toMatchObject({ status: 'ok' });
    inject({ cmd: 'spike', device: 'voltmeter-1', volts: 50, readings: 1 });
    const spike = await t.runUntil(online.next((m) => m.answer_type === 'get_voltage' && m.block === 1 && Math.abs((m.voltage as number) - 8050) < 1));
    expect(spike.voltage).toBeGreaterThan(8049);
    const after = await t.runUntil(online.next((m) => m.answer_type === 'get_voltage' && m.block === 1));
    expect(Math.abs((after.voltage as number) - 8000)).toBeLessThan(0.5);
  });

  it('an analog-output module off the line fails block 2 with code 6, and block 1 carries on', async () => {
    inject({ cmd: 'fault', device: 'ao', fault: 'offline', on: true });
    const failed = await command(setVoltageCommand(2, 100));
    expect(failed).toMatchObject({ error_code: 6 });
    expect(String(failed.description)).toMatch(/^block 2: setting 100 V failed: sim::ao: no answer ending in "\\r" within 2000 ms$/);
    expect(await command(checkCommand(1, 3000, 0.5, 20))).toMatchObject({ status: 'ok' });
    inject({ cmd: 'fault', device: 'ao', fault: 'offline', on: false });
    const blockState = () => (t.server.supervisor.getSnapshot().children['block-2']?.getSnapshot() as { value?: unknown } | undefined)?.value ?? '';
    await t.advanceUntil(() => supervision('block-2').status === 'running' && topState(blockState()) === 'idle', 60_000);
    expect(await command(checkCommand(2, 100, 0.5, 20))).toMatchObject({ status: 'ok' });
  });

  it('refuses a back-door command that names no instrument or is malformed', () => {
    expect(t.server.control!.apply({ cmd: 'fault', device: 'toaster', fault: 'offline', on: true })).toEqual({
      ok: false,
      error: 'no simulated instrument is called "toaster"; expected one of calibrator, ao, voltmeter-1, voltmeter-2, voltmeter-gun',
    });
    expect(t.server.control!.apply({ cmd: 'explode' })).toMatchObject({ ok: false, error: expect.stringMatching(/is not valid/) });
    expect(t.server.control!.apply({ cmd: 'time_scale', value: 5 })).toEqual({ ok: false, error: 'this clock cannot change its time scale' });
  });
});
