// What one reading costs a simulated day, end to end: the actor events and snapshots of each kind of
// actor (voltmeter, its instrument actors, the supervisor, the blocks), the actors started, the
// clock's timers, the messages broadcast, the JSON log lines and the heap bytes allocated, each
// divided by the readings published. Counted with XState's inspection API on the running actor
// system and V8's GC profiler: the count slows the day down, so a timed run does not count.

import { GCProfiler, getHeapStatistics } from 'node:v8';
import type { AnyActorRef, InspectionEvent, Subscription } from 'xstate';

/** Counts by kind of actor (`voltmeter`, `reader`, `probeOutput`, `supervisor`, `block`, …). */
export type ByKind = Record<string, number>;

export interface ReadingCost {
  /** Readings published while counting (what the figures are divided by). */
  readings: number;
  /** Events each kind of actor took (XState `@xstate.event`), per reading. */
  events: ByKind;
  /** Snapshots each kind of actor emitted (`@xstate.snapshot`), per reading. */
  snapshots: ByKind;
  /** Actors started, by kind (a promise actor per query shows here), per reading. */
  actorsStarted: ByKind;
  /** Timers set and fired on the clock, per reading. */
  timersSet: number;
  timersFired: number;
  /** Messages broadcast to every client, per reading. */
  broadcasts: number;
  /** Lines written to the JSON log, per reading. */
  logLines: number;
  /** Heap bytes allocated (freed by collections, plus the growth of the heap), per reading. */
  heapBytes: number;
}

/** An actor's kind: the name its logic was given (`reader`, `block`), or its id without the instance (`block-1` → `block`). */
export function actorKind(ref: { id?: string; src?: unknown } | object): string {
  const src = (ref as { src?: unknown }).src;
  if (typeof src === 'string') return src;
  const id = (ref as { id?: string }).id ?? '';
  return id.replace(/-.*$/, '') || 'actor';
}

const bump = (m: ByKind, k: string) => (m[k] = (m[k] ?? 0) + 1);

/** Starts counting on `system`; `stop()` gives the totals (not yet divided). */
export function countActors(system: AnyActorRef['system']) {
  const events: ByKind = {};
  const snapshots: ByKind = {};
  const started: ByKind = {};
  const sub: Subscription = system.inspect((e: InspectionEvent) => {
    if (e.type === '@xstate.event') bump(events, actorKind(e.actorRef));
    else if (e.type === '@xstate.snapshot') bump(snapshots, actorKind(e.actorRef));
    else if (e.type === '@xstate.actor') bump(started, actorKind(e.actorRef));
  });
  return {
    stop(): { events: ByKind; snapshots: ByKind; started: ByKind } {
      sub.unsubscribe();
      return { events, snapshots, started };
    },
  };
}

/** Heap bytes allocated from now to `stop()`: what the collections freed plus what the heap grew by. */
export function countAllocations() {
  const profiler = new GCProfiler();
  const usedBefore = getHeapStatistics().used_heap_size;
  profiler.start();
  return {
    stop(): number {
      const grown = getHeapStatistics().used_heap_size - usedBefore;
      const result = profiler.stop() as unknown as {
        statistics: { beforeGC: { heapStatistics: { usedHeapSize: number } }; afterGC: { heapStatistics: { usedHeapSize: number } } }[];
      };
      let freed = 0;
      for (const gc of result.statistics) freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
      return freed + grown;
    },
  };
}

export function perReading(counts: ByKind, readings: number): ByKind {
  return Object.fromEntries(
    Object.entries(counts)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => [k, v / Math.max(1, readings)]),
  );
}

const total = (m: ByKind) => Object.values(m).reduce((s, v) => s + v, 0);

/** The count as bench:day prints it. */
export function formatReadingCost(c: ReadingCost): string {
  const row = (m: ByKind) =>
    `${total(m).toFixed(2)} (${Object.entries(m)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ')})`;
  return [
    `one reading, end to end (${c.readings.toLocaleString('en-US')} readings counted):`,
    `  actor events     ${row(c.events)}`,
    `  snapshots        ${row(c.snapshots)}`,
    `  actors started   ${row(c.actorsStarted)}`,
    `  timers set/fired ${c.timersSet.toFixed(2)} / ${c.timersFired.toFixed(2)}`,
    `  broadcasts       ${c.broadcasts.toFixed(2)}; JSON log lines ${c.logLines.toFixed(3)}; TSV rows 1 (written in batches)`,
    `  heap allocated   ${(c.heapBytes / 1024).toFixed(1)} KiB`,
  ].join('\n');
}
