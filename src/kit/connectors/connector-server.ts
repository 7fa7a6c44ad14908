// The I/O side of a connector actor: what the connector machine's `listen`, `serve` and `close`
// actors do. `ConnectorServer` holds what every connector shares (its clients, passing their
// commands to the machine, the order of a clean close); TCP and websocket add their framing.

import type { Server } from 'node:net';
import { fromCallback, fromPromise } from 'xstate';
import type { ConnectorEvent, ListenAddress } from '../machines/connector.machine.js';
import type { Grant } from '../access/access-policy.js';
import type { ClientLink } from './client-hub.js';
import type { ForwardCommand, IntakeContext } from './message-intake.js';

/** What every connector is told: where to listen and how many clients, of what size, it serves. */
export interface ListenerOptions {
  id: string;
  host: string;
  port: number;
  /** Connections the kernel queues before they are accepted (the same for TCP and the websocket: a burst is not refused). */
  backlog: number;
  /** Largest message a client may send. */
  maxMessageBytes: number;
  /** Bytes queued for one client before it is dropped as too slow. */
  sendQueueBytes: number;
  /** Clients at once. */
  maxClients: number;
  /** Clients at once from one remote address. */
  maxClientsPerAddress: number;
  /** Resolves when no command is in flight, so clients get their last answers before they are closed. */
  whenQuiet: () => Promise<void>;
}

/** A client as its connector keeps it: a hub link it can also cut at once. */
export interface ConnectorClient extends ClientLink {
  /** What it may do (access-policy.ts); null when its address may not connect at all. */
  readonly grant: Grant | null;
  destroy(): void;
}

export abstract class ConnectorServer<C extends ConnectorClient = ConnectorClient> {
  protected readonly clients = new Set<C>();
  private toMachine: ((event: ConnectorEvent) => void) | null = null;
  private listening: Server | null = null;

  constructor(
    readonly id: string,
    protected readonly ctx: IntakeContext,
    /** Resolves when no command is in flight, so clients get their last answers before they are closed. */
    private readonly whenQuiet: () => Promise<void>,
  ) {}

  /** Makes the listening server (again, after a restart). */
  protected abstract createListener(): Server;

  /** Called once every client is closed; releases what the connector holds besides its listener. */
  protected released(): void {}

  /** Binds the listening socket; resolves with the address it is bound to. */
  listen(options: { host: string; port: number; backlog: number }, label: string): Promise<ListenAddress> {
    const server = this.createListener();
    this.listening = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const bound = () => {
        server.off('error', reject);
        server.on('error', (err) => {
          this.ctx.log.error({ err: err.message }, `${label} error`);
          this.toMachine?.({ type: 'SERVE_FAILED', reason: `${label} error: ${err.message}` });
        });
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : options.port;
        this.ctx.log.info({ host: options.host, port }, `${label} listening on ${options.host}:${port}`);
        resolve({ host: options.host, port });
      };
      // A server bound before the connector started (Online's port, opened first thing) is taken as it is.
      if (server.listening) bound();
      else server.listen(options, bound);
    });
  }

  /** Starts passing client commands to the machine; returns what stops it. */
  serve(toMachine: (event: ConnectorEvent) => void): () => void {
    this.toMachine = toMachine;
    return () => {
      this.toMachine = null;
    };
  }

  /** Stops accepting, waits for the server to be quiet, then closes every client. */
  async close(): Promise<void> {
    const server = this.listening;
    if (!server) return;
    this.listening = null;
    server.close();
    await this.whenQuiet();
    for (const client of this.clients) client.end('the server is shutting down');
    await atMost(Promise.all([...this.clients].map((c) => c.closed)), 3000);
    for (const client of this.clients) client.destroy();
    this.released();
  }

  /** How a client's valid command reaches the supervisor; null while the connector is not serving. */
  protected forward(): ForwardCommand | null {
    const toMachine = this.toMachine;
    // Only a client with control gets a command through; the others are answered here (access-control.ts).
    return toMachine ? (command, origin) => this.ctx.access.command(command, origin, (c, o) => toMachine({ type: 'CLIENT_COMMAND', command: c, origin: o })) : null;
  }

  /** Registers a new client with the hub until its connection closes. */
  protected admit(client: C, fields: Record<string, unknown> = {}): void {
    if (!this.ctx.access.join(client)) {
      client.destroy();
      return;
    }
    this.clients.add(client);
    this.ctx.hub.add(client);
    const { control, via, label } = client.grant!;
    this.ctx.log.info({ client: client.id, remote: client.remote, clients: this.clients.size, control, via, label, ...fields }, `${this.id} client connected`);
    this.toMachine?.({ type: 'CLIENTS_CHANGED', clients: this.clients.size });
    void client.closed.then(() => {
      this.clients.delete(client);
      this.ctx.hub.remove(client);
      this.ctx.access.leave(client);
      this.ctx.log.info({ client: client.id, remote: client.remote, clients: this.clients.size }, `${this.id} client disconnected`);
      this.toMachine?.({ type: 'CLIENTS_CHANGED', clients: this.clients.size });
    });
  }
}

/** What the connector machine's actors do, for each configured connector. */
export interface ConnectorServices {
  readonly id: string;
  start(): Promise<ListenAddress>;
  serve(toMachine: (event: ConnectorEvent) => void): () => void;
  close(): Promise<void>;
}

export function connectorActors(servers: ReadonlyMap<string, ConnectorServices>) {
  const server = (id: string): ConnectorServices => {
    const found = servers.get(id);
    if (!found) throw new Error(`no connector named ${id} is configured`);
    return found;
  };
  return {
    listen: fromPromise<ListenAddress, { connector: string }>(({ input }) => server(input.connector).start()),
    serve: fromCallback<ConnectorEvent, { connector: string }>(({ input, sendBack }) => server(input.connector).serve(sendBack)),
    close: fromPromise<void, { connector: string }>(({ input }) => server(input.connector).close()),
  };
}

/** Waits for `promise`, but no longer than `ms` of real time (closing sockets is real I/O). */
export function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
