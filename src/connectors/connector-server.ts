// The I/O side of a connector actor: what the connector machine's `listen`, `serve` and `close`
// actors do for each kind of connector.

import { fromCallback, fromPromise } from 'xstate';
import type { ConnectorEvent, ListenAddress } from '../../machines/connector.machine.js';

export interface ConnectorServer {
  readonly id: string;
  /** Binds the listening socket (again, after a restart). */
  listen(): Promise<ListenAddress>;
  /** Starts passing client commands to the machine; returns what stops it. */
  serve(toMachine: (event: ConnectorEvent) => void): () => void;
  /** Stops accepting, waits for the server to be quiet, then closes every client. */
  close(): Promise<void>;
}

export function connectorActors(servers: ReadonlyMap<string, ConnectorServer>) {
  const server = (id: string): ConnectorServer => {
    const found = servers.get(id);
    if (!found) throw new Error(`no connector named ${id} is configured`);
    return found;
  };
  return {
    listen: fromPromise<ListenAddress, { connector: string }>(({ input }) => server(input.connector).listen()),
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
