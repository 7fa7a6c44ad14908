// Every connected client of every connector, and the three ways a message reaches them:
// an answer to the one client that asked, a reading to all, an observer event to watchers only.

import type { Origin } from '../actor-types.js';
import type { Logger } from '../log/logger.js';
import { OutgoingMessage } from './outgoing-message.js';

export interface ClientLink {
  /** nanoid, unique across connectors. */
  readonly id: string;
  readonly connector: string;
  /** Peer address, for the log. */
  readonly remote: string;
  /** Whether this client asked for the feed of every command and answer (the web page). */
  readonly observer: boolean;
  /** Sends one message in one write; a client whose send queue is over its limit is dropped. */
  send(message: OutgoingMessage): void;
  /** Ends the connection after what is queued has been sent. */
  end(reason: string): void;
  /** Resolves once the connection is fully closed. */
  readonly closed: Promise<void>;
}

export type ObservedEvent = 'command' | 'answer' | 'reply';

/** Told of every command taken and every answer or reply sent to one client (the metrics count them). */
export type HubTap = (event: ObservedEvent, origin: Origin, message: Record<string, unknown>) => void;

export class ClientHub {
  private readonly clients = new Map<string, ClientLink>();
  private observers = 0;
  private readonly taps: HubTap[] = [];
  private readonly observerWatchers: ((watched: boolean) => void)[] = [];

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.clients.size;
  }

  /** Clients connected now through connector `id`. */
  countOf(connector: string): number {
    let n = 0;
    for (const client of this.clients.values()) if (client.connector === connector) n++;
    return n;
  }

  tap(listener: HubTap): void {
    this.taps.push(listener);
  }

  /** Told `true` when the first observer arrives and `false` when the last one leaves. */
  onObservers(listener: (watched: boolean) => void): void {
    this.observerWatchers.push(listener);
  }

  add(client: ClientLink): void {
    this.clients.set(client.id, client);
    if (client.observer && ++this.observers === 1) for (const w of this.observerWatchers) w(true);
  }

  remove(client: ClientLink): void {
    if (this.clients.delete(client.id) && client.observer && --this.observers === 0) for (const w of this.observerWatchers) w(false);
  }

  /** To the client that sent the command only; an answer for a client that left is dropped. */
  deliver(origin: Origin, message: Record<string, unknown>): boolean {
    this.observe(message.type === 'reply' ? 'reply' : 'answer', origin, message);
    const client = this.clients.get(origin.client);
    if (!client) {
      this.log.info({ client: origin.client, message }, 'answer dropped: its client has disconnected');
      return false;
    }
    client.send(this.outgoing(message));
    return true;
  }

  /** To every client of every connector (readings), encoded once for all of them. */
  broadcast(message: Record<string, unknown>): void {
    const outgoing = this.outgoing(message);
    for (const client of [...this.clients.values()]) client.send(outgoing);
  }

  get hasObservers(): boolean {
    return this.observers > 0;
  }

  /** To observers only: an actor's new state or start, for the state-chart page. */
  inspect(payload: Record<string, unknown>): void {
    this.toObservers({ type: 'event', event_type: 'inspect', ...payload });
  }

  /** To observers only: an alarm raised or cleared, with the whole list now active. */
  alarm(payload: Record<string, unknown>): void {
    this.toObservers({ type: 'event', event_type: 'alarm', ...payload });
  }

  /**
   * To observers only: a change in the alarm list a person handles (raised, cleared, acknowledged,
   * shelved, ...), with the whole list now and the unacknowledged counts (what /api/alarms answers).
   */
  alarms(payload: Record<string, unknown>): void {
    this.toObservers({ type: 'event', event_type: 'alarms', ...payload });
  }

  /** To observers only: an audit-trail entry recorded or completed (who set what), as /api/audit lists it. */
  audit(entry: object): void {
    this.toObservers({ type: 'event', event_type: 'audit', entry });
  }

  /** To observers only: a reading with the time it was taken, so a page can place it among the history it loaded (the rack's: block, voltage, at). */
  reading(payload: object): void {
    this.toObservers({ type: 'event', event_type: 'reading', ...payload });
  }

  /** To observers only: a setpoint (or its tolerance) changed (the rack's blocks). */
  setpoint(payload: object): void {
    this.toObservers({ type: 'event', event_type: 'setpoint', ...payload });
  }

  /** To observers only: what some client sent or was answered, with who it was. */
  observe(event: ObservedEvent, origin: Origin, message: Record<string, unknown>): void {
    for (const tap of this.taps) tap(event, origin, message);
    // Every answer and reply passes here: nothing is built for watchers when there are none.
    if (this.observers > 0) this.toObservers({ type: 'event', event_type: event, origin, message });
  }

  private toObservers(message: Record<string, unknown>): void {
    if (this.observers === 0) return;
    const outgoing = this.outgoing(message);
    for (const client of this.clients.values()) if (client.observer) client.send(outgoing);
  }

  private outgoing(message: Record<string, unknown>): OutgoingMessage {
    return new OutgoingMessage(message, (meta, err) => this.log.error({ message: meta, err: err.message }, 'message not sent: it cannot be encoded'));
  }
}
