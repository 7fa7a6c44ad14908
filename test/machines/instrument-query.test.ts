// The long-lived actor for an instrument's questions: answers the latest question only, and aborts
// the ones it abandons, as the promise actor per question it replaces did when it was stopped.
import { describe, expect, it } from 'vitest';
import { createActor, setup, spawnChild, type AnyActorRef } from 'xstate';
import { instrumentQuery } from '../../machines/instrument-query.js';

/** A question the test answers by hand, with the signal it was asked with. */
interface Pending {
  signal: AbortSignal;
  resolve: (value: number) => void;
  reject: (error: Error) => void;
}

function harness() {
  const asked: Pending[] = [];
  const heard: { type: string; output?: number; error?: unknown }[] = [];
  const query = instrumentQuery(
    (_input: { id: string }, signal) => new Promise<number>((resolve, reject) => asked.push({ signal, resolve, reject })),
    (output: number) => ({ type: 'ANSWER' as const, output }),
    (error: unknown) => ({ type: 'FAILURE' as const, error }),
  );
  const parent = setup({ actors: { query } }).createMachine({
    entry: spawnChild('query', { id: 'q', input: { id: 'x' } }),
    on: {
      ANSWER: { actions: ({ event }) => heard.push(event) },
      FAILURE: { actions: ({ event }) => heard.push(event) },
    },
  });
  const actor = createActor(parent).start();
  const child = () => actor.getSnapshot().children.q as AnyActorRef;
  /** Lets every promise callback queued so far run. */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { actor, asked, heard, ask: () => child().send({ type: 'ASK' }), drop: () => child().send({ type: 'DROP' }), settle };
}

describe('instrument query actor', () => {
  it('answers each question it was asked, one after another, through the same actor', async () => {
    const h = harness();
    h.ask();
    h.asked[0]!.resolve(1);
    await h.settle();
    h.ask();
    h.asked[1]!.resolve(2);
    await h.settle();
    expect(h.heard).toEqual([
      { type: 'ANSWER', output: 1 },
      { type: 'ANSWER', output: 2 },
    ]);
    expect(h.asked.map((q) => q.signal.aborted)).toEqual([false, false]);
  });

  it('passes a failure on as its failure event', async () => {
    const h = harness();
    h.ask();
    const error = new Error('no answer within 2 s');
    h.asked[0]!.reject(error);
    await h.settle();
    expect(h.heard).toEqual([{ type: 'FAILURE', error }]);
  });

  it('aborts a dropped question and never answers it', async () => {
    const h = harness();
    h.ask();
    h.drop();
    expect(h.asked[0]!.signal.aborted).toBe(true);
    h.asked[0]!.resolve(1);
    await h.settle();
    expect(h.heard).toEqual([]);
  });

  it('abandons the question in progress when asked again: only the new one is answered', async () => {
    const h = harness();
    h.ask();
    h.ask();
    expect(h.asked[0]!.signal.aborted).toBe(true);
    expect(h.asked[1]!.signal.aborted).toBe(false);
    h.asked[0]!.resolve(1);
    h.asked[1]!.resolve(2);
    await h.settle();
    expect(h.heard).toEqual([{ type: 'ANSWER', output: 2 }]);
  });

  it('aborts the question in progress when its parent stops', () => {
    const h = harness();
    h.ask();
    h.actor.stop();
    expect(h.asked[0]!.signal.aborted).toBe(true);
  });
});
