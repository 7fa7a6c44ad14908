// The block's context stays small enough for V8 to copy it as a fast object: XState copies it at
// every assignment (Object.assign onto {}), and a copy with 20 fields or more becomes a dictionary
// object, about 20 times slower to copy and to read, at every reading.
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { initialContext } from '../../machines/block-context.js';
import { blockMachine } from '../../machines/block.machine.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { alwaysOperating, blockChecks, plainCorrection } from '../helpers/block-checks.js';

/** V8 (Node 20–24) keeps an object built by Object.assign onto {} fast up to 19 fields. */
const FAST_COPY_FIELDS = 19;

const input = { block: 1, name: 'main', settleMs: 1000, correction: plainCorrection, ...blockChecks };

describe('block context', () => {
  it(`has at most ${FAST_COPY_FIELDS} fields, the configuration in one of them`, () => {
    const context = initialContext(input);
    expect(Object.keys(context).length).toBeLessThanOrEqual(FAST_COPY_FIELDS);
    expect(context.settings).toEqual({ name: 'main', settleMs: 1000, correction: plainCorrection, ...blockChecks });
  });

  it('keeps that size through the machine: no action adds a field', async () => {
    const clock = new ManualClock();
    const machine = blockMachine.provide({
      actors: {
        probeOutput: alwaysOperating(),
        readSetpoint: fromPromise(async () => ({ hv: 1000, nominalHv: 1000 })),
        applySetpoint: fromPromise(async () => ({ sentAt: clock.now() })),
      },
    });
    const actor = createActor(machine, { clock, input });
    actor.start();
    await clock.advance(0);
    actor.send({ type: 'COMMAND', command: { command_type: 'set_voltage_and_check', block: 1, blockAsSent: 1, voltage: 2000, max_error: 0.5, timeout: 20 }, origin: { connector: 'tcp', client: 'a' } });
    await clock.advance(5000);
    actor.send({ type: 'READING', reading: { voltmeter: 'dvm', volts: 2000.1, raw: 2000.1 / -4050.65, startedAt: clock.now() - 2000, endedAt: clock.now() } });
    await clock.advance(4000);
    expect(Object.keys(actor.getSnapshot().context).sort()).toEqual(Object.keys(initialContext(input)).sort());
    actor.stop();
  });
});
