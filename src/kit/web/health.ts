// /healthz and /readyz for a service manager or Prometheus's blackbox probe. Alive is "the HTTP
// handler answers"; ready is "every actor is up, and every instrument is answering", so a probe
// tells a server that runs from one that runs but cannot reach the rack.

import type { AnyActorRef } from 'xstate';
import type { Alarm } from '../alarms/alarm-table.js';
import type { ChildSpec, SupervisorContext } from '../machines/supervisor.machine.js';

export interface Readiness {
  ready: boolean;
  /** Why not, one sentence each; empty when ready. */
  waiting: string[];
}

/** The alarm statuses that mean an instrument is not answering (alarm-table.ts). */
const NOT_ANSWERING = new Set(['COMM', 'TIMEOUT']);

/** What else a running child waits for before it is ready (a voltmeter that has not read yet), or null. */
export type ChildWaiting = (spec: ChildSpec, snapshot: { context: unknown } | undefined) => string | null;

export function readiness(supervisor: AnyActorRef | null, alarms: Alarm[], childWaiting?: ChildWaiting): Readiness {
  if (!supervisor) return { ready: false, waiting: ['the supervisor is starting'] };
  const snapshot = supervisor.getSnapshot() as { status: string; context: SupervisorContext; children: Record<string, AnyActorRef | undefined> };
  if (snapshot.status !== 'active') return { ready: false, waiting: ['the supervisor has stopped'] };
  const waiting: string[] = [];
  for (const spec of snapshot.context.specs) {
    const status = snapshot.context.children[spec.id]?.status ?? 'missing';
    if (status !== 'running') {
      waiting.push(`${spec.id} is ${status}`);
      continue;
    }
    const why = childWaiting?.(spec, snapshot.children[spec.id]?.getSnapshot());
    if (why) waiting.push(why);
  }
  for (const alarm of alarms) if (NOT_ANSWERING.has(alarm.status)) waiting.push(`${alarm.source}: ${alarm.message}`);
  return { ready: waiting.length === 0, waiting };
}
