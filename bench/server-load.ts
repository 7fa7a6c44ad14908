// Benchmark: the server process under load. Prints its memory (RSS) idle, with 1000 clients,
// after a flood of garbage and after rounds of clients that never read, and command round trips.
// Usage: npm run bench:load [-- --json FILE]

import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HvConnection, setVoltageCommand } from '../src/hv/client/hv-connection.js';
import { encodeEnvelope } from '../src/kit/protocol/envelope-encoder.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** RSS once the process has had a moment to settle: the mean of five samples, MiB. */
async function settledRss(pid: number): Promise<number> {
  await sleep(1500);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssMiB(pid));
    await sleep(100);
  }
  return Math.round((samples.reduce((a, b) => a + b, 0) / samples.length) * 10) / 10;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The TCP port from the server's `ready:` line (it listens on port 0, so the system picks one). */
async function readyPort(output: () => string): Promise<number> {
  for (let i = 0; i < 150; i++) {
    const ready = /ready: TCP [\d.]+:(\d+), HTTP/.exec(output());
    if (ready) return Number(ready[1]);
    await sleep(100);
  }
  throw new Error(`server did not start:\n${output()}`);
}

/** Sequential set_voltage commands on block 2; round trips in ms, sorted. */
async function roundTrips(online: HvConnection, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const answer = online.answer();
    online.send(setVoltageCommand(2, 100 + (i % 10)));
    await answer;
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

/** `connections` sockets each sending `bytesEach` of random bytes with no header marker; MiB/s. */
async function garbageFlood(port: number, connections: number, bytesEach: number): Promise<number> {
  const start = performance.now();
  const chunk = Buffer.from([...randomBytes(64 * 1024)].map((b) => (b === 0x23 ? 0 : b)));
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const socket = connect({ host: '127.0.0.1', port });
      await new Promise((r) => socket.once('connect', r));
      for (let sent = 0; sent < bytesEach; sent += chunk.length) {
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      }
      await new Promise<void>((r) => socket.end(() => r()));
    }),
  );
  return Math.round((connections * bytesEach) / 1024 / 1024 / ((performance.now() - start) / 1000));
}

/** `count` clients that flood bad commands without ever reading the replies; how many were dropped. */
async function slowClients(port: number, count: number): Promise<number> {
  const flood = Buffer.concat(Array.from({ length: 2000 }, () => encodeEnvelope({ type: 'nonsense' })));
  let dropped = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', () => {});
      await new Promise((r) => socket.once('connect', r));
      socket.pause();
      const closed = new Promise<void>((r) => socket.once('close', () => r()));
      for (let i = 0; i < 200 && !socket.destroyed; i++) {
        socket.write(flood);
        await sleep(5);
      }
      if (await Promise.race([closed.then(() => true), sleep(10_000).then(() => false)])) dropped++;
      socket.destroy();
    }),
  );
  return dropped;
}

async function main(): Promise<void> {
  const jsonAt = process.argv.indexOf('--json');
  const jsonOut = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-bench-'));
  // 1000 clients from one address: far more than Online's connector takes by default.
  const config = join(dataDir, 'bench.yaml');
  writeFileSync(config, 'sim: true\nlimits:\n  tcp: { max_connections: 1100, max_per_address: 1100 }\n');
  const server = spawn(
    process.execPath,
    [join(root, 'bin/hv-server.js'), '--config', config, '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--time-scale', '20'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  // Keep only the start of the output: enough for the ready line, bounded however much is logged.
  const keep = (d: Buffer) => {
    if (out.length < 100_000) out += d.toString();
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  const port = await readyPort(() => out);
  const pid = server.pid!;
  const report: Record<string, number> = {};

  report.rss_idle_mib = await settledRss(pid);

  const online = await HvConnection.open('127.0.0.1', port);
  const trips = await roundTrips(online, 500);
  report.set_voltage_round_trip_median_ms = Math.round(percentile(trips, 50) * 100) / 100;
  report.set_voltage_round_trip_p95_ms = Math.round(percentile(trips, 95) * 100) / 100;

  const clients = await Promise.all(Array.from({ length: 1000 }, () => HvConnection.open('127.0.0.1', port, 20_000)));
  const connected = Date.now();
  await Promise.all(clients.map((c) => c.next((m) => m.answer_type === 'get_voltage', 30_000)));
  report.first_reading_at_all_1000_clients_ms = Date.now() - connected;
  report.rss_1000_clients_mib = await settledRss(pid);
  await Promise.all(clients.map((c) => c.close()));
  report.rss_after_1000_clients_left_mib = await settledRss(pid);

  report.garbage_flood_mib = 128;
  report.garbage_flood_mib_per_s = await garbageFlood(port, 8, 16 * 1024 * 1024);
  report.rss_after_garbage_flood_mib = await settledRss(pid);

  // Three times, to show that memory stays bounded rather than growing with the amount sent.
  for (const round of [1, 2, 3]) {
    report[`slow_clients_dropped_of_20_round${round}`] = await slowClients(port, 20);
    report[`rss_after_slow_clients_round${round}_mib`] = await settledRss(pid);
  }

  const answer = online.answer();
  online.send(setVoltageCommand(2, 50));
  report.still_serving = (await answer).status === 'ok' ? 1 : 0;
  await online.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });

  const width = Math.max(...Object.keys(report).map((k) => k.length));
  process.stdout.write(`hv-server under load (simulated rack, --time-scale 20, Node ${process.version})\n`);
  for (const [key, value] of Object.entries(report)) process.stdout.write(`  ${key.padEnd(width)}  ${value}\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(report, null, 2) + '\n');
}

void main();
