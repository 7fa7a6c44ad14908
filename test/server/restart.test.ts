// A restart must cost Online nothing. Online's client reconnects once, about a second after it
// loses the server, and then stops for good; so the restarted server has to be listening by then,
// and the reconnected client must go on receiving every reading. The real executable, twice, on
// the same port and data directory, at --time-scale 10.
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvelopeDecoder } from '../../src/kit/protocol/envelope-decoder.js';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dataDirs: string[] = [];
const running = new Set<ChildProcess>();

/** A data directory of its own for each test, so a server left running by a failed test cannot write into the next one's. */
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hv-restart-'));
  dataDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

interface Started {
  process: ChildProcess;
  output: () => string;
  /** Real ms from spawn until the TCP port accepted a connection. */
  listeningAfterMs: number;
  exited: Promise<number | null>;
}

async function startServer(tcpPort: number, dataDir: string): Promise<Started> {
  const spawnedAt = Date.now();
  const child = spawn(
    process.execPath,
    [join(root, 'bin/hv-server.js'), '--sim', '--tcp-port', String(tcpPort), '--http-port', '0', '--data-dir', dataDir, '--time-scale', '10', '--log-level', 'info'],
    { cwd: root, env: { ...process.env, NO_COLOR: '1' } },
  );
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (running.delete(child), resolve(code))));
  // Poll the port as a client would: how soon after the start does it accept?
  for (;;) {
    if (Date.now() - spawnedAt > 15_000) throw new Error(`server did not listen:\n${output}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(tcpPort, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return { process: child, output: () => output, listeningAfterMs: Date.now() - spawnedAt, exited };
}

/** Online's client as it behaves: on a disconnect it tries once more after 1 s, then never again. */
class OnlineLikeClient {
  readonly sessions: Meta[][] = [];
  readonly answers: Meta[] = [];
  gaveUp = false;
  reconnectedAt: number | null = null;
  private lostAt: number | null = null;
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
      setTimeout(() => this.connect(), 1000);
    });
    this.socket = socket;
  }

  send(meta: Meta): void {
    this.socket!.write(encodeEnvelope(meta));
  }
}

function tsvRows(dataDir: string, series: string): string[] {
  const dir = join(dataDir, series);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').slice(1))
    .map((row) => row.split('\t')[1]!);
}

/** Where `part` sits inside `whole` as a contiguous run, or -1. */
function runAt(whole: string[], part: string[]): number {
  for (let i = 0; i + part.length <= whole.length; i++) if (part.every((v, k) => whole[i + k] === v)) return i;
  return -1;
}

const volts = (session: Meta[], block: number) => session.filter((m) => m.block === block).map((m) => String(m.voltage));

describe('restart under Online', () => {
  it('is listening again inside Online’s one reconnect attempt, and the client keeps receiving every reading', async () => {
    const port = await freePort();
    const dir = freshDataDir();
    const first = await startServer(port, dir);
    // How soon the port is bound is a benchmark figure (README); what matters here is that the
    // one reconnect attempt below finds it.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => /ready:/.test(first.output()) && (clearInterval(poll), resolve()), 10);
    });
    const online = new OnlineLikeClient(port);
    online.connect();
    // A few readings with the first server.
    await waitFor(() => (online.sessions[0]?.filter((m) => m.block === 1).length ?? 0) >= 5, 20_000);

    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const before = tsvRows(dir, 'HV');
    // The service manager starts it again at once.
    const second = await startServer(port, dir);
    await waitFor(() => online.reconnectedAt !== null || online.gaveUp, 5000);
    expect(online.gaveUp, second.output()).toBe(false);
    // Commands work on the restarted server; readings flow. A server still starting answers 8,
    // and Online sends the command again 5 s later.
    const command = { type: 'command', command_type: 'set_voltage', block: '2', voltage: 100 };
    for (let tries = 0; ; tries++) {
      const seen = online.answers.length;
      online.send(command);
      await waitFor(() => online.answers.length > seen, 10_000);
      if (online.answers[seen]!.error_code !== 8 || tries === 3) break;
      await new Promise((r) => setTimeout(r, 5000));
    }
    expect(online.answers.at(-1)).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });
    await waitFor(() => (online.sessions[1]?.filter((m) => m.block === 1).length ?? 0) >= 5, 20_000);
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const after = tsvRows(dir, 'HV').slice(before.length);

    // First server: everything logged while connected was received, up to its very last reading
    // (at most one published while its clients were being closed).
    const firstSeen = volts(online.sessions[0]!, 1);
    const firstAt = runAt(before, firstSeen);
    expect(firstAt, 'readings from the first server arrived in order, none missing').toBeGreaterThanOrEqual(0);
    expect(before.length - (firstAt + firstSeen.length)).toBeLessThanOrEqual(1);
    // Second server: the readings published before the reconnect are the only ones missed.
    const secondSeen = volts(online.sessions[1]!, 1);
    const secondAt = runAt(after, secondSeen);
    expect(secondAt, 'readings from the restarted server arrived in order, none missing').toBeGreaterThanOrEqual(0);
    // The reconnect came ~1 s after the disconnect: at --time-scale 10 about 2.5 reading periods,
    // fewer since the restarted server takes a reading period before its first; room for a loaded machine.
    expect(secondAt, `${secondAt} readings published before the reconnect`).toBeLessThanOrEqual(8);
    expect(after.length - (secondAt + secondSeen.length)).toBeLessThanOrEqual(1);
  }, 60_000);
});

describe('signals', () => {
  for (const signal of ['SIGHUP', 'SIGINT'] as const) {
    it(`${signal} stops the server as SIGTERM does: exit 0, and every reading a client received is in the TSV`, async () => {
      const port = await freePort();
      const dir = freshDataDir();
      const server = await startServer(port, dir);
      const rowsBefore = tsvRows(dir, 'HV').length;
      const online = new OnlineLikeClient(port);
      online.connect();
      await waitFor(() => (online.sessions[0]?.filter((m) => m.block === 1).length ?? 0) >= 3, 20_000);
      server.process.kill(signal);
      expect(await server.exited).toBe(0);
      expect(server.output()).toMatch(new RegExp(`shutting down.*${signal}[\\s\\S]*readings log flushed and closed[\\s\\S]*stopped`));
      const rows = tsvRows(dir, 'HV').slice(rowsBefore);
      const seen = volts(online.sessions[0]!, 1);
      expect(runAt(rows, seen), JSON.stringify({ rows, seen })).toBeGreaterThanOrEqual(0);
    }, 30_000);
  }

  it('a signal while the server is still starting closes the port and exits 0 without touching an instrument', async () => {
    const port = await freePort();
    const server = await startServer(port, freshDataDir());
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/Error|uncaught/);
  }, 30_000);
});

async function waitFor(predicate: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
