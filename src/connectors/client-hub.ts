// Every connected client of every connector, and the three ways a message reaches them:
// an answer to the one client that asked, a reading to all, an observer event to watchers only.

import type { Origin } from '../../machines/types.js';
import type { Logger } from '../log/logger.js';

export interface ClientLink {
  /** nanoid, unique across connectors. */
  readonly id: string;
  readonly connector: string;
  /** Peer address, for the log. */
  readonly remote: string;
  /** Whether this client asked for the feed of every command and answer (the web page). */
  readonly observer: boolean;
  /** Sends one message in one write; a client whose send queue is over its limit is dropped. */
  send(message: Record<string, unknown>): void;
  /** Ends the connection after what is queued has been sent. */
  end(reason: string): void;
  /** Resolves once the connection is fully closed. */
  readonly closed: Promise<void>;
}

export type ObservedEvent = 'command' | 'answer' | 'reply';

export class ClientHub {
  private readonly clients = new Map<string, ClientLink>();
  private observers = 0;

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.clients.size;
  }

  countFor(connector: string): number {
    let n = 0;
    for (const c of this.clients.values()) if (c.connector === connector) n++;
    return n;
  }

  list(connector?: string): ClientLink[] {
    return [...this.clients.values()].filter((c) => connector === undefined || c.connector === connector);
  }

  add(client: ClientLink): void {
    this.clients.set(client.id, client);
    if (client.observer) this.observers++;
  }

  remove(client: ClientLink): void {
    if (this.clients.delete(client.id) && client.observer) this.observers--;
  }

  /** To the client that sent the command only; an answer for a client that left is dropped. */
  deliver(origin: Origin, message: Record<string, unknown>): boolean {
    const kind: ObservedEvent = message.type === 'reply' ? 'reply' : 'answer';
    this.observe(kind, origin, message);
    const client = this.clients.get(origin.client);
    if (!client) {
      this.log.info({ client: origin.client, message }, 'answer dropped: its client has disconnected');
      return false;
    }
    client.send(message);
    return true;
  }

  /** To every client of every connector (readings). */
  broadcast(message: Record<string, unknown>): void {
    for (const client of [...this.clients.values()]) client.send(message);
  }

  get hasObservers(): boolean {
    return this.observers > 0;
  }

  /** To observers only: an actor's new state or start, for the state-chart page. */
  inspect(payload: Record<string, unknown>): void {
    const message = { type: 'event', event_type: 'inspect', ...payload };
    for (const client of this.clients.values()) if (client.observer) client.send(message);
  }

  /** To observers only: what some client sent or was answered, with who it was. */
  observe(event: ObservedEvent, origin: Origin, message: Record<string, unknown>): void {
    const observed = { type: 'event', event_type: event, origin, message };
    for (const client of this.clients.values()) if (client.observer) client.send(observed);
  }
}
