// Attaches a simulated instrument to a serial device (a real port, or one end of a socat
// pseudo-terminal pair), so a driver reaches it over a real serial line.

import { SerialPort } from 'serialport';
import type { Clock } from '../../src/kit/clock/clock.js';
import type { LineDevice } from '../devices/line-device.js';
import { LineSession } from './line-session.js';

export class SerialInstrumentPort {
  private port: SerialPort | null = null;

  constructor(
    readonly device: LineDevice,
    private readonly timing: { clock: Clock; latencyMs: number } | null = null,
  ) {}

  open(path: string, baudRate = 9600): Promise<void> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false });
      port.open((err) => {
        if (err) {
          reject(new Error(`cannot open ${path} for ${this.device.name}: ${err.message}`));
          return;
        }
        const session = new LineSession(this.device, (bytes) => port.write(bytes), this.timing);
        port.on('data', (chunk: Buffer) => session.write(chunk));
        port.on('error', () => {});
        this.port = port;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}
