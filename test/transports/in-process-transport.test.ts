// The in-process transport (a simulated instrument in the same process) on the discrete-event
// clock: answers byte for byte, a deadline only where something is waited for, and typed time-outs.
import { describe, expect, it } from 'vitest';
import { DiscreteEventClock } from '../../src/kit/clock/discrete-event-clock.js';
import { InProcessTransport, type InProcessEndpoint } from '../../src/kit/transports/in-process-transport.js';
import { TransportError } from '../../src/kit/transports/transport.js';

const stream = { timeoutMs: 1000, writeTerminator: '\n', readTerminator: '\n' };

/** Answers "<line> ok" after `latencyMs` of the clock, or stays silent for "hush"; "both" answers twice at once. */
function endpoint(clock: DiscreteEventClock, latencyMs: number): InProcessEndpoint {
  return {
    connect(receive) {
      return {
        write(bytes) {
          for (const line of bytes.toString('latin1').split('\n').filter(Boolean)) {
            if (line === 'hush') continue;
            const answer = line === 'both' ? 'first\r\nsecond\n' : `${line} ok\n`;
            clock.setTimeout(() => receive(Buffer.from(answer, 'latin1')), latencyMs);
          }
        },
        close() {},
      };
    },
  };
}

describe('InProcessTransport', () => {
  it('answers a query with one deadline, for the answer only, and leaves no timer behind', async () => {
    const clock = new DiscreteEventClock(0);
    const transport = new InProcessTransport('sim::echo', endpoint(clock, 5), clock, stream);
    await clock.runWhile(transport.open(), 10);
    const before = clock.figures.set;
    expect(await clock.runWhile(transport.query('*IDN?'), 100)).toBe('*IDN? ok');
    // The instrument's own 5 ms answer and the read's deadline; the write is taken at once and waits for nothing.
    expect(clock.figures.set - before).toBe(2);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.now()).toBe(5);
  });

  it('reads an answer that is already here without a deadline, and keeps each read to its own terminator', async () => {
    const clock = new DiscreteEventClock(0);
    const transport = new InProcessTransport('sim::echo', endpoint(clock, 5), clock, stream);
    await clock.runWhile(transport.write('both\n'), 10);
    await clock.advance(10);
    const before = clock.figures.set;
    expect((await transport.read({ terminator: '\r\n' })).toString('latin1')).toBe('first');
    expect((await transport.read()).toString('latin1')).toBe('second');
    expect(clock.figures.set - before).toBe(0);
  });

  it('fails a read that gets no answer with a time-out naming the resource, the terminator and the time', async () => {
    const clock = new DiscreteEventClock(0);
    const transport = new InProcessTransport('sim::echo', endpoint(clock, 5), clock, stream);
    const failed = transport.query('hush', { timeoutMs: 250 }).then(
      () => null,
      (err: unknown) => err,
    );
    const err = await clock.runWhile(failed, 1000);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('timeout');
    expect((err as TransportError).message).toBe('sim::echo: no answer ending in "\\n" within 250 ms');
    expect(clock.now()).toBe(250);
    // The transport is free again: the next query is answered.
    expect(await clock.runWhile(transport.query('next'), 100)).toBe('next ok');
  });

  it('refuses to write to an instrument that is not there, as a typed error', async () => {
    const clock = new DiscreteEventClock(0);
    const transport = new InProcessTransport('sim::nobody', undefined, clock, stream);
    const err = await transport.write('x\n').then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as TransportError).code).toBe('not-found');
  });
});
