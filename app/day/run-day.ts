// A simulated day of the whole rack as fast as the machine allows: the real server (actors,
// drivers, the simulated instruments in-process, the TSV readings log, the JSON log) on a
// discrete-event clock, with Online-like commands sent by an in-process client one after the
// other, a slot each. It counts the readings each voltmeter should have given, those published
// and those logged, the answers by status, and the wall time; and a digest of the readings log,
// which is the same for the same seed, date and schedule.

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, ServerConfig } from '../../schemas/types.js';
import { DiscreteEventClock } from '../../src/kit/clock/discrete-event-clock.js';
import { isSimulated, rackResources } from '../../src/hv/config/check-resources.js';
import { loadConfig } from '../../src/hv/config/load-config.js';
import type { ClientLink } from '../../src/kit/connectors/client-hub.js';
import type { OutgoingMessage } from '../../src/kit/connectors/outgoing-message.js';
import { MEASUREMENT_MS } from '../../src/hv/instruments/agilent-34401a.js';
import { createLogger } from '../../src/kit/log/logger.js';
import { startServer } from '../start-server.js';
import { onlineDay } from './day-schedule.js';
import { countActors, countAllocations, perReading, type ReadingCost } from './reading-cost.js';

export interface DayOptions {
  /** The simulated day, `YYYY-MM-DD` (local midnight); 2026-03-02 when left out. */
  date?: string;
  seed?: number;
  /** Simulated hours (24). */
  hours?: number;
  /** Commands to send, one per slot (an Online-like day when left out). */
  commands?: Command[];
  /** How many commands the Online-like day has (`hours` × 6: one every 10 minutes). */
  commandCount?: number;
  /** A server config file; the built-in simulated rack when left out. */
  config?: string;
  /** Where the TSV and JSON logs go; a temporary directory removed afterwards when left out. */
  dataDir?: string;
  /** Level of the JSON log file in the data directory ('info'). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Told how far the day has come, now and then (simulated ms, wall ms). */
  progress?: (simulatedMs: number, wallMs: number) => void;
  /** Count what one reading costs (actor events, snapshots, timers, allocations: see reading-cost.ts); slows the day down. */
  count?: boolean;
}

export interface SeriesFigures {
  series: string;
  voltmeter: string;
  expected: number;
  published: number;
  logged: number;
}

export interface DayReport {
  date: string;
  seed: number;
  simulatedMs: number;
  wallMs: number;
  /** Wall time of the server's start, of the day itself and of the stop. */
  phasesMs: { start: number; run: number; stop: number };
  series: SeriesFigures[];
  totals: { expected: number; published: number; logged: number };
  /** One reading per measurement cycle, all day: what the voltmeters would give without a resync. */
  cycles: number;
  commands: number;
  /** `set_voltage ok`, `set_voltage_and_check timeout`, `error 6`, … */
  answers: Record<string, number>;
  /** Commands still unanswered at the end of the day. */
  unanswered: number;
  timersFired: number;
  /** sha256 of every row logged in the day, series by series. */
  digest: string;
  dataDir: string | null;
  /** What one reading cost, when the day was counted. */
  cost?: ReadingCost;
}

const DEFAULT_DATE = '2026-03-02';
/** Seeds of the simulated instruments move by this much per seed of the day, so seed 1 is the rack's own. */
const SEED_STRIDE = 7919;

/** Local midnight of `YYYY-MM-DD`, ms. */
export function localMidnight(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const at = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() : NaN;
  if (!m || !Number.isFinite(at) || new Date(at).getDate() !== Number(m[3])) throw new Error(`date "${date}" is not a calendar day; expected YYYY-MM-DD`);
  return at;
}

/** Every simulated instrument's seed moved by the day's seed (seed 1 leaves the rack as configured). */
function seedRack(config: ServerConfig, seed: number): void {
  const shift = (base: number) => base + SEED_STRIDE * (seed - 1);
  for (const meter of config.voltmeters) {
    const sim = meter.simulation as { seed?: number } | undefined;
    if (sim) sim.seed = shift(sim.seed ?? 1);
  }
  for (const block of config.blocks) {
    const sim = block.simulation as { seed?: number } | undefined;
    if (sim) sim.seed = shift(sim.seed ?? block.id);
  }
}

/** Rows of every series logged before `end`, with a digest of them. */
function loggedBefore(dataDir: string, series: readonly string[], end: number): { counts: Map<string, number>; digest: string } {
  const hash = createHash('sha256');
  const counts = new Map<string, number>();
  for (const name of series) {
    let n = 0;
    const dir = join(dataDir, name);
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^\d\d-\d\d-\d\d(-virtual)?\.tsv$/.test(f)).sort() : [];
    for (const file of files) {
      const [yy, mm, dd] = file.slice(0, 8).split('-').map(Number) as [number, number, number];
      const midnight = new Date(2000 + yy, mm - 1, dd).getTime();
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        const row = /^(\d\d):(\d\d):(\d\d\.\d{6})\t(\S+)$/.exec(line);
        if (!row) continue;
        const at = midnight + ((Number(row[1]) * 60 + Number(row[2])) * 60 + Number(row[3])) * 1000;
        if (at > end) continue;
        n++;
        hash.update(`${name}\t${file}\t${line}\n`);
      }
    }
    counts.set(name, n);
  }
  return { counts, digest: hash.digest('hex') };
}

export async function runDay(options: DayOptions = {}): Promise<DayReport> {
  const wallStart = performance.now();
  const date = options.date ?? DEFAULT_DATE;
  const seed = options.seed ?? 1;
  const hours = options.hours ?? 24;
  const start = localMidnight(date);
  const end = start + hours * 3_600_000;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'hv-sim-day-'));
  const config = loadConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir, ...(options.config ? { config: options.config } : {}) });
  // The day is simulated whatever the file says: no real instrument, no sync to another machine.
  const real = rackResources(config).filter((r) => !isSimulated(r));
  if (real.length > 0) {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`the config names real instruments (${real.join(', ')}); a simulated day needs sim:: resources only`);
  }
  config.sim = true;
  config.readings_log.sync_command = null as unknown as typeof config.readings_log.sync_command;
  seedRack(config, seed);
  const commands =
    options.commands ??
    onlineDay(
      options.commandCount ?? Math.round(hours * 6),
      seed,
      config.blocks.map((b) => ({ id: b.id, min: b.min_volts, max: b.max_volts })),
    );

  const clock = new DiscreteEventClock(start);
  const level = options.logLevel ?? 'info';
  const logs = await createLogger({
    consoleLevel: 'silent',
    fileLevel: level,
    ...(level === 'silent' ? {} : { file: join(dataDir, 'hv-server') }),
    pretty: false,
    now: () => clock.now(),
  });
  const server = await clock.hold(startServer({ config, clock, log: logs.logger, logFile: logs.file }));

  // Readings counted by when their integration ended, up to the end of the day: read out of each
  // simulated voltmeter (a measurement abandoned to line the readings up with a setpoint change is
  // never read out), published by the server (the one action that
  // logs a reading also sends it to every client), and found in the TSV files.
  const taken = new Map<string, number>();
  for (const meter of config.voltmeters) {
    if (!server.rack?.simulates(meter.id)) continue;
    server.rack.voltmeter(meter.id).onReadOut = (at) => {
      if (at <= end) taken.set(meter.series, (taken.get(meter.series) ?? 0) + 1);
    };
  }
  const published = new Map<string, number>();
  const log = server.readingsLog;
  const append = log.append.bind(log);
  log.append = (series, at, volts) => {
    if (at <= end) published.set(series, (published.get(series) ?? 0) + 1);
    return append(series, at, volts);
  };
  const answers: Record<string, number> = {};
  let waiting: ((message: Record<string, unknown>) => void) | null = null;
  const client: ClientLink = {
    id: 'hv-sim-day',
    connector: 'sim',
    remote: 'in-process',
    observer: false,
    send(message: OutgoingMessage) {
      const meta = message.meta;
      if (meta.type === 'answer' && meta.answer_type === 'get_voltage') return; // a reading to every client
      const key = meta.type === 'reply' ? `error ${String(meta.error_code)}` : `${String(meta.answer_type)} ${String(meta.status)}`;
      answers[key] = (answers[key] ?? 0) + 1;
      const answered = waiting;
      waiting = null;
      answered?.(meta);
    },
    end() {},
    closed: new Promise<void>(() => {}),
  };
  server.hub.add(client);
  let broadcasts = 0;
  if (options.count) {
    const broadcast = server.hub.broadcast.bind(server.hub);
    server.hub.broadcast = (message) => {
      broadcasts++;
      broadcast(message);
    };
  }
  const counting = options.count
    ? { actors: countActors(server.supervisor.system), heap: countAllocations(), timersSet: clock.figures.set, timersFired: clock.figures.fired, logLines: (logs.flush(), logLinesIn(dataDir)) }
    : null;
  const startedMs = performance.now() - wallStart;

  // One command per slot, each sent once the one before is answered (as Online does).
  let sent = 0;
  let unanswered = 0;
  const slotMs = (end - start) / Math.max(1, commands.length);
  const driver = (async () => {
    for (let k = 0; k < commands.length; k++) {
      const at = start + k * slotMs + slotMs / 2;
      if (at >= end) break;
      if (at > clock.now()) await clock.sleep(at - clock.now());
      const answer = new Promise<Record<string, unknown>>((resolve) => (waiting = resolve));
      sent++;
      unanswered++;
      server.supervisor.send({ type: 'COMMAND', command: commands[k]!, origin: { connector: 'sim', client: client.id } });
      await answer;
      unanswered--;
    }
  })();
  driver.catch(() => {});

  const step = 3_600_000;
  for (let t = start + step; ; t += step) {
    await clock.runUntil(Math.min(t, end));
    options.progress?.(clock.now() - start, performance.now() - wallStart);
    if (t >= end) break;
  }
  // A reading whose integration ended by midnight is read out a few seconds later.
  await clock.advance(2 * MEASUREMENT_MS);
  const timersFired = clock.figures.fired;
  const counted = counting && { actors: counting.actors.stop(), heapBytes: counting.heap.stop(), logLines: (logs.flush(), logLinesIn(dataDir)) - counting.logLines };
  const runMs = performance.now() - wallStart - startedMs;
  // Stopping closes sockets and files, real I/O the clock cannot see: time moves in small steps
  // with a real pause between them, as on a manual clock.
  let stopped = false;
  const stopping = server.stop('the simulated day is over').finally(() => (stopped = true));
  for (let i = 0; i < 20_000 && !stopped; i++) {
    await clock.advance(100);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await stopping;
  const stopMs = performance.now() - wallStart - startedMs - runMs;
  logs.flush();

  const seriesNames = config.voltmeters.map((m) => m.series);
  const logged = loggedBefore(dataDir, seriesNames, end);
  const series = config.voltmeters.map(
    (m): SeriesFigures => ({
      series: m.series,
      voltmeter: m.id,
      expected: taken.get(m.series) ?? 0,
      published: published.get(m.series) ?? 0,
      logged: logged.counts.get(m.series) ?? 0,
    }),
  );
  const totals = {
    expected: series.reduce((s, x) => s + x.expected, 0),
    published: series.reduce((s, x) => s + x.published, 0),
    logged: series.reduce((s, x) => s + x.logged, 0),
  };
  let cost: ReadingCost | undefined;
  if (counting && counted) {
    const n = totals.published;
    cost = {
      readings: n,
      events: perReading(counted.actors.events, n),
      snapshots: perReading(counted.actors.snapshots, n),
      actorsStarted: perReading(counted.actors.started, n),
      timersSet: (clock.figures.set - counting.timersSet) / n,
      timersFired: (timersFired - counting.timersFired) / n,
      broadcasts: broadcasts / n,
      logLines: counted.logLines / n,
      heapBytes: counted.heapBytes / n,
    };
  }
  if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  return {
    date,
    seed,
    simulatedMs: end - start,
    wallMs: performance.now() - wallStart,
    phasesMs: { start: startedMs, run: runMs, stop: stopMs },
    series,
    totals,
    cycles: Math.floor((end - start) / MEASUREMENT_MS) * series.length,
    commands: sent,
    answers,
    unanswered,
    timersFired,
    digest: logged.digest,
    dataDir: ownDir ? null : dataDir,
    ...(cost ? { cost } : {}),
  };
}

/** Lines in the JSON log files of a data directory (as far as they are written now). */
function logLinesIn(dataDir: string): number {
  let n = 0;
  for (const f of readdirSync(dataDir)) {
    if (!/^hv-server.*\.log$/.test(f)) continue;
    const text = readFileSync(join(dataDir, f), 'utf8');
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  }
  return n;
}

/** The report as the CLI and the bench print it. */
export function formatDay(r: DayReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [
    `Simulated day ${r.date}, seed ${r.seed}: ${(r.simulatedMs / 3_600_000).toFixed(1)} h of the rack in ${(r.wallMs / 1000).toFixed(2)} s of wall time (×${n(Math.round(r.simulatedMs / r.wallMs))}, ${n(r.timersFired)} timers; start ${(r.phasesMs.start / 1000).toFixed(2)} s, day ${(r.phasesMs.run / 1000).toFixed(2)} s, stop ${(r.phasesMs.stop / 1000).toFixed(2)} s)`,
    `readings expected / published / logged: ${n(r.totals.expected)} / ${n(r.totals.published)} / ${n(r.totals.logged)} (expected: read out of the simulated voltmeters; ${n(r.cycles)} measurement cycles in the day)`,
    ...r.series.map((s) => `  ${s.series.padEnd(5)} (${s.voltmeter}): ${n(s.expected)} / ${n(s.published)} / ${n(s.logged)}`),
    `commands: ${r.commands}, answers: ${Object.entries(r.answers)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; unanswered ${r.unanswered}`,
    `readings log digest (sha256): ${r.digest}`,
  ];
  if (r.dataDir) lines.push(`data directory: ${r.dataDir}`);
  return lines.join('\n');
}
