// Online's client as it behaves after it loses the server: it tries once more, 1 s later, and then
// never again. And a probe that keeps trying a port, to count the attempts refused while a server
// restarts.
import { connect, type Socket } from 'node:net';
import { EnvelopeDecoder } from '../src/kit/protocol/envelope-decoder.js';
import { encodeEnvelope } from '../src/kit/protocol/envelope-encoder.js';
import type { Meta } from '../src/kit/protocol/envelope.js';

/** Online's reconnect delay: the requirement, not a margin. */
export const ONLINE_RECONNECT_MS = 1000;

export class OnlineLikeClient {
  /** The readings (get_voltage) of each connection, in order. */
  readonly sessions: Meta[][] = [];
  /** Everything else it received: answers and error replies. */
  readonly answers: Meta[] = [];
  gaveUp = false;
  lostAt: number | null = null;
  reconnectedAt: number | null = null;
  private socket: Socket | null = null;

  constructor(private readonly port: number) {}

  connect(): void {
    const socket = connect(this.port, '127.0.0.1');
    const received: Meta[] = [];
    const decoder = new EnvelopeDecoder();
    socket.on('connect', () => {
      this.sessions.push(received);
      if (this.lostAt !== null) this.reconnectedAt = Date.now();
    });
    socket.on('data', (chunk) => {
      for (const e of decoder.push(chunk)) {
        if (e.kind !== 'message') continue;
        if (e.envelope.meta.answer_type === 'get_voltage') received.push(e.envelope.meta);
        else this.answers.push(e.envelope.meta);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (!this.sessions.includes(received)) {
        this.gaveUp = true; // the one reconnect attempt failed
        return;
      }
      if (this.lostAt !== null) return;
      this.lostAt = Date.now();
      setTimeout(() => this.connect(), ONLINE_RECONNECT_MS);
    });
    this.socket = socket;
  }

  send(meta: Meta): void {
    this.socket!.write(encodeEnvelope(meta));
  }

  close(): void {
    this.lostAt ??= Date.now(); // no reconnect after this
    this.socket?.destroy();
  }

  /** Readings of `block` in session `n`. */
  readings(n: number, block: number): Meta[] {
    return (this.sessions[n] ?? []).filter((m) => m.block === block);
  }
}

/** What a PortProbe saw. */
export interface ProbeResult {
  attempts: number;
  refused: number;
  /** Real ms from the first refused attempt to the next accepted one, summed over every such gap. */
  downtimeMs: number;
}

/** Connects to a port one attempt after another (each closed at once) until stopped, counting the attempts refused. */
export class PortProbe {
  private running = true;
  private attempts = 0;
  private refused = 0;
  private downtimeMs = 0;
  private refusedSince: number | null = null;
  private readonly done: Promise<void>;

  constructor(
    private readonly port: number,
    private readonly everyMs = 5,
  ) {
    this.done = this.loop();
  }

  async stop(): Promise<ProbeResult> {
    this.running = false;
    await this.done;
    if (this.refusedSince !== null) this.downtimeMs += performance.now() - this.refusedSince;
    return { attempts: this.attempts, refused: this.refused, downtimeMs: Math.round(this.downtimeMs) };
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const accepted = await new Promise<boolean>((resolve) => {
        const s = connect(this.port, '127.0.0.1', () => (s.destroy(), resolve(true)));
        s.on('error', () => resolve(false));
      });
      this.attempts++;
      const now = performance.now();
      if (!accepted) {
        this.refused++;
        this.refusedSince ??= now;
      } else if (this.refusedSince !== null) {
        this.downtimeMs += now - this.refusedSince;
        this.refusedSince = null;
      }
      await new Promise((r) => setTimeout(r, this.everyMs));
    }
  }
}
