// The error round trip of bench:load: a refused command sent again and again on one raw socket, to
// the server and to the reply-only floor (floor-server.ts) with the same client code, in turns, so
// the server's figures can be quoted as ratios to what Node and the sockets cost in the same run.

import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setVoltageCommand } from '../src/hv/client/hv-connection.js';
import { encodeEnvelope } from '../src/kit/protocol/envelope-encoder.js';
import { errorReply } from '../src/kit/protocol/error-reply.js';

/** Round trips in the order they were made, ms, and their median / p99 / max. */
export interface RoundTrips {
  times: number[];
  p50: number;
  p99: number;
  max: number;
}

/** The value below which `p` % of `sorted` (ascending) lies. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarize(times: number[]): RoundTrips {
  const sorted = [...times].sort((a, b) => a - b);
  return { times, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

/**
 * One raw connection that sends a refused command (block 99 is not configured: error 9) and waits
 * for its reply. The request is encoded once and the reply only framed, not decoded, so a round
 * trip is the server's and the socket's, not this client's.
 */
class ErrorRoundTrip {
  private static readonly request = encodeEnvelope(setVoltageCommand(99, 100));
  private buffered: Buffer = Buffer.alloc(0);
  private replied: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  static async open(port: number): Promise<ErrorRoundTrip> {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    await new Promise((r) => socket.once('connect', r));
    return new ErrorRoundTrip(socket);
  }

  /** One request and its reply, ms. */
  async trip(): Promise<number> {
    const start = performance.now();
    await new Promise<void>((resolve) => {
      this.replied = resolve;
      this.socket.write(ErrorRoundTrip.request);
    });
    return performance.now() - start;
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    // 30-byte header: meta length at 14, data length at 22.
    while (this.buffered.length >= 30 && this.buffered.length >= 30 + this.buffered.readUInt32BE(14) + this.buffered.readUInt32BE(22)) {
      const end = 30 + this.buffered.readUInt32BE(14) + this.buffered.readUInt32BE(22);
      const reply = this.buffered.subarray(30, end).includes('"reply"');
      this.buffered = this.buffered.subarray(end);
      if (reply && this.replied) {
        const done = this.replied;
        this.replied = null;
        done();
      }
    }
  }
}

/** The client's warm-up, once per process (warmClient). */
let clientWarmed: Promise<void> | null = null;

/**
 * This process's own first use of its socket and framing code, paid before any timed trip, against
 * a throwaway reply server of its own: otherwise whichever server takes the first turn is charged
 * for it (about 2 ms on its first trip, whichever of the two went first).
 */
async function warmClient(): Promise<void> {
  const reply = encodeEnvelope(errorReply('INCORRECT_MESSAGE_PARAMS', 'warm-up'));
  const server = createServer((socket) => socket.on('data', () => socket.write(reply)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const link = await ErrorRoundTrip.open((server.address() as AddressInfo).port);
  for (let i = 0; i < 3; i++) await link.trip();
  link.close();
  await new Promise((resolve) => server.close(resolve));
}

/**
 * `count` sequential error round trips on a fresh connection to each of `ports`, taking turns one
 * request at a time: each server meets the machine as it is at the same moments, which on a shared,
 * busy machine matters more than anything else in the tail. Round trips in ms, in order, per port.
 */
export async function errorRoundTrips(ports: number[], count: number): Promise<number[][]> {
  // Once per process: later rounds find the code warm already.
  await (clientWarmed ??= warmClient());
  const links = await Promise.all(ports.map((port) => ErrorRoundTrip.open(port)));
  const times = links.map(() => [] as number[]);
  for (let i = 0; i < count; i++) {
    for (const [n, link] of links.entries()) times[n]!.push(await link.trip());
  }
  for (const link of links) link.close();
  return times;
}

/** The floor server (floor-server.ts) in its own process, listening; `stop` ends it. */
export async function startFloor(): Promise<{ port: number; stop(): Promise<void> }> {
  const floor = spawn(process.execPath, [fileURLToPath(new URL('./floor-server.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => floor.once('exit', r));
  // A bench that fails half-way leaves no floor behind.
  const orphaned = () => floor.kill('SIGTERM');
  process.once('exit', orphaned);
  const stop = async () => {
    process.off('exit', orphaned);
    floor.kill('SIGTERM');
    await exited;
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      floor.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const listening = /floor: port (\d+)/.exec(out);
        if (listening) resolve(Number(listening[1]));
      });
      floor.once('exit', (code) => reject(new Error(`the floor server ended (code ${code}) before it listened: ${out}`)));
    });
    return { port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
