// The supervisor under a manual clock: routing, restart with back-off, the restart limit, crashes.
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { blockMachine } from '../../machines/block.machine.js';
import { supervisorMachine, type ChildSpec } from '../../machines/supervisor.machine.js';
import type { Reading, Reply } from '../../machines/types.js';
import { instrumentReader, voltmeterMachine } from '../../machines/voltmeter.machine.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { alwaysOperating, blockChecks, plainCorrection } from '../helpers/block-checks.js';

const origin = { connector: 'tcp', client: 'a' };

interface Faults {
  /** Readings fail while this returns true. */
  voltmeterDown?: () => boolean;
  /** The block's note action throws (a bug in provided code) while this returns true. */
  blockCrashes?: () => boolean;
}

function harness(faults: Faults = {}, maxRestartsPerMinute = 5) {
  const clock = new ManualClock();
  const replies: Reply[] = [];
  const published: Reading[] = [];
  const notes: string[] = [];
  const specs: ChildSpec[] = [
    { id: 'voltmeter-dvm1', kind: 'voltmeter', input: { voltmeter: 'dvm1', dividerRatio: -4000, readingTimeoutMs: 15_000, readingPeriodMs: 4020, blocks: ['block-1'] } },
    { id: 'block-1', kind: 'block', voltmeter: 'dvm1', input: { block: 1, name: 'main', settleMs: 1000, correction: plainCorrection, ...blockChecks } },
  ];
  const machine = supervisorMachine.provide({
    actors: {
      block: blockMachine.provide({
        actors: {
          probeOutput: alwaysOperating(),
          readSetpoint: fromPromise(async () => ({ hv: 0, nominalHv: 0 })),
          applySetpoint: fromPromise(async () => ({ sentAt: clock.now() })),
        },
        actions: {
          reply: (_, params) => replies.push(params),
          note: () => {
            if (faults.blockCrashes?.()) throw new Error('note action failed');
          },
        },
      }),
      voltmeter: voltmeterMachine.provide({
        actors: {
          initVoltmeter: fromPromise(async () => {}),
          reader: instrumentReader(async () => {
            const startedAt = clock.now();
            await clock.sleep(4000);
            if (faults.voltmeterDown?.()) throw new Error('no answer to READ? within 10 s');
            return { raw: -0.25, startedAt, endedAt: startedAt + 2000 };
          }),
        },
        actions: { publishReading: (_, { reading }) => published.push(reading) },
      }),
    },
    actions: {
      reply: (_, params) => replies.push(params),
      note: (_, params) => notes.push(`${params.level}: ${params.message}`),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: { children: specs, policy: { maxRestartsPerMinute, backoffInitialMs: 1000, backoffMaxMs: 30_000 } },
  });
  actor.start();
  const childState = (id: string) => actor.getSnapshot().context.children[id]!;
  return { clock, actor, replies, published, notes, childState };
}

describe('supervisor', () => {
  it('has each voltmeter publish its readings and send them to the blocks on its divider', async () => {
    const h = harness();
    await h.clock.advance(8100);
    expect(h.published).toHaveLength(2);
    expect(h.published[0]!.volts).toBe(1000);
    const block = h.actor.getSnapshot().children['block-1'];
    expect((block?.getSnapshot() as { context: { lastReading: Reading } }).context.lastReading.volts).toBe(1000);
  });

  it('sends a reading to no block that is restarting, and to the restarted one again', async () => {
    let crash = true;
    const h = harness({ blockCrashes: () => crash });
    await h.clock.advance(0);
    expect(h.childState('block-1').status).toBe('restarting');
    crash = false;
    // The restart comes at 1 s; the meter's readings at 4 s, 8 s, ... go to the new block only.
    await h.clock.advance(4100);
    expect(h.published).toHaveLength(1);
    expect(h.childState('block-1').status).toBe('running');
    const block = h.actor.getSnapshot().children['block-1'];
    expect((block?.getSnapshot() as { context: { lastReading: Reading | null } }).context.lastReading?.volts).toBe(1000);
  });

  it('publishes readings while the block is down, and the meter keeps running', async () => {
    const h = harness({ blockCrashes: () => true }, 0);
    await h.clock.advance(8100);
    expect(h.childState('block-1').status).toBe('failed');
    expect(h.published).toHaveLength(2);
    expect(h.childState('voltmeter-dvm1').status).toBe('running');
    expect(h.actor.getSnapshot().children['block-1']?.getSnapshot().status).not.toBe('active');
  });

  it('routes a command to its block and the answer to the sender', async () => {
    const h = harness();
    await h.clock.advance(0);
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage_and_check', block: 1, blockAsSent: '1', voltage: 1000, max_error: 1, timeout: 20 }, origin });
    await h.clock.advance(10_000);
    expect(h.replies.map((r) => r.message.status)).toEqual(['ok']);
  });

  it('tells the blocks on a divider at once when its voltmeter fails, also when it is left out of service', async () => {
    const h = harness({ voltmeterDown: () => true }, 1);
    const blockAlarms = () => (h.actor.getSnapshot().children['block-1']?.getSnapshot() as { context: { alarms: { code: string }[] } }).context.alarms.map((a) => a.code);
    await h.clock.advance(4000);
    expect(h.childState('voltmeter-dvm1').status).toBe('restarting');
    expect(blockAlarms()).toEqual(['NO_READINGS']);
    // A check sent while the meter is starting again, which then fails for good, is answered at once.
    await h.clock.advance(1000);
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage_and_check', block: 1, blockAsSent: 1, voltage: 10, max_error: 1, timeout: 20 }, origin });
    await h.clock.advance(4000);
    expect(h.childState('voltmeter-dvm1').status).toBe('failed');
    expect(h.replies.at(-1)!.message).toMatchObject({ error_code: 6, description: expect.stringMatching(/NO_READINGS: no readings: voltmeter dvm1 failed/) });
  });

  it('restarts a failed voltmeter with exponential back-off, and it comes back on its own', async () => {
    let down = true;
    const h = harness({ voltmeterDown: () => down });
    await h.clock.advance(4000);
    expect(h.childState('voltmeter-dvm1')).toMatchObject({ status: 'restarting', nextRestartInMs: 1000, recentRestarts: 1 });
    expect(h.notes).toContain('warn: voltmeter-dvm1 failed (reading failed: no answer to READ? within 10 s); restarting in 1 s');

    // While it is down, a check cannot be confirmed: refused with code 6 and the reason.
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage_and_check', block: 1, blockAsSent: 1, voltage: 10, max_error: 1, timeout: 20 }, origin });
    expect(h.replies[0]!.message).toMatchObject({ error_code: 6 });
    expect(String(h.replies[0]!.message.description)).toMatch(/block 1 cannot check its voltage: voltmeter dvm1 is in error: reading failed/);
    // ... but a plain set_voltage needs no reading and still goes through.
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage', block: 1, blockAsSent: 1, voltage: 10 }, origin });
    await h.clock.advance(0);
    expect(h.replies[1]!.message).toMatchObject({ status: 'ok' });

    await h.clock.advance(1000 + 4000); // restart 1, fails again after one reading time
    expect(h.childState('voltmeter-dvm1')).toMatchObject({ status: 'restarting', nextRestartInMs: 2000, recentRestarts: 2 });
    down = false;
    await h.clock.advance(2000 + 4000);
    expect(h.childState('voltmeter-dvm1')).toMatchObject({ status: 'running', totalRestarts: 2 });
    expect(h.published.length).toBeGreaterThan(0);
    expect(h.notes).toContain('info: restarted voltmeter-dvm1');
  });

  it('leaves a child in error after N restarts within a minute, and commands get code 6 with the reason', async () => {
    const h = harness({ voltmeterDown: () => true }, 3);
    // Failures at 4 s, then 1 s + 4 s, 2 s + 4 s, 4 s + 4 s later: the fourth failure is past the limit.
    await h.clock.advance(4000 + 5000 + 6000 + 8000);
    expect(h.childState('voltmeter-dvm1')).toMatchObject({ status: 'failed', recentRestarts: 3 });
    expect(h.notes.at(-1)).toMatch(/^error: voltmeter-dvm1 failed .*3 restarts within a minute, leaving it in error$/);
    await h.clock.advance(120_000);
    expect(h.childState('voltmeter-dvm1').status).toBe('failed');
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage_and_check', block: 1, blockAsSent: 1, voltage: 10, max_error: 1, timeout: 20 }, origin });
    expect(String(h.replies.at(-1)!.message.description)).toMatch(/voltmeter dvm1 is out of service after 3 restarts within a minute; last fault: reading failed/);
    expect(h.actor.getSnapshot().status).toBe('active');
  });

  it('forgets restarts older than a minute', async () => {
    let failures = 0;
    let down = true;
    const h = harness({ voltmeterDown: () => down && ++failures > 0 }, 2);
    await h.clock.advance(4000);
    down = false;
    await h.clock.advance(1000);
    expect(h.childState('voltmeter-dvm1')).toMatchObject({ status: 'running', recentRestarts: 1 });
    await h.clock.advance(60_000);
    expect(h.childState('voltmeter-dvm1').recentRestarts).toBe(0);
  });

  it('handles a child that crashes (throws) like one that failed, and the process-level root never errors', async () => {
    let crash = true;
    const h = harness({ blockCrashes: () => crash });
    await h.clock.advance(0);
    expect(h.childState('block-1')).toMatchObject({ status: 'restarting' });
    expect(h.childState('block-1').fault).toMatch(/^crashed: note action failed/);
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage', block: 1, blockAsSent: 1, voltage: 10 }, origin });
    expect(h.replies[0]!.message).toMatchObject({ error_code: 6 });
    expect(String(h.replies[0]!.message.description)).toMatch(/^block 1 is in error: crashed: note action failed; restarting in 1.0 s$/);
    crash = false;
    await h.clock.advance(1000);
    expect(h.childState('block-1').status).toBe('running');
    expect(h.actor.getSnapshot().status).toBe('active');
  });

  it('at shutdown ends commands in flight and refuses new ones', async () => {
    const h = harness();
    await h.clock.advance(0);
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage_and_check', block: 1, blockAsSent: 1, voltage: 10, max_error: 1, timeout: 20 }, origin });
    await h.clock.advance(0);
    h.actor.send({ type: 'SHUTDOWN' });
    h.actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage', block: 1, blockAsSent: 1, voltage: 10 }, origin });
    expect(h.replies.map((r) => r.message.error_code)).toEqual([6, 6]);
    expect(String(h.replies[1]!.message.description)).toMatch(/shutting down/);
    expect(h.actor.getSnapshot().value).toBe('shuttingDown');
  });
});

describe('voltmeter', () => {
  it('treats a reading that is not a finite number as a fault, never passing it on', async () => {
    const clock = new ManualClock();
    const seen: unknown[] = [];
    const parent = supervisorMachine.provide({
      actors: {
        voltmeter: voltmeterMachine.provide({
          actors: {
            initVoltmeter: fromPromise(async () => {}),
            reader: instrumentReader(async () => ({ raw: Number.NaN, startedAt: clock.now(), endedAt: clock.now() })),
          },
          actions: { publishReading: (_, params) => seen.push(params) },
        }),
      },
      actions: { note: () => {}, reply: () => {} },
    });
    const actor = createActor(parent, {
      clock,
      input: {
        children: [{ id: 'voltmeter-v', kind: 'voltmeter', input: { voltmeter: 'v', dividerRatio: -4000, readingTimeoutMs: 15_000, readingPeriodMs: 4020, blocks: [] } }],
        policy: { maxRestartsPerMinute: 0, backoffInitialMs: 1000, backoffMaxMs: 1000 },
      },
    });
    actor.start();
    await clock.advance(0);
    expect(seen).toEqual([]);
    expect(actor.getSnapshot().context.children['voltmeter-v']).toMatchObject({
      status: 'failed',
      fault: 'reading NaN V is not a finite number; expected a voltage',
    });
  });
});
