// What the kit follows of a manager's actors, at no more cost than it needs:
// - the alarm table and the manager's own followers (the rack's setpoint history) follow the
//   supervisor's snapshots and those of the children of the kinds the manager names
//   (subscriptions to those actors only, not an inspection of every event of every actor);
// - the state-chart page's live feed (every machine actor's snapshots and starts) is an XState
//   inspection observer registered only while some client observes, and removed when the last leaves.

import type { AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import type { ClientHub } from './connectors/client-hub.js';
import type { SupervisorContext } from './machines/supervisor.machine.js';

type Children = Record<string, AnyActorRef | undefined>;

/**
 * Calls `changed()` on every snapshot of the supervisor, and `child(id, snapshot)` (then
 * `changed(id, snapshot)`) on every snapshot of each child whose kind is in `kinds`, a restarted
 * child included.
 */
export function followChildren(
  supervisor: AnyActorRef,
  kinds: ReadonlySet<string>,
  changed: (id?: string, snapshot?: unknown) => void,
  child: (id: string, snapshot: unknown) => void,
): Subscription {
  const followed = new WeakSet<AnyActorRef>();
  const kindOf = new Map(((supervisor.getSnapshot() as { context: SupervisorContext }).context.specs ?? []).map((s) => [s.id, s.kind]));
  let seen: Children | undefined;
  let seenContext: unknown;
  const look = () => {
    const snapshot = supervisor.getSnapshot() as { children?: Children; context?: unknown };
    const children = snapshot.children ?? {};
    // The supervisor's snapshot changes with every event it routes (every reading); its context
    // (the children's supervision) and its children seldom. Unchanged, nothing of the alarms moved.
    if (children === seen && snapshot.context === seenContext) return;
    seenContext = snapshot.context;
    if (children === seen) return changed();
    seen = children;
    for (const id in children) {
      const ref = children[id];
      if (!ref || !kinds.has(kindOf.get(id) ?? '') || followed.has(ref)) continue;
      followed.add(ref);
      const onChild = (snapshot: unknown) => {
        child(id, snapshot);
        changed(id, snapshot);
      };
      // An error handler of its own, so a failing child (the supervisor's business) is not also reported as unhandled.
      ref.subscribe({ next: onChild, error: () => {} });
      onChild(ref.getSnapshot());
    }
    changed();
  };
  return supervisor.subscribe({ next: look, error: () => {} });
}

/**
 * Registers `observer` on the actor system while `hub` has an observing client, and removes it when
 * none is left: without a reader, no inspection event reaches the server's code.
 */
export function inspectWhileObserved(system: AnyActorRef['system'], hub: ClientHub, observer: (event: InspectionEvent) => void): void {
  let subscription: Subscription | null = null;
  const watch = (watched: boolean) => {
    if (watched && !subscription) subscription = system.inspect(observer);
    if (!watched && subscription) {
      subscription.unsubscribe();
      subscription = null;
    }
  };
  hub.onObservers(watch);
  watch(hub.hasObservers);
}
