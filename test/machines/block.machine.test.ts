// The HV block machine under a manual clock: adoption at start, busy, freshness, timeout, failure.
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { blockMachine, topState } from '../../machines/block.machine.js';
import type { Reading, Reply } from '../../machines/types.js';
import type { Command } from '../../schemas/types.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { alwaysOperating, blockChecks, plainCorrection } from '../helpers/block-checks.js';

const origin = { connector: 'tcp', client: 'a' };

const other = { connector: 'tcp', client: 'b' };

function harness(options: { presentSetpoint?: number; failApply?: boolean; applyDelayMs?: number } = {}) {
  const clock = new ManualClock();
  const replies: Reply[] = [];
  const applied: number[] = [];
  const machine = blockMachine.provide({
    actors: {
      probeOutput: alwaysOperating(),
      readSetpoint: fromPromise(async () => ({ hv: options.presentSetpoint ?? 0, nominalHv: options.presentSetpoint ?? 0 })),
      applySetpoint: fromPromise(async ({ input }: { input: { block: number; volts: number; energize: boolean } }) => {
        if (options.applyDelayMs) await clock.sleep(options.applyDelayMs);
        if (options.failApply) throw new Error('calibrator did not answer within 2 s');
        applied.push(input.volts);
        return { sentAt: clock.now() };
      }),
    },
    actions: { reply: (_, params) => replies.push(params) },
  });
  const actor = createActor(machine, { clock, input: { block: 1, name: 'main', settleMs: 1000, correction: plainCorrection, ...blockChecks } });
  actor.start();
  const reading = (volts: number, startedAt: number): Reading => ({ voltmeter: 'dvm', volts, raw: volts / -4050.65, startedAt, endedAt: startedAt + 2000 });
  return { clock, actor, replies, applied, reading };
}

const setVoltage = (voltage: number): Command => ({ command_type: 'set_voltage', block: 1, blockAsSent: 1, voltage });
const check = (voltage: number, max_error = 0.5, timeout = 20): Command => ({
  command_type: 'set_voltage_and_check', block: 1, blockAsSent: '1', voltage, max_error, timeout,
});

describe('block machine', () => {
  it('adopts the present output as its setpoint at start, sending nothing', async () => {
    const h = harness({ presentSetpoint: 14000 });
    await h.clock.advance(0);
    expect(topState(h.actor.getSnapshot().value)).toBe('idle');
    expect(h.actor.getSnapshot().context.setpoint).toBe(14000);
    expect(h.applied).toEqual([]);
  });

  it('answers set_voltage once the setpoint is sent, then is idle', async () => {
    const h = harness();
    await h.clock.advance(0);
    h.actor.send({ type: 'COMMAND', command: setVoltage(1000), origin });
    expect(topState(h.actor.getSnapshot().value)).toBe('ramping');
    await h.clock.advance(0);
    expect(h.applied).toEqual([1000]);
    expect(h.replies).toEqual([{ origin, message: { type: 'answer', answer_type: 'set_voltage', block: 1, status: 'ok' } }]);
    expect(topState(h.actor.getSnapshot().value)).toBe('idle');
    expect(h.actor.getSnapshot().context.setpoint).toBe(1000);
  });

  it('refuses a second command while busy with code 8, to its own sender only', async () => {
    const h = harness({ applyDelayMs: 500 });
    await h.clock.advance(0);
    h.actor.send({ type: 'COMMAND', command: check(1000), origin });
    h.actor.send({ type: 'COMMAND', command: setVoltage(2000), origin: other });
    expect(h.replies).toHaveLength(1);
    expect(h.replies[0]).toMatchObject({ origin: other, message: { error_code: 8, error_text_code: 'SERVER_BUSY_ERROR' } });
    expect(h.replies[0]!.message.description).toBe('block 1 is busy with set_voltage_and_check to 1000 V');
  });

  it('never answers ok on a reading that began before the output settled', async () => {
    const h = harness();
    await h.clock.advance(0);
    h.actor.send({ type: 'COMMAND', command: check(1000, 0.5), origin });
    await h.clock.advance(0);
    const sentAt = h.actor.getSnapshot().context.recentSteps.at(-1)!.at;
    expect(topState(h.actor.getSnapshot().value)).toBe('correcting');
    // Integration began before the command: stale even though it is within tolerance.
    h.actor.send({ type: 'READING', reading: h.reading(1000.1, sentAt - 1500) });
    // Began after the setpoint but before the settling time ran out: still stale.
    h.actor.send({ type: 'READING', reading: h.reading(1000.1, sentAt + 999) });
    expect(h.replies).toEqual([]);
    h.actor.send({ type: 'READING', reading: h.reading(1000.2, sentAt + 1000) });
    expect(h.replies).toHaveLength(1);
    const answer = h.replies[0]!.message;
    expect(answer).toMatchObject({ type: 'answer', answer_type: 'set_voltage_and_check', block: '1', status: 'ok', voltage: 1000.2 });
    expect(answer.error).toBeCloseTo(0.2, 9);
    expect(topState(h.actor.getSnapshot().value)).toBe('idle');
  });

  it('keeps waiting while fresh readings are out of tolerance', async () => {
    const h = harness();
    await h.clock.advance(0);
    h.actor.send({ type: 'COMMAND', command: check(1000, 0.5), origin });
    await h.clock.advance(2000);
    h.actor.send({ type: 'READING', reading: h.reading(1003, h.clock.now()) });
    expect(h.replies).toEqual([]);
    expect(topState(h.actor.getSnapshot().value)).toBe('correcting');
  });

  it('answers timeout after `timeout` seconds with the last reading, in milliseconds of test time', async () => {
    const h = harness();
    await h.clock.advance(0);
    h.actor.send({ type: 'COMMAND', command: check(1000, 0.1, 20), origin });
    await h.clock.advance(5000);
    h.actor.send({ type: 'READING', reading: h.reading(1001.5, h.clock.now() - 2000) });
    await h.clock.advance(14_999);
    expect(h.replies).toEqual([]);
    await h.clock.advance(1);
    expect(h.replies).toHaveLength(1);
    expect(h.replies[0]!.message).toMatchObject({ status: 'timeout', voltage: 1001.5, error: 1.5 });
    expect(topState(h.actor.getSnapshot().value)).toBe('idle');
    expect(h.clock.pendingTimers).toBe(1); // only the periodic check of the output instrument
  });

  it('ends a check whose timeout passed while the setpoint was still being sent', async () => {
    const h = harness({ applyDelayMs: 3000 });
    await h.clock.advance(0);
    h.actor.send({ type: 'COMMAND', command: check(1000, 0.1, 2), origin });
    await h.clock.advance(2500);
    expect(h.replies).toEqual([]);
    await h.clock.advance(1000);
    expect(h.applied).toEqual([1000]);
    expect(h.replies[0]!.message).toMatchObject({ status: 'timeout' });
    expect(topState(h.actor.getSnapshot().value)).toBe('idle');
  });

  it('replies 6 and ends in error when the output instrument fails', async () => {
    const h = harness({ failApply: true });
    await h.clock.advance(0);
    h.actor.send({ type: 'COMMAND', command: setVoltage(1000), origin });
    await h.clock.advance(0);
    expect(h.replies[0]!.message).toMatchObject({
      error_code: 6,
      error_text_code: 'ALGORITM_ERROR',
      description: 'block 1: setting 1000 V failed: calibrator did not answer within 2 s',
    });
    const snapshot = h.actor.getSnapshot();
    expect(snapshot.value).toBe('error');
    expect(snapshot.status).toBe('done');
    expect(snapshot.output).toEqual({ fault: 'setting 1000 V failed: calibrator did not answer within 2 s' });
  });

  it('ends a check in progress with code 6 at shutdown', async () => {
    const h = harness();
    await h.clock.advance(0);
    h.actor.send({ type: 'COMMAND', command: check(1000), origin });
    await h.clock.advance(0);
    h.actor.send({ type: 'ABORT', reason: 'shutdown' });
    expect(h.replies[0]!.message).toMatchObject({ error_code: 6 });
    expect(String(h.replies[0]!.message.description)).toMatch(/shutting down/);
    expect(topState(h.actor.getSnapshot().value)).toBe('idle');
  });
});
