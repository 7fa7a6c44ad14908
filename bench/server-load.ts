// Benchmark: the server process under load. Prints how fast it starts (Online's port, ready) beside a
// bare node opening a port (interleaved runs) and the files it opens before Online's port is bound;
// its memory (RSS) idle at 5 s and 60 s, with 1000 TCP clients, 60 s after 1000 TCP and 1000 websocket
// clients left, after a flood of garbage and after rounds of clients that never read; the error
// round trip over 10,000 requests (first request included) beside that of a reply-only floor server
// in the same run (the two take turns, request by request), and the set_voltage round trip. Beside
// the server's memory: its supervising process's, and, measured in the same run, a bare node's
// and a node with an HTTP server's at 5 s (process-memory.ts), with the server's as a ratio to them.
// Usage: npm run bench:load [-- --json FILE] [-- --quick (no 60 s waits)] [-- --only start (the start
// figures alone, in a minute or less)] [-- --start-runs N (starts of each, default 7, 5 with --quick)]
// [-- --round-trip (the error round trip alone: seconds, not minutes) [-- --rounds N (N rounds of the
// round trip against the same server, each on fresh connections: the least, median and most p99 ratio)]]
// [-- --idle (the idle figure at 5 s only, about 10 s)] [-- --time-scale K (the simulated rack's
// speed, default 20; 1 is the real rack's rate, one reading per block every 4 s)]

import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HvConnection, setVoltageCommand } from '../src/hv/client/hv-connection.js';
import { machineLine, processMemory, referenceMemory } from './process-memory.js';
import { encodeEnvelope } from '../src/kit/protocol/envelope-encoder.js';
import { errorRoundTrips, percentile, startFloor, summarize, type RoundTrips } from './error-round-trips.js';
import { firstAccept, startFigures } from './start-figures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS once the process has had a moment to settle: the mean of five samples, MiB. */
async function settledRss(pid: number): Promise<number> {
  await sleep(1500);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(processMemory(pid).rss);
    await sleep(100);
  }
  return Math.round((samples.reduce((a, b) => a + b, 0) / samples.length) * 10) / 10;
}

/**
 * RSS sampled every 250 ms for `ms`: median, least and most, MiB. At ×20 the simulated rack keeps
 * V8's old generation filling with garbage between full collections, so the RSS climbs several MiB
 * and drops at each: one sample says more about where in that cycle it fell than about what the
 * server keeps, and a window spanning a cycle or more compares like with like.
 */
async function rssWindow(pid: number, ms: number): Promise<{ median: number; least: number; most: number }> {
  const samples: number[] = [];
  for (const end = performance.now() + ms; performance.now() < end; await sleep(250)) samples.push(processMemory(pid).rss);
  samples.sort((a, b) => a - b);
  return { median: percentile(samples, 50), least: samples[0]!, most: samples.at(-1)! };
}

/** The TCP port from the server's `ready:` line (it listens on port 0, so the system picks one). */
async function readyPort(output: () => string): Promise<number> {
  for (let i = 0; i < 3000; i++) {
    const ready = /ready: TCP [\d.]+:(\d+), HTTP/.exec(output());
    if (ready) return Number(ready[1]);
    await sleep(5);
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

/** `count` websocket clients at once on /channel: resolves with the clients and when the last opened, ms. */
async function websocketBurst(httpPort: number, count: number): Promise<{ sockets: WebSocket[]; lastOpenMs: number }> {
  const start = performance.now();
  const sockets = Array.from({ length: count }, () => new WebSocket(`ws://127.0.0.1:${httpPort}/channel`));
  await Promise.all(sockets.map((ws) => new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  })));
  return { sockets, lastOpenMs: Math.round(performance.now() - start) };
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
  writeFileSync(
    config,
    'sim: true\nlimits:\n  tcp: { max_connections: 1100, max_per_address: 1100 }\n  http: { max_connections: 1200, max_per_address: 1200 }\n  websocket: { max_clients: 1100, max_per_address: 1100 }\n',
  );
  const quick = process.argv.includes('--quick');
  const roundTripOnly = process.argv.includes('--round-trip');
  const roundsAt = process.argv.indexOf('--rounds');
  const rounds = roundsAt > 0 ? Math.max(1, Number(process.argv[roundsAt + 1]) || 1) : 1;
  const onlyAt = process.argv.indexOf('--only');
  const onlyStart = onlyAt > 0 && process.argv[onlyAt + 1] === 'start';
  const runsAt = process.argv.indexOf('--start-runs');
  const startRuns = runsAt > 0 ? Number(process.argv[runsAt + 1]) : quick ? 5 : 7;
  const idleOnly = process.argv.includes('--idle');
  const scaleAt = process.argv.indexOf('--time-scale');
  const timeScale = scaleAt > 0 ? String(Number(process.argv[scaleAt + 1])) : '20';
  if (!(Number(timeScale) > 0)) throw new Error(`--time-scale is ${process.argv[scaleAt + 1]}; expected a positive number`);
  const machine = machineLine();
  // Fixed ports, so Online's port can be probed from the first moment.
  const tcpPort = 17_500 + (process.pid % 200) * 2;
  const httpPort = tcpPort + 1;
  const serverArgs = (tcp: number, http: number) => [
    join(root, 'bin/hv-server.js'), '--config', config, '--tcp-port', String(tcp), '--http-port', String(http), '--data-dir', dataDir, '--time-scale', timeScale,
  ];
  const report: Record<string, number> = { time_scale: Number(timeScale) };
  if (!roundTripOnly && !idleOnly) {
    // Start figures first, on ports of their own (a block of 2 × (runs + 3) above 21000).
    const start = await startFigures({ runs: startRuns, root, basePort: 21_000 + (process.pid % 100) * 40, serverArgs });
    process.stdout.write(`hv-server start (simulated rack, --time-scale ${timeScale}) on ${machine}\n${start.lines.join('\n')}\n`);
    if (onlyStart) {
      rmSync(dataDir, { recursive: true, force: true });
      if (jsonOut) writeFileSync(jsonOut, JSON.stringify(start.report, null, 2) + '\n');
      return;
    }
    Object.assign(report, start.report);
  }
  // The references alone on the machine first, so that they do not slow the server's start; with
  // --idle, beside the server's first 5 s (its start times are then measured beside them).
  const referencesBeside = idleOnly ? referenceMemory(5000) : null;
  const referencesAlone = referencesBeside ? null : await referenceMemory(5000);
  // The reference, started before the server so that its start takes nothing from the server's.
  const floor = await startFloor();
  const spawnedAt = performance.now();
  const server = spawn(process.execPath, serverArgs(tcpPort, httpPort), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let readyAt = 0;
  // Keep only the start of the output: enough for the ready line, bounded however much is logged.
  const keep = (d: Buffer) => {
    if (out.length < 100_000) out += d.toString();
    if (!readyAt && /ready: TCP/.test(out)) readyAt = performance.now();
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  // This start's own times are one more sample, printed beside the runs above.
  report.load_run_start_to_online_port_ms = Math.round(await firstAccept(tcpPort, spawnedAt));
  const port = await readyPort(() => out);
  report.load_run_start_to_ready_ms = Math.round(readyAt - spawnedAt);
  // The server's own process: hv-server runs it in a worker under its supervising process.
  const pid = Number(/"server_pid":(\d+)/.exec(out)?.[1] ?? server.pid);

  await sleep(Math.max(0, 5000 - (performance.now() - spawnedAt)));
  const idle = processMemory(pid);
  report.rss_idle_5s_mib = idle.rss;
  report.rss_idle_5s_anon_mib = idle.anon;
  report.rss_idle_5s_file_mib = idle.file;
  if (pid !== server.pid) report.supervisor_rss_5s_mib = processMemory(server.pid!).rss;
  const references = referencesAlone ?? (await referencesBeside)!;
  for (const [name, memory] of Object.entries(references)) {
    report[`reference_${name}_rss_5s_mib`] = memory.rss;
    report[`rss_idle_5s_per_${name}`] = Math.round((idle.rss / memory.rss) * 100) / 100;
  }
  if (idleOnly) {
    await floor.stop();
    await stop(server, dataDir);
    print(report, jsonOut, machine);
    return;
  }

  const [errorTimes, floorTimes] = await errorRoundTrips([port, floor.port], 10_000);
  const errors = summarize(errorTimes!);
  report.error_round_trip_first_ms = Math.round(errors.times[0]! * 100) / 100;
  roundTripFigures(report, 'error_round_trip', errors, summarize(floorTimes!));
  if (roundTripOnly) {
    // On a shared machine one round's tail says more about the neighbours than about the server.
    const ratios = [errors.p99 / summarize(floorTimes!).p99];
    for (let round = 2; round <= rounds; round++) {
      const [server99, floor99] = (await errorRoundTrips([port, floor.port], 10_000)).map((times) => summarize(times).p99);
      ratios.push(server99! / floor99!);
    }
    if (rounds > 1) {
      ratios.sort((a, b) => a - b);
      report.rounds = rounds;
      report.error_round_trip_p99_to_floor_least = Math.round(ratios[0]! * 100) / 100;
      report.error_round_trip_p99_to_floor_median = Math.round(percentile(ratios, 50) * 100) / 100;
      report.error_round_trip_p99_to_floor_most = Math.round(ratios.at(-1)! * 100) / 100;
    }
    await floor.stop();
    await stop(server, dataDir);
    print(report, jsonOut, machine);
    return;
  }
  await floor.stop();

  if (!quick) await sleep(Math.max(0, 60_000 - (performance.now() - spawnedAt)));
  report.rss_idle_mib = await settledRss(pid);
  const windowMs = quick ? 5000 : 20_000;
  const idleWindow = await rssWindow(pid, windowMs);
  report.rss_idle_window_s = windowMs / 1000;
  report.rss_idle_window_median_mib = idleWindow.median;
  report.rss_idle_window_least_mib = idleWindow.least;
  report.rss_idle_window_most_mib = idleWindow.most;

  const online = await HvConnection.open('127.0.0.1', port);

  const trips = await roundTrips(online, 500);
  report.set_voltage_round_trip_median_ms = Math.round(percentile(trips, 50) * 100) / 100;
  report.set_voltage_round_trip_p95_ms = Math.round(percentile(trips, 95) * 100) / 100;

  const clients = await Promise.all(Array.from({ length: 1000 }, () => HvConnection.open('127.0.0.1', port, 20_000)));
  const connected = Date.now();
  await Promise.all(clients.map((c) => c.next((m) => m.answer_type === 'get_voltage', 30_000)));
  report.first_reading_at_all_1000_clients_ms = Date.now() - connected;
  report.rss_1000_clients_mib = await settledRss(pid);
  const burst = await websocketBurst(httpPort, 1000);
  report.websocket_burst_1000_last_open_ms = burst.lastOpenMs;
  report.rss_1000_tcp_1000_ws_clients_mib = await settledRss(pid);
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(burst.sockets.map((ws) => new Promise((r) => (ws.once('close', r), ws.close()))));
  if (!quick) await sleep(60_000);
  report.rss_60s_after_2000_clients_left_mib = await settledRss(pid);
  report.rss_60s_after_2000_clients_left_above_idle_mib = Math.round((report.rss_60s_after_2000_clients_left_mib - report.rss_idle_mib) * 10) / 10;
  // The same window as at idle, from 60 s after they left.
  const leftWindow = await rssWindow(pid, windowMs);
  report.rss_after_2000_clients_left_window_median_mib = leftWindow.median;
  report.rss_after_2000_clients_left_window_least_mib = leftWindow.least;
  report.rss_after_2000_clients_left_window_most_mib = leftWindow.most;
  report.rss_after_2000_clients_left_window_median_above_idle_mib = Math.round((leftWindow.median - idleWindow.median) * 10) / 10;
  report.rss_after_2000_clients_left_window_least_above_idle_mib = Math.round((leftWindow.least - idleWindow.least) * 10) / 10;

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
  // Read before the stop: once the supervising process has exited, /proc holds nothing of it.
  if (pid !== server.pid) report.supervisor_rss_end_mib = processMemory(server.pid!).rss;
  await stop(server, dataDir);
  print(report, jsonOut, machine);
}

/** Median, p99 and max of `trips` as `<name>_median_ms` ..., the floor's, and each of the first as a ratio to the floor's. */
function roundTripFigures(report: Record<string, number>, name: string, trips: RoundTrips, floor: RoundTrips): void {
  const ms = (v: number) => Math.round(v * 1000) / 1000;
  const ratio = (v: number) => Math.round(v * 100) / 100;
  report[`${name}_median_ms`] = ms(trips.p50);
  report[`${name}_p99_ms`] = ms(trips.p99);
  report[`${name}_max_ms`] = ms(trips.max);
  report.floor_round_trip_first_ms = ms(floor.times[0]!);
  report.floor_round_trip_median_ms = ms(floor.p50);
  report.floor_round_trip_p99_ms = ms(floor.p99);
  report.floor_round_trip_max_ms = ms(floor.max);
  report[`${name}_median_to_floor`] = ratio(trips.p50 / floor.p50);
  report[`${name}_p99_to_floor`] = ratio(trips.p99 / floor.p99);
  report[`${name}_max_to_floor`] = ratio(trips.max / floor.max);
}

async function stop(server: ChildProcess, dataDir: string): Promise<void> {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}

function print(report: Record<string, number>, jsonOut: string | undefined, machine: string): void {
  const width = Math.max(...Object.keys(report).map((k) => k.length));
  process.stdout.write(`hv-server under load (simulated rack, --time-scale ${report.time_scale}) on ${machine}\n`);
  for (const [key, value] of Object.entries(report)) process.stdout.write(`  ${key.padEnd(width)}  ${value}\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(report, null, 2) + '\n');
}

void main();
