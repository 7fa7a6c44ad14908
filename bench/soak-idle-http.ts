// Many HTTP connections opened and held without a complete request (half send nothing, half the
// start of a request whose headers never end), while a page asks for /api/status as usual.

import { connect, type Socket } from 'node:net';
import type { Endpoint } from './soak-console.js';
import { realSleep } from './soak-time.js';

export interface IdleHttpOutcome {
  opened: number;
  refused: number;
  /** Closed by the server while held (its header or idle timeouts, or a connection limit). */
  closedByServer: number;
  /** /api/status from a fresh connection in the middle of the hold. */
  statusDuringHold: string;
  statusMs: number;
}

function open(endpoint: Endpoint): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.host, port: endpoint.httpPort });
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(null));
  });
}

export async function holdIdleHttp(endpoint: Endpoint, count: number, holdMs: number): Promise<IdleHttpOutcome> {
  const sockets: Socket[] = [];
  let refused = 0;
  let closedByServer = 0;
  let releasing = false;
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => open(endpoint)));
    for (const socket of batch) {
      if (!socket) {
        refused++;
        continue;
      }
      socket.on('error', () => {});
      socket.once('close', () => {
        if (!releasing) closedByServer++;
      });
      if (sockets.length % 2 === 1) socket.write('GET / HTTP/1.1\r\nHost: soak\r\n');
      sockets.push(socket);
    }
  }
  await realSleep(holdMs / 2);
  const started = performance.now();
  let statusDuringHold: string;
  try {
    const res = await fetch(`http://${endpoint.host}:${endpoint.httpPort}/api/status`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    statusDuringHold = `HTTP ${res.status}`;
  } catch (err) {
    statusDuringHold = `failed (${(err as Error).message})`;
  }
  const statusMs = performance.now() - started;
  await realSleep(holdMs / 2);
  releasing = true;
  for (const socket of sockets) socket.destroy();
  return { opened: sockets.length, refused, closedByServer, statusDuringHold, statusMs };
}
