// The block under faults, with a manual clock: only a client's command energizes; a standby output
// stays off; a trip stops correcting and recovery resumes from the same demand; a lost voltmeter
// ends a running check at once.
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { blockMachine, outputProber, topState, type CorrectionSettings, type OutputState } from '../../machines/block.machine.js';
import type { Reading, Reply } from '../../machines/types.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { InstrumentError } from '../../src/hv/instruments/instrument.js';
import { blockChecks } from '../helpers/block-checks.js';

const ours: CorrectionSettings = {
  strategy: 'ours', maxStepV: 40, maxTotalV: 10, hold: true, holdDeadbandV: 0.02, settleResidualV: 0.003, responseTauMs: 744, integrationMs: 2000,
};
const origin = { connector: 'tcp', client: 'a' };

function harness() {
  const clock = new ManualClock(0);
  const output = { operating: true, volts: 0 };
  const writes: { volts: number; energize: boolean }[] = [];
  const replies: Reply[] = [];
  const machine = blockMachine.provide({
    actors: {
      readSetpoint: fromPromise(async () => ({ hv: 18500, nominalHv: 18500 })),
      applySetpoint: fromPromise(async ({ input }: { input: { block: number; volts: number; energize: boolean } }) => {
        if (!input.energize && !output.operating) throw new InstrumentError('standby', 'cal', 'output is in standby');
        if (input.energize) output.operating = true;
        writes.push({ volts: input.volts, energize: input.energize });
        return { sentAt: clock.now() };
      }),
      probeOutput: outputProber(async (): Promise<OutputState> => ({ ...output })),
    },
    actions: { reply: (_, p) => replies.push(p) },
  });
  const actor = createActor(machine, { clock, input: { block: 1, name: 'main', settleMs: 1000, correction: ours, ...blockChecks } });
  actor.start();
  let raw = 1;
  /** A reading begun now; each a different last digit, as a live meter's. */
  const reading = (volts: number): Reading => ({ voltmeter: 'd', volts, raw: volts / -4050.65 + 1e-9 * raw++, startedAt: clock.now(), endedAt: clock.now() + 2000 });
  const send = async (volts: number) => {
    h.actor.send({ type: 'READING', reading: reading(volts) });
    await clock.advance(4020);
  };
  const h = { clock, actor, output, writes, replies, send, state: () => topState(actor.getSnapshot().value), context: () => actor.getSnapshot().context };
  return h;
}

describe('block under faults', () => {
  it('a standby pressed while holding is found by the output check and raised; nothing energizes until a command', async () => {
    const h = harness();
    await h.clock.advance(100);
    await h.send(18500);
    h.output.operating = false;
    await h.clock.advance(4100);
    expect(h.state()).toBe('alarm');
    expect(h.context().alarms.map((a) => a.code)).toContain('OUTPUT_STANDBY');
    // Readings at 0 V for a minute: no write at all.
    for (let i = 0; i < 15; i++) await h.send(0.01 * i);
    expect(h.writes).toEqual([]);
    expect(h.output.operating).toBe(false);
    // A client's command is the one thing that switches it back on.
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage', block: 1, blockAsSent: 1, voltage: 18500 }, origin });
    await h.clock.advance(0);
    expect(h.writes).toEqual([{ volts: 18500, energize: true }]);
    expect(h.context().alarms).toEqual([]);
  });

  it('a standby during a check ends it with code 6 naming the standby, without sending OPER', async () => {
    const h = harness();
    await h.clock.advance(100);
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage_and_check', block: 1, blockAsSent: 1, voltage: 18600, max_error: 0.1, timeout: 20 }, origin });
    await h.clock.advance(0);
    h.output.operating = false;
    await h.clock.advance(4100);
    expect(h.replies[0]!.message).toMatchObject({ error_code: 6, description: expect.stringMatching(/^block 1: set_voltage_and_check to 18600 V stopped, OUTPUT_STANDBY: /) });
    expect(h.writes.filter((w) => w.energize)).toHaveLength(1);
    expect(h.state()).toBe('alarm');
  });

  it('a trip stops the correction (no wind-up) and recovery resumes from the demand it had', async () => {
    const h = harness();
    await h.clock.advance(100);
    for (let i = 0; i < 3; i++) await h.send(18500 + 0.001 * i);
    const demand = h.context().demand;
    await h.send(3); // tripped: far below
    await h.send(0.2);
    expect(h.state()).toBe('alarm');
    expect(h.context().alarms.map((a) => a.code)).toContain('NO_OUTPUT');
    for (let i = 0; i < 10; i++) await h.send(0.1);
    expect(h.context().demand).toBe(demand);
    expect(h.writes).toEqual([]);
    await h.send(18500.002);
    expect(h.state()).toBe('alarm'); // one good reading is not enough to clear a major alarm
    await h.send(18500.001);
    expect(h.state()).toBe('idle');
    expect(h.context().demand).toBe(demand);
  });

  it('a voltmeter lost during a check answers code 6 at once', async () => {
    const h = harness();
    await h.clock.advance(100);
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage_and_check', block: 1, blockAsSent: 1, voltage: 18600, max_error: 0.1, timeout: 20 }, origin });
    await h.clock.advance(1000);
    h.actor.send({ type: 'VOLTMETER_LOST', voltmeter: 'divider-1', fault: 'no answer' });
    await h.clock.advance(0);
    expect(h.replies[0]!.message).toMatchObject({ error_code: 6, description: expect.stringMatching(/NO_READINGS: no readings: voltmeter divider-1 failed \(no answer\)/) });
  });
});
