// A TCP client that speaks Online's framing: used by hv-client and by the tests that play Online.

import { connect, type Socket } from 'node:net';
import { EnvelopeDecoder } from '../../kit/protocol/envelope-decoder.js';
import { encodeEnvelope } from '../../kit/protocol/envelope-encoder.js';
import type { Meta } from '../../kit/protocol/envelope.js';

export class ConnectionClosedError extends Error {
  constructor(message = 'the server closed the connection') {
    super(message);
    this.name = 'ConnectionClosedError';
  }
}

type Waiter = { match: (m: Meta) => boolean; resolve: (m: Meta) => void; reject: (e: Error) => void };

export class HvConnection {
  /** Every message received, in order. */
  readonly received: Meta[] = [];
  private readonly decoder = new EnvelopeDecoder();
  private waiters: Waiter[] = [];
  private listeners: ((m: Meta) => void)[] = [];
  private closedError: Error | null = null;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      for (const event of this.decoder.push(chunk)) if (event.kind === 'message') this.accept(event.envelope.meta);
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedError = new ConnectionClosedError();
        for (const w of this.waiters) w.reject(this.closedError);
        this.waiters = [];
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  static open(host: string, port: number, timeoutMs = 5000): Promise<HvConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new HvConnection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect to ${host}:${port}: ${err.message}`));
      });
    });
  }

  send(meta: Meta): void {
    this.socket.write(encodeEnvelope(meta));
  }

  /** Calls `listener` with every message from now on; the returned function stops it. */
  onMessage(listener: (m: Meta) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** The next message (received from now on) that matches, or a rejection after `timeoutMs` of real time. */
  next(match: (m: Meta) => boolean = () => true, timeoutMs = 30_000): Promise<Meta> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The answer or error reply to a command (readings are skipped). */
  answer(timeoutMs?: number): Promise<Meta> {
    return this.next((m) => m.type === 'reply' || (m.type === 'answer' && m.answer_type !== 'get_voltage'), timeoutMs);
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }

  private accept(meta: Meta): void {
    this.received.push(meta);
    for (const l of this.listeners) l(meta);
    const waiter = this.waiters.find((w) => w.match(meta));
    if (waiter) {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      waiter.resolve(meta);
    }
  }
}

export function setVoltageCommand(block: number | string, voltage: number): Meta {
  return { type: 'command', command_type: 'set_voltage', block: String(block), voltage };
}

export function checkCommand(block: number | string, voltage: number, maxError: number, timeout: number): Meta {
  return { type: 'command', command_type: 'set_voltage_and_check', block: String(block), voltage, max_error: maxError, timeout };
}
