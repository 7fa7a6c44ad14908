// A serial line (`ASRL/dev/ttyUSB0::INSTR`, `ASRL3::INSTR`), through the serialport package:
// the shift block's ADAM-style analog-output module, 9600 baud 8N1 unless configured otherwise.

import { createRequire } from 'node:module';
import type { SerialPort } from 'serialport';
import type { Clock } from '../clock/clock.js';
import { StreamTransport, type StreamOptions } from './stream-transport.js';
import { TransportError } from './transport.js';

export class SerialTransport extends StreamTransport {
  private port: SerialPort | null = null;

  constructor(
    resource: string,
    private readonly path: string,
    private readonly baudRate: number,
    clock: Clock,
    options: StreamOptions,
  ) {
    super(resource, clock, options);
  }

  protected connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      // serialport (10 MB with its native binding) is loaded with the first serial instrument, not with every server.
      const { SerialPort: Port } = createRequire(import.meta.url)('serialport') as typeof import('serialport');
      const port: SerialPort = new Port({ path: this.path, baudRate: this.baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
      port.open((err) => {
        if (err) {
          const missing = /ENOENT|No such file|cannot open|File not found/i.test(err.message);
          reject(new TransportError(missing ? 'not-found' : 'io', this.resource, `cannot open ${this.path}: ${err.message}`));
          return;
        }
        this.port = port;
        port.on('data', (chunk: Buffer) => this.reader.push(chunk));
        port.on('error', () => {});
        port.on('close', () => {
          if (this.port === port) {
            this.port = null;
            this.lost(`${this.path} was closed`);
          }
        });
        resolve();
      });
    });
  }

  protected send(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new TransportError('closed', this.resource, 'not open'));
    return new Promise((resolve, reject) => {
      port.write(data, (err) => {
        if (err) reject(new TransportError('io', this.resource, `write failed: ${err.message}`));
        else port.drain(() => resolve());
      });
    });
  }

  protected disconnect(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}
