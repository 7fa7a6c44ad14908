// Serves one simulated instrument on its own TCP port, as a LAN instrument (raw SCPI socket).
// While the device is offline, new connections are refused.

import type { Socket } from 'node:net';
import type { Clock } from '../../src/kit/clock/clock.js';
import type { LineDevice } from '../devices/line-device.js';
import { LineSession } from './line-session.js';
import { TcpListener } from './tcp-listener.js';

export class TcpInstrumentServer {
  private readonly listener = new TcpListener((socket) => this.accept(socket));

  constructor(
    readonly device: LineDevice,
    private readonly timing: { clock: Clock; latencyMs: number } | null = null,
  ) {}

  listen(host: string, port: number): Promise<number> {
    return this.listener.listen(host, port);
  }

  /** Drops every connection (the instrument went off the bus or lost power). */
  dropConnections(): void {
    this.listener.dropConnections();
  }

  close(): Promise<void> {
    return this.listener.close();
  }

  private accept(socket: Socket): void {
    if (this.device.faults.offline) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const session = new LineSession(this.device, (bytes) => socket.write(bytes), this.timing);
    socket.on('data', (chunk) => session.write(chunk));
    socket.on('close', () => session.close());
  }
}
