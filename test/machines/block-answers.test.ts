// The block's answers on their own: a check's answer carries the last reading and its error, and
// every error reply goes to the command's sender with the code and a sentence naming why.
import { describe, expect, it } from 'vitest';
import { busyReply, checkAnswer, confirmedReply, describe as describeCommand, failedReply, faultReply, setVoltageReply, shutdownReply, timeoutReply } from '../../machines/block-answers.js';
import { initialContext, type BlockContext } from '../../machines/block-context.js';
import { plainCorrection, blockChecks } from '../helpers/block-checks.js';
import type { SetVoltageAndCheckCommand, SetVoltageCommand } from '../../schemas/types.js';

const origin = { connector: 'tcp', client: 'a' };
const check: SetVoltageAndCheckCommand = { command_type: 'set_voltage_and_check', block: 3, blockAsSent: 3, voltage: 12_000, max_error: 0.1, timeout: 30 };
const set: SetVoltageCommand = { command_type: 'set_voltage', block: 3, blockAsSent: 3, voltage: 9_000 };

function context(patch: Partial<BlockContext> = {}): BlockContext {
  return { ...initialContext({ block: 3, name: 'main', settleMs: 1000, correction: plainCorrection, ...blockChecks }), inFlight: { command: check, origin, ending: null }, ...patch };
}

describe('answers', () => {
  it('a check is answered with the last reading and its error against the command', () => {
    const c = context({ lastReading: { voltmeter: 'd', volts: 12_000.04, raw: 0, startedAt: 0, endedAt: 2000 } });
    const answer = checkAnswer(c, 'ok');
    expect(answer).toMatchObject({ type: 'answer', answer_type: 'set_voltage_and_check', block: 3, status: 'ok', voltage: 12_000.04 });
    expect(answer.error as number).toBeCloseTo(0.04, 9);
    expect(confirmedReply(c)).toEqual({ origin, message: answer });
    expect(timeoutReply(c).message).toMatchObject({ status: 'timeout', voltage: 12_000.04 });
  });

  it('without a reading, a timeout says so without a voltage', () => {
    expect(timeoutReply(context()).message).toEqual({ type: 'answer', answer_type: 'set_voltage_and_check', block: 3, status: 'timeout' });
  });

  it('a set_voltage is answered ok to its sender once written', () => {
    expect(setVoltageReply(context({ inFlight: { command: set, origin, ending: null } }))).toEqual({
      origin,
      message: { type: 'answer', answer_type: 'set_voltage', block: 3, status: 'ok' },
    });
  });

  it('shutdown, failure and fault are code 6 naming the command and the cause', () => {
    expect(describeCommand(check)).toBe('set_voltage_and_check to 12000 V');
    const shutdown = shutdownReply(context()).message;
    expect(shutdown).toMatchObject({ error_code: 6 });
    expect(JSON.stringify(shutdown)).toContain('block 3: the server is shutting down; set_voltage_and_check to 12000 V ended before a reading confirmed it');
    expect(JSON.stringify(failedReply(context({ fault: 'setting 12000 V failed: timeout' })).message)).toContain('block 3: setting 12000 V failed: timeout');
    const alarms = [
      { code: 'DRIFT' as const, severity: 'MAJOR' as const, message: 'drifting', value: 1 },
      { code: 'READING_OUTLIER' as const, severity: 'MINOR' as const, message: 'odd', value: 1 },
    ];
    expect(JSON.stringify(faultReply(context({ alarms })).message)).toContain('set_voltage_and_check to 12000 V stopped, DRIFT: drifting');
    expect(JSON.stringify(faultReply(context()).message)).toContain('stopped, an alarm is active');
  });

  it('busy is code 8 to the sender of the refused command, naming what the block is busy with', () => {
    const other = { connector: 'ws', client: 'b' };
    const busy = busyReply(context(), { type: 'COMMAND', command: set, origin: other });
    expect(busy.origin).toBe(other);
    expect(busy.message).toMatchObject({ error_code: 8 });
    expect(JSON.stringify(busy.message)).toContain('block 3 is busy with set_voltage_and_check to 12000 V');
    expect(JSON.stringify(busyReply(context({ inFlight: null }), { type: 'COMMAND', command: set, origin: other }).message)).toContain('block 3 is busy starting up');
  });
});
