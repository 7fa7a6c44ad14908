// A raw TCP socket to an instrument (`TCPIP::host::port::SOCKET`): LAN instruments, LAN/GPIB
// gateways in socket mode, and the simulators of `hv-sim instruments`.

import { connect, type Socket } from 'node:net';
import type { Clock } from '../clock/clock.js';
import { StreamTransport, type StreamOptions } from './stream-transport.js';
import { TransportError } from './transport.js';

export class SocketTransport extends StreamTransport {
  private socket: Socket | null = null;

  constructor(
    resource: string,
    private readonly host: string,
    private readonly port: number,
    clock: Clock,
    options: StreamOptions,
    /** Written first on every new connection (a Prologix adapter's setup). */
    private readonly greeting: string | null = null,
  ) {
    super(resource, clock, options);
  }

  protected connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      const timer = this.clock.setDeadline(() => {
        socket.destroy();
        reject(new TransportError('timeout', this.resource, `no connection to ${this.host}:${this.port} within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      socket.once('connect', () => {
        this.clock.clearTimeout(timer);
        this.socket = socket;
        socket.on('data', (chunk) => this.reader.push(chunk));
        if (this.greeting) socket.write(this.greeting);
        socket.on('close', () => {
          if (this.socket === socket) {
            this.socket = null;
            this.lost(`connection to ${this.host}:${this.port} was closed`);
          }
        });
        resolve();
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        this.clock.clearTimeout(timer);
        if (this.socket !== socket) {
          const missing = err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EHOSTUNREACH';
          reject(new TransportError(missing ? 'not-found' : 'io', this.resource, `cannot connect to ${this.host}:${this.port}: ${err.message}`));
        }
      });
    });
  }

  protected send(data: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new TransportError('closed', this.resource, 'not connected'));
    return new Promise((resolve, reject) => {
      socket.write(data, (err) => (err ? reject(new TransportError('io', this.resource, `write failed: ${err.message}`)) : resolve()));
    });
  }

  protected async disconnect(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
  }
}
