// Clients that never read. The active one keeps sending messages that each earn an error reply
// (an Online whose reading thread hung while its writing thread goes on), so its send queue on the
// server fills in seconds; the passive one only receives the readings broadcast to everyone, and
// fills it slowly. The server must drop both once the queue passes its limit.

import { connect, type Socket } from 'node:net';
import { encodeEnvelope } from '../src/kit/protocol/envelope-encoder.js';
import type { Endpoint } from './soak-console.js';
import { realSleep } from './soak-time.js';

export interface StalledOutcome {
  dropped: boolean;
  /** Real seconds from connecting until the server closed it. */
  afterS: number;
  sentMiB: number;
}

function open(endpoint: Endpoint): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: endpoint.host, port: endpoint.tcpPort });
    socket.once('connect', () => {
      socket.pause(); // never reads again
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** One active stalled client; gives up after `maxRealMs`. */
export async function stalledClient(endpoint: Endpoint, maxRealMs: number): Promise<StalledOutcome> {
  const started = performance.now();
  const socket = await open(endpoint);
  socket.on('error', () => {});
  let closedAt: number | null = null;
  socket.once('close', () => (closedAt = performance.now()));
  const flood = Buffer.concat(Array.from({ length: 2000 }, () => encodeEnvelope({ type: 'nonsense' })));
  let sent = 0;
  while (closedAt === null && performance.now() - started < maxRealMs) {
    if (socket.writableLength < 8 << 20) {
      socket.write(flood);
      sent += flood.length;
    }
    await realSleep(10);
  }
  socket.destroy();
  const end: number = closedAt ?? performance.now();
  return { dropped: closedAt !== null, afterS: (end - started) / 1000, sentMiB: sent / 1024 / 1024 };
}

/** A client that connects and never reads or writes; ask `state()` at the end. */
export async function passiveStalledClient(endpoint: Endpoint, now: () => number): Promise<{ state(): { dropped: boolean; droppedAt: number | null }; close(): void }> {
  const socket = await open(endpoint);
  socket.on('error', () => {});
  let droppedAt: number | null = null;
  let closing = false;
  socket.once('close', () => {
    if (!closing) droppedAt = now();
  });
  return {
    state: () => ({ dropped: droppedAt !== null, droppedAt }),
    close: () => {
      closing = true;
      socket.destroy();
    },
  };
}
