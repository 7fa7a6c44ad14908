// One connection to a simulated instrument: bytes in, split into messages at the device's
// terminator, handled one after another; each answer goes back with the terminator.

import type { Clock } from '../../src/kit/clock/clock.js';
import type { InProcessSession } from '../../src/kit/transports/in-process-transport.js';
import type { LineDevice } from '../devices/line-device.js';

/** A message longer than this without a terminator is dropped, as a real input buffer overflows. */
const MAX_MESSAGE = 4096;

export class LineSession implements InProcessSession {
  private pending = '';
  /** Messages heard and not yet handled, oldest first; `busy` while one is being handled. */
  private readonly waiting: string[] = [];
  private busy = false;
  private closed = false;

  constructor(
    private readonly device: LineDevice,
    private readonly send: (bytes: Buffer) => void,
    /** A bus round trip per message, on the simulation's clock (none without a clock). */
    private readonly timing: { clock: Clock; latencyMs: number } | null = null,
    private readonly onClose: () => void = () => {},
  ) {}

  write(bytes: Buffer): void {
    if (this.closed) return;
    this.pending += bytes.toString('latin1');
    const t = this.device.terminator;
    let at: number;
    while ((at = this.pending.indexOf(t)) !== -1) {
      const end = at > 0 && this.pending.charCodeAt(at - 1) === 13 ? at - 1 : at; // a CR before the terminator is not part of the message
      const message = this.pending.slice(0, end);
      this.pending = this.pending.slice(at + t.length);
      this.handle(message);
    }
    if (this.pending.length > MAX_MESSAGE) this.pending = '';
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  private handle(message: string): void {
    this.waiting.push(message);
    if (!this.busy) this.next();
  }

  /** One message after another, each after the bus's round trip (plain callbacks: no promise per message). */
  private next(): void {
    const message = this.waiting.shift();
    if (message === undefined) {
      this.busy = false;
      return;
    }
    this.busy = true;
    if (this.timing) this.timing.clock.setTimeout(() => this.answer(message), this.timing.latencyMs);
    else queueMicrotask(() => this.answer(message));
  }

  private answer(message: string): void {
    let reply: string | null | Promise<string | null>;
    try {
      reply = this.device.handleMessage(message);
    } catch (err) {
      void Promise.reject(err); // a fault in the simulator itself: reported as an unhandled rejection, as a thrown handler always was
      return;
    }
    if (reply instanceof Promise) reply.then((r) => this.reply(r));
    else this.reply(reply);
  }

  private reply(reply: string | null): void {
    if (reply !== null && !this.closed) this.send(Buffer.from(reply + this.device.terminator, 'latin1'));
    this.next();
  }
}
