// The HTTP port's defences: caps on its connections (a crowd of idle or slow ones must not take the
// process's file descriptors from Online; when full, the one idle longest makes room for a request),
// and timeouts that cut a peer sending its headers a byte at a time (slowloris), a request that
// never completes, or a connection that says nothing.
// A connection upgraded to a websocket leaves all of that: the ws library clears the idle timeout
// and Node stops timing a request once it is upgraded, so an operator's page may stay quiet for hours.

import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectionGate, type ConnectionCaps, type Refusal } from './connection-gate.js';
import type { WarnLog } from './windowed-log.js';

export interface HttpLimits extends ConnectionCaps {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface WebsocketCaps {
  maxClients: number;
  maxClientsPerAddress: number;
}

export interface GuardedHttp {
  server: Server;
  /** Counts an upgrade request's socket as a websocket; false when it was refused (and closed). */
  admitUpgrade(socket: Duplex): boolean;
}

/** How often Node looks for requests past their headers or request timeout: a fifth of the headers timeout, at most a second. */
export function checkingIntervalMs(headersTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.round(headersTimeoutMs / 5)));
}

function refusal503(refusal: Refusal): string {
  const body = `${JSON.stringify({ code: refusal.code, error: refusal.message })}\n`;
  return [
    'HTTP/1.1 503 Service Unavailable',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Retry-After: 5',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Answers 503 and closes in the same turn: the short answer goes out at once, and the descriptor is freed at once. */
function refuse(socket: Socket, refusal: Refusal): void {
  socket.on('error', () => {});
  socket.write(refusal503(refusal));
  socket.destroy();
}

export function createGuardedHttp(handler: RequestListener, limits: HttpLimits, ws: WebsocketCaps, log: WarnLog): GuardedHttp {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts above on this timer (every 30 s unless told otherwise).
      connectionsCheckingInterval: checkingIntervalMs(limits.headersTimeoutMs),
    },
    handler,
  );
  // Socket inactivity: a peer that connects and then sends and reads nothing at all.
  server.timeout = limits.idleTimeoutMs;
  const http = new ConnectionGate(
    {
      label: 'HTTP',
      keys: { maxConnections: 'limits.http.max_connections', maxPerAddress: 'limits.http.max_per_address' },
      maxConnections: limits.maxConnections,
      maxPerAddress: limits.maxPerAddress,
      evictIdle: true,
      refuse,
    },
    log,
  );
  const websocket = new ConnectionGate(
    {
      label: 'websocket',
      keys: { maxConnections: 'limits.websocket.max_clients', maxPerAddress: 'limits.websocket.max_per_address' },
      maxConnections: ws.maxClients,
      maxPerAddress: ws.maxClientsPerAddress,
      refuse,
    },
    log,
  );

  // Every accepted socket passes the gate before Node's HTTP parser sees it: a refused one never
  // gets a parser, timers or a request event. (Node's own listener is the one on 'connection'.)
  const parse = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (!http.admit(socket)) return;
    for (const listener of parse) listener.call(server, socket);
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    http.busy(socket);
    // 'close' comes once the response is sent or the connection lost, whichever first.
    res.once('close', () => http.idle(socket));
  });

  return {
    server,
    admitUpgrade(socket: Duplex): boolean {
      http.upgraded(socket as Socket);
      return websocket.admit(socket as Socket);
    },
  };
}
