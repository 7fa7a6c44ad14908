// How long Online's port is closed across a crash of hv-server (SIGKILL), and whether Online's one
// reconnect, a second after it lost the server, is served. Each way of running it:
//   own port, at once     `hv-server --no-supervise`, started again the moment it died: the best a
//                         service manager can do when nothing holds the port
//   own port, 2 s         the same, started again 2 s later (the systemd unit's RestartSec=2 without
//                         hv-server.socket, WinSW's first restart delay)
//   supervised            `hv-server` as installed: its supervising process holds the port and starts
//                         a new server worker
//   systemd socket, 2 s   the port held as hv-server.socket holds it, the server started again 2 s later
// and how soon after the process starts the port accepts, with and without the supervisor.
//
//   npm run bench:restart [-- --rounds N] [-- --load K]
// K CPU-busy processes run beside it (--load 2 on a 2-core machine: the stress the tests must pass).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdListeningSocket, type HeldSocket } from './held-socket.js';
import { OnlineLikeClient, PortProbe } from './online-like-client.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const argValue = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const rounds = argValue('--rounds', 5);
const load = argValue('--load', 0);
/** Online's client gives up if its one reconnect fails; past this a round counts as lost whatever happens. */
const SERVED_WITHIN_MS = 60_000;

interface Server {
  process: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function watch(child: ChildProcess): Server {
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { process: child, output: () => output, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(predicate: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) return false;
    await sleep(2);
  }
  return true;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

const serverArgs = (port: number, dataDir: string) => ['--sim', '--tcp-port', String(port), '--http-port', '0', '--data-dir', dataDir, '--time-scale', '10', '--log-level', 'info'];
const hvServer = (args: string[]) => spawn(process.execPath, [join(root, 'bin/hv-server.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
const readyPids = (output: string) => [...output.matchAll(/ready: TCP .*"server_pid":(\d+)/g)].map((m) => Number(m[1]));

interface Way {
  name: string;
  /** Starts the server; resolves once it is ready. */
  start(port: number, dataDir: string): Promise<Server>;
  /** Kills the server as a crash would; resolves with what then serves (the same supervisor, or a new process). */
  crash(server: Server, port: number, dataDir: string): Promise<Server>;
}

async function ready(server: Server, count = 1): Promise<Server> {
  if (!(await until(() => readyPids(server.output()).length >= count, SERVED_WITHIN_MS))) throw new Error(`server not ready:\n${server.output().slice(-3000)}`);
  return server;
}

function ownPort(name: string, restartAfterMs: number): Way {
  return {
    name,
    start: (port, dataDir) => ready(watch(hvServer([...serverArgs(port, dataDir), '--no-supervise']))),
    crash: async (server, port, dataDir) => {
      server.process.kill('SIGKILL');
      await server.exited;
      if (restartAfterMs > 0) await sleep(restartAfterMs);
      return watch(hvServer([...serverArgs(port, dataDir), '--no-supervise']));
    },
  };
}

const supervised: Way = {
  name: 'supervised',
  start: (port, dataDir) => ready(watch(hvServer(serverArgs(port, dataDir)))),
  crash: async (server) => {
    process.kill(readyPids(server.output()).at(-1)!, 'SIGKILL');
    return server;
  },
};

function systemdSocket(held: HeldSocket, restartAfterMs: number): Way {
  const start = (dataDir: string) =>
    watch(held.start([process.execPath, join(root, 'bin/hv-server.js'), ...serverArgs(0, dataDir)], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }));
  return {
    name: `systemd socket, ${restartAfterMs / 1000} s`,
    start: (_, dataDir) => ready(start(dataDir)),
    crash: async (server, _, dataDir) => {
      server.process.kill('SIGKILL');
      await server.exited;
      await sleep(restartAfterMs);
      return start(dataDir);
    },
  };
}

interface Round {
  refused: number;
  downtimeMs: number;
  served: boolean;
  /** From the crash to the first reading on the reconnected connection. */
  servedAfterMs: number | null;
}

async function round(way: Way, port: number): Promise<Round> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-downtime-'));
  const server = await way.start(port, dataDir);
  const online = new OnlineLikeClient(port);
  online.connect();
  await until(() => online.readings(0, 1).length >= 2, SERVED_WITHIN_MS);
  const probe = new PortProbe(port, 2);
  const crashedAt = Date.now();
  const next = await way.crash(server, port, dataDir);
  const served = await until(() => online.gaveUp || online.readings(1, 1).length > 0, SERVED_WITHIN_MS);
  const servedAt = Date.now();
  // The port's downtime lasts until the next server listens, whether or not Online was still there to see it.
  await ready(next, next === server ? 2 : 1);
  const probed = await probe.stop();
  online.close();
  next.process.kill('SIGTERM');
  await next.exited;
  if (next !== server) server.process.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  const ok = served && !online.gaveUp;
  return { refused: probed.refused, downtimeMs: probed.downtimeMs, served: ok, servedAfterMs: ok ? servedAt - crashedAt : null };
}

/** Real ms from spawn until the port accepts a connection. */
async function startToPort(args: string[]): Promise<number> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-downtime-'));
  const spawnedAt = performance.now();
  const server = watch(hvServer([...serverArgs(port, dataDir), ...args]));
  let ms = -1;
  while (ms < 0) {
    const accepted = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (accepted) ms = performance.now() - spawnedAt;
    else await sleep(1);
  }
  await ready(server);
  server.process.kill('SIGTERM');
  await server.exited;
  rmSync(dataDir, { recursive: true, force: true });
  return Math.round(ms);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

async function main(): Promise<void> {
  const busy = Array.from({ length: load }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  const held = await holdListeningSocket();
  try {
    const lines: string[] = [];
    for (const way of [ownPort('own port, at once', 0), ownPort('own port, 2 s', 2000), supervised, systemdSocket(held, 2000)]) {
      const port = way.name.startsWith('systemd') ? held.port : await freePort();
      const results: Round[] = [];
      for (let i = 0; i < rounds; i++) results.push(await round(way, port));
      const servedAfter = results.flatMap((r) => (r.servedAfterMs === null ? [] : [r.servedAfterMs]));
      lines.push(
        `  ${way.name.padEnd(22)} refused ${results.map((r) => r.refused).join('/').padEnd(22)} down median ${String(median(results.map((r) => r.downtimeMs))).padStart(5)} ms, max ${String(Math.max(...results.map((r) => r.downtimeMs))).padStart(5)} ms;` +
          ` reconnect served ${servedAfter.length} of ${results.length}` +
          (servedAfter.length ? `, first reading ${median(servedAfter)} ms (max ${Math.max(...servedAfter)}) after the crash` : ''),
      );
      process.stdout.write(lines.at(-1)! + '\n');
    }
    const own = [];
    const sup = [];
    for (let i = 0; i < rounds; i++) {
      own.push(await startToPort(['--no-supervise']));
      sup.push(await startToPort([]));
    }
    process.stdout.write(`  port accepts after start: --no-supervise median ${median(own)} ms (${own.join(', ')}); supervised median ${median(sup)} ms (${sup.join(', ')})\n`);
    process.stdout.write(`(${rounds} rounds, --time-scale 10, ${load} busy processes beside it, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} at the end, Node ${process.version})\n`);
  } finally {
    held.close();
    for (const b of busy) b.kill('SIGKILL');
  }
}

void main();
