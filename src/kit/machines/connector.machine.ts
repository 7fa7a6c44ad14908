// A connector (TCP or WebSocket): listens, serves its clients, and stops accepting on request.
// The sockets live in the provided `serve` actor; this machine names the life cycle.

import { assign, fromCallback, fromPromise, sendParent, setup } from 'xstate';
import { errorText, type Fault, type Origin } from '../actor-types.js';

export interface ConnectorInput {
  connector: string;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export interface ConnectorContext {
  connector: string;
  address: ListenAddress | null;
  clients: number;
  fault: string | null;
}

export type ConnectorEvent =
  | { type: 'CLIENT_COMMAND'; command: unknown; origin: Origin }
  | { type: 'CLIENTS_CHANGED'; clients: number }
  | { type: 'SERVE_FAILED'; reason: string }
  | { type: 'STOP' };

export const connectorMachine = setup({
  types: {
    context: {} as ConnectorContext,
    events: {} as ConnectorEvent,
    input: {} as ConnectorInput,
    output: {} as Fault,
  },
  actors: {
    /** Binds the listening socket; resolves with the address it is bound to. */
    listen: fromPromise<ListenAddress, { connector: string }>(async () => {
      throw new Error('listen is provided by src/kit/connectors');
    }),
    /** Accepts clients and decodes their messages into CLIENT_COMMAND events until stopped. */
    serve: fromCallback<ConnectorEvent, { connector: string }>(() => {
      throw new Error('serve is provided by src/kit/connectors');
    }),
    /** Stops accepting; clients already connected get their last answers, then are closed. */
    close: fromPromise<void, { connector: string }>(async () => {
      throw new Error('close is provided by src/kit/connectors');
    }),
  },
}).createMachine({
  id: 'connector',
  context: ({ input }) => ({ connector: input.connector, address: null, clients: 0, fault: null }),
  initial: 'starting',
  states: {
    starting: {
      invoke: {
        src: 'listen',
        input: ({ context }) => ({ connector: context.connector }),
        onDone: { target: 'active', actions: assign({ address: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: assign({ fault: ({ event }) => `cannot listen: ${errorText(event.error)}` }) },
      },
      on: { STOP: 'stopped' },
    },
    // `serve` runs through listening and stopping, so clients still connected while the server
    // stops get their last answers and their commands still reach the supervisor.
    active: {
      invoke: { src: 'serve', input: ({ context }) => ({ connector: context.connector }) },
      initial: 'listening',
      on: {
        CLIENT_COMMAND: {
          actions: sendParent(({ event }) => ({ type: 'COMMAND' as const, command: event.command, origin: event.origin })),
        },
        CLIENTS_CHANGED: { actions: assign({ clients: ({ event }) => event.clients }) },
        SERVE_FAILED: { target: 'failed', actions: assign({ fault: ({ event }) => event.reason }) },
      },
      states: {
        listening: {
          on: { STOP: 'stopping' },
        },
        stopping: {
          invoke: {
            src: 'close',
            input: ({ context }) => ({ connector: context.connector }),
            onDone: '#connector.stopped',
            onError: '#connector.stopped',
          },
        },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({ fault: context.fault ?? 'stopped' }),
});
