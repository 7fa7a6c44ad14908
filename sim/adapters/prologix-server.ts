// A Prologix GPIB-ETHERNET adapter in front of the simulated GPIB instruments: one TCP port,
// "++" commands for the adapter, escaped data for the addressed instrument, answers on ++read.

import type { Socket } from 'node:net';
import type { Clock } from '../../src/kit/clock/clock.js';
import { splitAdapterInput } from '../../src/kit/transports/prologix-escape.js';
import type { LineDevice } from '../devices/line-device.js';
import { TcpListener } from './tcp-listener.js';

export const PROLOGIX_VERSION = 'Prologix GPIB-ETHERNET Controller version 01.06.06.00';

class AdapterSession {
  private address = 0;
  private pending: Buffer = Buffer.alloc(0);
  /** Every line is handled in order: a ++read waits for the messages sent before it. */
  private chain: Promise<void> = Promise.resolve();
  private readonly answers = new Map<number, string[]>();
  /** Lines the adapter received, for tests. */
  readonly lines: string[] = [];

  constructor(
    private readonly bus: ReadonlyMap<number, LineDevice>,
    private readonly socket: Socket,
    private readonly timing: { clock: Clock; latencyMs: number } | null,
  ) {}

  receive(chunk: Buffer): void {
    const { lines, rest } = splitAdapterInput(Buffer.concat([this.pending, chunk]));
    this.pending = Buffer.from(rest);
    for (const line of lines) {
      this.lines.push(line.text);
      this.chain = this.chain.then(() => this.handle(line.text, line.escapedStart));
    }
  }

  private async handle(text: string, escapedStart: boolean): Promise<void> {
    if (text.startsWith('++') && !escapedStart) return this.command(text.slice(2).trim());
    const device = this.bus.get(this.address);
    if (!device) return; // nobody listens at that address
    if (this.timing) await this.timing.clock.sleep(this.timing.latencyMs);
    const answer = await device.handleMessage(text);
    if (answer !== null) this.answers.set(this.address, [...(this.answers.get(this.address) ?? []), answer]);
  }

  private command(text: string): void {
    const [name, arg] = text.split(/\s+/, 2) as [string, string | undefined];
    switch (name.toLowerCase()) {
      case 'addr':
        if (arg === undefined) this.socket.write(`${this.address}\n`);
        else if (/^\d+$/.test(arg) && Number(arg) <= 30) this.address = Number(arg);
        return;
      case 'read': {
        const queue = this.answers.get(this.address) ?? [];
        const answer = queue.shift();
        const device = this.bus.get(this.address);
        if (answer !== undefined && device) this.socket.write(answer + device.terminator);
        return; // nothing to read: the adapter times out silently, as the real one does
      }
      case 'ver':
        this.socket.write(`${PROLOGIX_VERSION}\n`);
        return;
      case 'clr':
        this.answers.delete(this.address);
        return;
      default:
        return; // mode, auto, eoi, eos, read_tmo_ms, ifc, savecfg: settings this simulation does not need to vary
    }
  }
}

export class PrologixServer {
  private readonly listener: TcpListener;

  constructor(
    private readonly bus: ReadonlyMap<number, LineDevice>,
    private readonly timing: { clock: Clock; latencyMs: number } | null = null,
  ) {
    this.listener = new TcpListener((socket) => {
      socket.setNoDelay(true);
      const session = new AdapterSession(this.bus, socket, this.timing);
      socket.on('data', (chunk) => session.receive(chunk));
    });
  }

  listen(host: string, port: number): Promise<number> {
    return this.listener.listen(host, port);
  }

  close(): Promise<void> {
    return this.listener.close();
  }
}
