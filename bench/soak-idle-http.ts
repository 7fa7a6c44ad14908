// Many HTTP connections opened and held without a complete request (half send nothing, half the
// start of a request whose headers never end), while a page asks for /api/status as usual.
//
// They come from an address of their own, as an attacker's would (another loopback address where
// the system routes 127.0.0.0/8 to the loopback, as Linux does): the server caps each address's
// connections, so a flood takes its room from the flooding address only. From the address the
// soak's watchdog and pages use, the flood would evict their connections too, as the caps allow:
// a probe made while the flood came in was reset (ECONNRESET).

import { connect, type Socket } from 'node:net';
import type { Endpoint } from './soak-console.js';
import { realSleep } from './soak-time.js';

export interface IdleHttpOutcome {
  /** The address the connections came from. */
  from: string;
  opened: number;
  refused: number;
  /** Closed by the server while held (its header or idle timeouts, or a connection limit). */
  closedByServer: number;
  /** /api/status from a fresh connection in the middle of the hold. */
  statusDuringHold: string;
  statusMs: number;
}

function open(endpoint: Endpoint, localAddress: string | undefined): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.host, port: endpoint.httpPort, ...(localAddress ? { localAddress } : {}) });
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(null));
  });
}

/** Another loopback address for a server on 127.0.0.1, if this system connects from it; else the server's own. */
async function floodAddress(endpoint: Endpoint): Promise<string | undefined> {
  if (endpoint.host !== '127.0.0.1') return undefined;
  const probe = await open(endpoint, '127.0.0.2');
  probe?.destroy();
  return probe ? '127.0.0.2' : undefined;
}

export async function holdIdleHttp(endpoint: Endpoint, count: number, holdMs: number): Promise<IdleHttpOutcome> {
  const sockets: Socket[] = [];
  let refused = 0;
  let closedByServer = 0;
  let releasing = false;
  const localAddress = await floodAddress(endpoint);
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => open(endpoint, localAddress)));
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
  return { from: localAddress ?? endpoint.host, opened: sockets.length, refused, closedByServer, statusDuringHold, statusMs };
}
