// What happened on main, replayed against the built server in its own process with an open-files
// limit of 1024: 1,500 slow HTTP connections (headers a byte a second, never finished) held open
// against it. Online still connects and gets every reading published meanwhile, every reading still
// reaches the TSV, and /api/status still answers. The web caps are configured far too high (5000), so
// it is the start-up budget that keeps the TCP connector's descriptors out of the web side's reach.
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HvConnection } from '../../src/hv/client/hv-connection.js';
import { openFilesLimit, raiseSoftLimit } from '../../src/kit/connectors/open-files.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { httpGet, openPlain, type PlainSocket } from '../helpers/plain-socket.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ATTACKERS = 1500;
/** Readings of block 1 the late client must get while the attack holds (one every ~0.4 s at time scale 10). */
const READINGS_UNDER_ATTACK = 6;

const dataDir = mkdtempSync(join(tmpdir(), 'hv-fd-'));
let server: ChildProcess | null = null;
let output = '';
const attack: PlainSocket[] = [];

afterAll(() => {
  for (const s of attack) s.socket.destroy();
  server?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Log lines (JSON, as pretty is off) printed so far. */
const lines = () =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown> & { msg: string });

// A bound on a line that never comes: the server is ready in about a second on a quiet machine, and took over 15 s in a
// stress round at load 20 on 2 cores.
function waitForLine(match: RegExp, ms = 40_000): Promise<Record<string, unknown> & { msg: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no log line matching ${match} within ${ms} ms:\n${output}`)), ms);
    const look = () => {
      const line = lines().find((l) => match.test(l.msg));
      if (!line) return;
      clearTimeout(timer);
      server!.stdout!.off('data', look);
      resolve(line);
    };
    server!.stdout!.on('data', look);
    look();
  });
}

const readings = (c: HvConnection, block: unknown = 1) => c.received.filter((m: Meta) => m.answer_type === 'get_voltage' && m.block === block);

function descriptorsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

describe('1,500 slow HTTP connections against a server limited to 1024 open files', () => {
  it('leave Online connecting and getting every reading, and /api/status answering', { timeout: 90_000 }, async ({ annotate }) => {
    expect(existsSync(join(root, 'dist/app/cli/hv-server.js')), 'npm test builds dist/ first').toBe(true);
    // This process holds the attack's sockets: it needs more than the server it attacks.
    const own = raiseSoftLimit(ATTACKERS + 500);
    expect(own?.soft ?? 0, `the test process needs an open-files limit of ${ATTACKERS + 500} (ulimit -n); it has ${own?.soft}`).toBeGreaterThanOrEqual(ATTACKERS + 500);

    const config = join(dataDir, 'config.yaml');
    // Timeouts long enough that none of the attack's connections is cut while the test looks: what
    // holds them back here is the cap alone.
    writeFileSync(
      config,
      'sim: true\nlog: { pretty: false }\nlimits:\n  http: { max_connections: 5000, max_per_address: 5000, headers_timeout_s: 60, request_timeout_s: 60, idle_timeout_s: 60 }\n',
    );
    server = spawn(
      'bash',
      ['-c', 'ulimit -n 1024 && exec "$@"', 'bash', process.execPath, 'dist/app/cli/hv-server.js', '--config', config, '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--time-scale', '10', '--log-level', 'info'],
      { cwd: root, env: { ...process.env, NO_COLOR: '1' } },
    );
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    const ready = await waitForLine(/^ready: /);
    const tcpPort = (ready.tcp as { port: number }).port;
    const httpPort = (ready.http as { port: number }).port;

    // The limit it runs under, and the web cap that fits beside Online's reserve.
    const budget = lines().find((l) => l.msg.startsWith('open files: '))!;
    expect(budget).toMatchObject({ open_files_soft: 1024, open_files_hard: 1024 });
    const httpCap = (budget.http as { maxConnections: number }).maxConnections;
    expect(httpCap).toBeLessThan(ATTACKERS);
    expect(lines().find((l) => l.code === 'CAP_LOWERED')!.msg).toMatch(/^limits\.http\.max_connections lowered from 5000 to \d+: the open-files limit is 1024; /);

    const before = await HvConnection.open('127.0.0.1', tcpPort);
    await before.next((m) => m.answer_type === 'get_voltage' && m.block === 1, 10_000);

    // The attack: connections opened 100 at a time, each sending a request line and then a header byte a second.
    const attackStarted = Date.now();
    const earlyBefore = readings(before).length;
    let attackClosed = 0;
    // Past the cap, each new one pushes out the one idle longest: the server keeps the newest httpCap.
    let pushedOut: () => void = () => {};
    const allPushedOut = new Promise<void>((resolve) => (pushedOut = resolve));
    for (let i = 0; i < ATTACKERS; i += 100) {
      const batch = await Promise.all(Array.from({ length: Math.min(100, ATTACKERS - i) }, () => openPlain(httpPort)));
      for (const s of batch) {
        s.socket.write('GET / HTTP/1.1\r\nHost: hv\r\nX-Slow: ');
        void s.closed.then(() => {
          if (++attackClosed === ATTACKERS - httpCap) pushedOut();
        });
        attack.push(s);
      }
    }
    const trickle = setInterval(() => {
      for (const s of attack) if (!s.socket.destroyed) s.socket.write('x');
    }, 1000);
    await allPushedOut;
    const attackHeldFrom = Date.now();
    const serverFds = descriptorsOf(server.pid!);
    expect(serverFds).toBeLessThan(1024);

    // Online connects during the attack, promptly. Real time: the connection is accepted by the
    // kernel into a listener the attack cannot reach, in a few ms; the bound is over 100 times that.
    const t0 = performance.now();
    const during = await HvConnection.open('127.0.0.1', tcpPort, 2000);
    const connectMs = performance.now() - t0;
    expect(connectMs).toBeLessThan(1000);
    // /api/status answers (it takes the place of the attack's connection idle longest).
    const t1 = performance.now();
    const status = await httpGet(httpPort, '/api/status');
    const statusMs = performance.now() - t1;
    expect(status.status, status.body + output.slice(-3000)).toBe(200);
    expect(status.body).toMatch(/"blocks"/);

    // The attack holds while readings are published.
    for (let n = 0; n < READINGS_UNDER_ATTACK; n++) await during.next((m) => m.answer_type === 'get_voltage' && m.block === 1, 10_000);
    const stillOpen = attack.filter((s) => !s.isClosed()).length;
    const heldMs = Date.now() - attackHeldFrom;
    const earlyDuring = readings(before).length - earlyBefore;
    clearInterval(trickle);
    expect(stillOpen).toBe(httpCap - 1);
    for (const s of attack) s.socket.destroy();

    // Every reading of every block the late client got is what the client there before the attack got, in order.
    for (const block of [1, 2, 'gun']) {
      const late = readings(during, block).map((m) => m.voltage);
      const early = readings(before, block).map((m) => m.voltage);
      expect(late.length, `block ${block}: readings to the late client`).toBeGreaterThan(0);
      // Readings repeat (a quiet output reads the same to the last digit), so try every place they could line up.
      const lineUp = (from: number) => late.slice(0, Math.min(late.length, early.length - from)).every((v, i) => v === early[from + i]);
      const from = early.findIndex((_, i) => i >= early.length - late.length - 2 && lineUp(i));
      expect(from, `block ${block}: the late client's readings ${late.join(' ')} are the last of the early one's ${early.join(' ')}`).toBeGreaterThanOrEqual(0);
    }
    const lateReadings = readings(during).length;

    // Stopped, the server has written every reading to the TSV: what Online got is all there.
    const exited = new Promise<number | null>((resolve) => server!.on('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    const tsv = readdirSync(join(dataDir, 'HV'))
      .sort()
      .flatMap((file) => readFileSync(join(dataDir, 'HV', file), 'utf8').trim().split('\n').slice(1))
      .map((row) => row.split('\t')[1]);
    const got = readings(before).map((m) => String(m.voltage));
    // Readings repeat to the last digit at a quiet output: look for the whole run, not its first value.
    const at = tsv.findIndex((_, i) => got.every((v, j) => tsv[i + j] === v));
    expect(at, `the early client's readings ${got.join(' ')} in the TSV ${tsv.join(' ')}`).toBeGreaterThanOrEqual(0);
    expect(output).not.toMatch(/EMFILE|reading not written/);

    await annotate(
      `open-files limit 1024 (hard 1024), ${budget.fds_in_use} in use at start; HTTP cap ${httpCap}; attack ${ATTACKERS} connections, ` +
        `${attackHeldFrom - attackStarted} ms to open, held ${heldMs} ms with ${stillOpen} open, server at ${serverFds} descriptors; ` +
        `Online connected in ${connectMs.toFixed(1)} ms, /api/status in ${statusMs.toFixed(1)} ms; block 1 readings published under attack ` +
        `(to the client there before it) ${earlyDuring}, received by the client that connected during it ${lateReadings}; ` +
        `all ${got.length} readings of the early client in the TSV`,
    );
  });
});
