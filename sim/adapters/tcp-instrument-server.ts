// Serves one simulated instrument on its own TCP port, as a LAN instrument (raw SCPI socket).
// While the device is offline, connections are closed and new ones refused.

import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../../src/clock/clock.js';
import type { LineDevice } from '../devices/line-device.js';
import { LineSession } from './line-session.js';

export class TcpInstrumentServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly device: LineDevice,
    private readonly timing: { clock: Clock; latencyMs: number } | null = null,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Drops every connection (the instrument went off the bus or lost power). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.device.faults.offline) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const session = new LineSession(this.device, (bytes) => socket.write(bytes), this.timing);
    socket.on('data', (chunk) => session.write(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(socket);
      session.close();
    });
  }
}
