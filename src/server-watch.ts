// What the server follows of its own actors, at no more cost than it needs:
// - the alarm table and the setpoint history follow the supervisor's and the blocks' snapshots
//   (subscriptions to those actors only, not an inspection of every event of every actor);
// - the state-chart page's live feed (every machine actor's snapshots and starts) is an XState
//   inspection observer registered only while some client observes, and removed when the last leaves.

import type { AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import type { BlockContext } from '../machines/block.machine.js';
import type { ClientHub } from './connectors/client-hub.js';

type Children = Record<string, AnyActorRef | undefined>;

/**
 * Calls `changed()` on every snapshot of the supervisor, and `block(context)` (then `changed()`) on
 * every snapshot of each block child (`block-…`), a restarted block included.
 */
export function followBlocks(supervisor: AnyActorRef, changed: () => void, block: (context: BlockContext | undefined) => void): Subscription {
  const followed = new WeakSet<AnyActorRef>();
  const onBlock = (snapshot: { context?: BlockContext }) => {
    block(snapshot.context);
    changed();
  };
  let seen: Children | undefined;
  const look = () => {
    const children = (supervisor.getSnapshot() as { children?: Children }).children ?? {};
    // The supervisor's snapshot changes with every reading it routes; its children seldom.
    if (children === seen) return changed();
    seen = children;
    for (const id in children) {
      const ref = children[id];
      if (!ref || !id.startsWith('block-') || followed.has(ref)) continue;
      followed.add(ref);
      // An error handler of its own, so a failing block (the supervisor's business) is not also reported as unhandled.
      ref.subscribe({ next: onBlock, error: () => {} });
      onBlock(ref.getSnapshot() as { context?: BlockContext });
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
