// The soak's summary: figures per section, then one PASS/FAIL line per "must"; true when all pass.

import { writeFileSync } from 'node:fs';
import type { ServerFigures, SteadyCheck } from './soak-analysis.js';
import type { ConsoleCounts } from './soak-console.js';
import type { IncidentResults } from './soak-incidents.js';
import type { OnlineTally } from './soak-online.js';
import type { SoakOptions } from './soak-options.js';
import { addedTargets, type RssSample } from './soak-proc.js';
import { bytesUnder } from './soak-readings.js';
import type { ExitInfo } from './soak-server-process.js';
import type { CrashRecord, HealthCounts } from './soak-server.js';
import { ALL_SERIES, describeSeries } from './soak-series.js';
import { simHours } from './soak-time.js';
import type { WebTally } from './soak-web.js';

export interface ServerRun {
  index: number;
  /** Simulated ms of the soak when it started and when it stopped or crashed. */
  from: number;
  to: number;
  figures: ServerFigures;
  console: ConsoleCounts;
  rssStart: number | null;
  rssPeak: number;
  samples: RssSample[];
  dataDir: string;
}

export interface SoakRun {
  options: SoakOptions;
  skippedAtStart: string[];
  diskNote: string;
  simulatedMs: number;
  realSeconds: number;
  servers: ServerRun[];
  crashes: CrashRecord[];
  gaveUp: string | null;
  health: HealthCounts;
  steady: SteadyCheck[];
  /** Messages other than readings that reached each steady client. */
  steadyStrays: Record<string, number>;
  online: OnlineTally;
  web: WebTally;
  incidents: IncidentResults;
  passiveStalled: { dropped: boolean; droppedAt: number | null } | null;
  /** What the server's descriptors were open on, with the steady clients connected. */
  fdsAtStart: string[] | null;
  fdsAtEnd: string[] | null;
  rssAtEnd: number | null;
  stopped: ExitInfo | null;
  workDir: string;
}

/** Growth allowed over the soak: the V8 heap settles in tens of MiB; a leak of one buffer per client or reading does not. */
const RSS_GROWTH_LIMIT_MIB = 64;
const RSS_STALLED_SPREAD_MIB = 32;
/** Descriptors the server may hold at the end beyond those at the start (a rolled-over day file, a sync child). */
const FD_SLACK = 4;

const mib = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${x.toFixed(1)} MiB`);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function table(rows: (string | number)[][], indent = '  '): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => indent + r.map((c, i) => (typeof c === 'number' || i > 0 ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join('  ').trimEnd());
}

export function printReport(run: SoakRun, say: (line: string) => void): boolean {
  const { options } = run;
  const musts: [boolean, string][] = [];
  const must = (ok: boolean, what: string) => musts.push([ok, what]);

  say('');
  say(`Simulated ${simHours(run.simulatedMs)} of ${options.hours} h asked, at --time-scale ${options.timeScale}, in ${run.realSeconds.toFixed(0)} s of real time (Node ${process.version}, seed ${options.seed}).`);
  if (run.skippedAtStart.length) say(`Skipped: ${run.skippedAtStart.join(', ')}.`);
  say(`Disk: ${run.diskNote}.`);
  const stop = run.stopped ? (run.stopped.signal ? `signal ${run.stopped.signal}` : `exit code ${run.stopped.code}`) : 'not running at the end';
  say(`Servers: ${run.servers.length} started, ${run.crashes.length} crash${run.crashes.length === 1 ? '' : 'es'}${run.gaveUp ? ` (${run.gaveUp})` : ''}; the last stopped by SIGTERM: ${stop}.`);
  for (const c of run.crashes) say(`  crash: server ${c.instance} at ${simHours(c.at)}, ${c.exit}, during ${c.during.join(', ') || 'no incident'}: ${c.reason.slice(0, 400)}`);

  // Readings: what the server published, from its own files plus what it said it could not write.
  for (const server of run.servers) {
    say('');
    const hours = (server.to - server.from) / 3_600_000;
    say(`Readings of server ${server.index}, ${simHours(server.from)} to ${simHours(server.to)} (published = logged + torn + reported unwritten):`);
    const rows: (string | number)[][] = [['series', 'published', 'logged', 'torn', 'unwritten', 'per sim hour']];
    for (const [series, f] of Object.entries(server.figures.series)) rows.push([describeSeries(series), f.published, f.logged, f.torn, f.unwritten, hours > 0 ? Math.round(f.published / hours) : 0]);
    // The voltmeters' readings; the setpoint and tolerance logs beside them grow only with commands.
    const all = Object.entries(server.figures.series).filter(([series]) => ALL_SERIES.includes(series)).map(([, f]) => f);
    rows.push(['all readings', sum(all.map((f) => f.published)), sum(all.map((f) => f.logged)), sum(all.map((f) => f.torn)), sum(all.map((f) => f.unwritten)), '']);
    for (const line of table(rows)) say(line);
  }
  say('  (one reading every 4.02 s would be 896 per simulated hour per voltmeter)');

  // Steady clients.
  say('');
  say('Steady clients: readings received vs published while connected. A client’s first reading is the first');
  say('published after the server admitted it, its last the last before the server let it go (one ordered');
  say('connection), so "published while connected" = the logged rows from the match of its first reading to');
  say('the match of its last, plus readings in that span the server could not log.');
  const steadyRows: (string | number)[][] = [['client', 'server', 'series', 'received', 'published', 'missing', 'not logged', 'expected', 'rows before/after']];
  for (const c of run.steady) {
    steadyRows.push([c.client, c.server, describeSeries(c.series), c.alignment.received, c.published, c.alignment.missing, c.alignment.extra, c.unlogged, `${c.alignment.rowsBefore}/${c.alignment.rowsAfter}${c.alignment.anchored ? '' : ' (not found in the log)'}`]);
  }
  for (const line of table(steadyRows)) say(line);
  const deliveryOk = run.steady.every((c) => c.alignment.received === 0 || (c.alignment.anchored && c.alignment.missing === 0));
  const missing = sum(run.steady.map((c) => c.alignment.missing));
  must(deliveryOk && run.steady.length > 0, `steady clients received every reading published while they were connected (${sum(run.steady.map((c) => c.alignment.received))} received, ${missing} missing)`);
  // Per connection, as a server that keeps readings in memory reports those it drops without their series.
  const perSegment = new Map<string, { extra: number; unlogged: number }>();
  for (const c of run.steady) {
    const key = `${c.client}@${c.server}@${c.from}`;
    const t = perSegment.get(key) ?? { extra: 0, unlogged: 0 };
    t.extra += c.alignment.extra;
    t.unlogged += c.unlogged;
    perSegment.set(key, t);
  }
  const loggingOk = [...perSegment.values()].every((t) => t.extra === t.unlogged);
  must(loggingOk, `every reading missing from the TSV was reported unwritten (not logged: ${sum(run.steady.map((c) => c.alignment.extra))}, expected from the server's reports and torn rows: ${sum(run.steady.map((c) => c.unlogged))})`);
  must(run.steady.every((c) => !c.dropped), `the steady clients were never dropped by a live server`);
  const strays = sum(Object.values(run.steadyStrays));
  must(strays === 0, `the steady clients got nothing but readings: no other client's answers (${strays})`);

  // Online-like clients.
  const o = run.online;
  say('');
  if (!options.skip.has('reconnect') || o.sessions > 0) {
    say(`Online-like clients (2, reconnecting): ${o.sessions} sessions, ${o.commands} commands (${o.abandoned} left before the answer), ${o.busyResends} re-sent after busy (8), ${o.connectFailures} failed connects`);
    for (const line of table([['answer', 'count'], ...Object.entries(o.outcomes).sort().map(([k, v]) => [k, v])])) say(line);
    say(`  no answer within 60 s: ${o.noAnswer}; connection closed before the answer: ${o.closedBeforeAnswer}`);
    must(o.noAnswer === 0 && (o.closedBeforeAnswer === 0 || run.crashes.length > 0), `every Online command was answered (${o.noAnswer} without an answer, ${o.closedBeforeAnswer} cut off by a closed connection)`);
    must(o.commands > 0, 'the Online-like clients ran commands');
  } else {
    say('Online-like clients: skipped');
  }

  // Web.
  const w = run.web;
  if (w.visits > 0) {
    say('');
    say(`Web pages: ${w.visits} visits, ${w.observers} observers opened (${w.observerFrames} frames received, ${w.observerFailures} failed to open)`);
    for (const line of table([['request', 'count'], ...Object.entries(w.requests).sort().map(([k, v]) => [k, v])])) say(line);
    const failed = Object.entries(w.requests).filter(([k]) => !k.endsWith(' 200')).reduce((n, [, v]) => n + v, 0);
    must(failed === 0 || run.crashes.length > 0, `every web request was answered 200 (${failed} not)`);
  }

  // Stalled clients.
  const st = run.incidents.stalled;
  if (st.length || run.passiveStalled) {
    say('');
    say(`Stalled clients (never read): ${st.filter((s) => s.dropped).length} of ${st.length} active ones dropped${st.length ? `, after ${st.map((s) => `${s.afterS.toFixed(1)} s (${s.sentMiB.toFixed(0)} MiB sent)`).join(', ')}` : ''}; server RSS after each: ${st.map((s) => mib(s.rssAfterMiB)).join(', ')}`);
    if (run.passiveStalled) {
      say(`  passive one (readings only): ${run.passiveStalled.dropped ? `dropped at ${simHours(run.passiveStalled.droppedAt!)}` : 'still connected at the end (its queue had not passed the limit)'}`);
    }
    must(st.every((s) => s.dropped), `every stalled client was dropped once its send queue passed the limit (${st.filter((s) => s.dropped).length} of ${st.length})`);
    const rss = st.map((s) => s.rssAfterMiB).filter((x): x is number => x !== null);
    if (rss.length >= 2) {
      const sent = sum(st.map((s) => s.sentMiB));
      must(rss.at(-1)! <= rss[0]! + RSS_STALLED_SPREAD_MIB, `memory after the last stalled client within ${RSS_STALLED_SPREAD_MIB} MiB of after the first, not growing with the ${sent.toFixed(0)} MiB they sent (${mib(rss[0])} → ${mib(rss.at(-1))})`);
    }
  }

  // Idle HTTP.
  const idle = run.incidents.idleHttp;
  if (idle.length) {
    say('');
    say(`Idle HTTP connections, ${options.idleHttpConnections} held ${options.idleHttpHoldS} s, ${idle.length} times:`);
    for (const i of idle) {
      say(`  ${simHours(i.at)}: from ${i.from}, opened ${i.opened}, refused ${i.refused}, closed by the server while held ${i.closedByServer}; /api/status meanwhile: ${i.statusDuringHold} in ${i.statusMs.toFixed(0)} ms; server fds during ${i.fdsDuring ?? '—'}, after ${i.fdsAfter ?? '—'}`);
    }
    must(idle.every((i) => i.statusDuringHold === 'HTTP 200'), 'the server kept answering /api/status while the idle connections were held');
  }

  // Bad input.
  const attacks = Object.entries(run.incidents.attacks);
  if (attacks.length) {
    say('');
    say(`Bad input over ${run.incidents.rounds} rounds (what each input got back, × times):`);
    const rows: string[][] = attacks.map(([input, verdicts]) => [input, Object.entries(verdicts).map(([v, n]) => `${v} ×${n}`).join(', ')]);
    for (const line of table([['input', 'got'], ...rows])) say(line);
  }

  // Disk full.
  const d = run.incidents.diskFull;
  if (d) {
    say('');
    const grew = (a: Record<string, number>, b: Record<string, number>) => Object.keys(b).map((s) => `${s} +${(b[s] ?? 0) - (a[s] ?? 0)}`).join(', ');
    const server = run.servers.find((s) => s.index === d.server);
    const rowsAtEnd = Object.fromEntries(Object.entries(server?.figures.series ?? {}).map(([s, f]) => [s, f.logged]));
    say(`Disk full (${d.method}: ${d.how}) on server ${d.server} from ${simHours(d.fullAt)} to ${simHours(d.freedAt)}:`);
    say(`  rows logged meanwhile: ${grew(d.rowsAtFull, d.rowsAtFreed)}; reported unwritten: ${d.unwrittenDuring}; console lines naming ENOSPC: ${d.enospcDuring}; storage alarms raised: ${d.storageAlarms}`);
    if (server?.console.readingsRecovered) say(`  the server said: "${server.console.readingsRecovered}"`);
    say(`  rows logged after it was freed: ${grew(d.rowsAtFreed, rowsAtEnd)}${run.crashes.some((c) => c.instance === d.server) ? ' (this server crashed)' : ''}`);
    if (d.method === 'symlink' && d.unwrittenDuring === 0) {
      say('  (the server kept writing to the file it had open, moved aside meanwhile: a symlink only bites when the file is opened anew, at midnight)');
    }
    // Every voltmeter's series, not the setpoint and tolerance logs, which grow only when a command changes them.
    const resumed = Object.keys(d.rowsAtFreed).length > 0 && ALL_SERIES.every((s) => (rowsAtEnd[s] ?? 0) > (d.rowsAtFreed[s] ?? 0));
    must(resumed, 'readings were logged again after the disk was freed');
  }
  const torn = sum(run.servers.flatMap((s) => Object.values(s.figures.series).map((f) => f.torn)));
  must(torn === 0, `every TSV line is a whole row (${torn} torn)`);

  // The process.
  say('');
  const first = run.servers[0];
  const last = run.servers.at(-1);
  const peak = Math.max(...run.servers.map((s) => s.rssPeak));
  say(`Server process: RSS at start ${mib(first?.rssStart)}, peak ${mib(peak)}, at the end ${mib(run.rssAtEnd)}${run.servers.length > 1 ? ` (server ${last?.index}; it started at ${mib(last?.rssStart)})` : ''}`);
  const deciles = rssDeciles(run.servers.flatMap((s) => s.samples), run.simulatedMs);
  if (deciles.length) say(`  RSS peak per tenth of the run: ${deciles.map((x) => (x === null ? '—' : x.toFixed(0))).join(', ')} MiB`);
  // Named only when they grew on one server (a new day's files replace the old ones one for one).
  const grewOnOneServer = run.servers.length === 1 && run.fdsAtStart && run.fdsAtEnd && run.fdsAtEnd.length > run.fdsAtStart.length;
  const added = grewOnOneServer ? addedTargets(run.fdsAtStart!, run.fdsAtEnd!) : [];
  say(`  open file descriptors: ${run.fdsAtStart?.length ?? '—'} at the start (steady clients connected), ${run.fdsAtEnd?.length ?? '—'} at the end (the same clients)${run.servers.length > 1 ? ` of server ${last?.index}` : ''}${added.length ? `; new at the end: ${added.join(', ')}` : ''}`);
  say(`  health probes (GET /api/status every 2 s): ${run.health.answered} of ${run.health.probes} answered within 5 s, slowest ${run.health.slowestMs.toFixed(0)} ms`);
  for (const m of run.health.missed) say(`  health probe not answered at ${simHours(m.at)}: ${m.failure}; during ${m.during.join(', ') || 'no incident'}`);
  const tsvBytes = sum(run.servers.flatMap((s) => Object.values(s.figures.series).map((f) => f.bytes)));
  const logBytes = sum(run.servers.map((s) => bytesUnder(s.dataDir, /\/logs\//)));
  const consoleBytes = sum(run.servers.map((s) => s.console.bytes));
  say(`  bytes written: readings TSV ${mib(tsvBytes / 1048576)}, server log file ${mib(logBytes / 1048576)}, console ${mib(consoleBytes / 1048576)}`);
  const levels: Record<string, number> = {};
  for (const s of run.servers) for (const [k, v] of Object.entries(s.console.byLevel)) levels[k] = (levels[k] ?? 0) + v;
  say(`  console lines by level: ${Object.entries(levels).map(([k, v]) => `${k} ${v}`).join(', ')}; voltmeter restarts ${sum(run.servers.map((s) => s.console.voltmeterRestarts))}; clients dropped as too slow: TCP ${sum(run.servers.map((s) => s.console.droppedTcp))}, websocket ${sum(run.servers.map((s) => s.console.droppedWs))}`);

  // The voltmeter machine's limit is twice reading_timeout_s (7.5 s) of the server's clock, which at
  // a raised time scale is a few tens of milliseconds of real time: a busy machine trips it.
  say(`  (a voltmeter is restarted when a reading is 15 s late on the server's clock: ${(15_000 / options.timeScale).toFixed(0)} ms of real time at ×${options.timeScale}, so restarts follow this machine's load; each costs a few readings and can answer a check in flight with 6)`);

  must(run.crashes.length === 0, `no crash: the server never exited or wedged unasked (${run.crashes.length})`);
  must(run.health.unanswered === 0, `the server answered every health probe while it was up (${run.health.unanswered} unanswered)`);
  if (last?.rssStart && run.rssAtEnd !== null) {
    must(run.rssAtEnd <= last.rssStart + RSS_GROWTH_LIMIT_MIB, `memory bounded: RSS at the end within ${RSS_GROWTH_LIMIT_MIB} MiB of the start (${mib(last.rssStart)} → ${mib(run.rssAtEnd)})`);
  }
  if (run.fdsAtStart && run.fdsAtEnd && run.servers.length === 1) {
    must(run.fdsAtEnd.length <= run.fdsAtStart.length + FD_SLACK, `no descriptor leak: open fds at the end at most ${FD_SLACK} above the start (${run.fdsAtStart.length} → ${run.fdsAtEnd.length})`);
  }
  must(run.stopped !== null && run.stopped.code === 0, `the server stopped cleanly on SIGTERM at the end (${stop})`);

  say('');
  for (const [ok, what] of musts) say(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
  const passed = musts.every(([ok]) => ok);
  say(passed ? 'All musts hold.' : `${musts.filter(([ok]) => !ok).length} of ${musts.length} musts FAIL.`);
  if (options.keep) say(`Kept: ${run.workDir}`);
  if (options.json) {
    const { servers, ...rest } = run;
    writeFileSync(options.json, `${JSON.stringify({ ...rest, options: { ...options, skip: [...options.skip] }, servers: servers.map(({ samples, ...s }) => ({ ...s, samples: samples.length })), musts: musts.map(([ok, what]) => ({ ok, what })) }, null, 2)}\n`);
  }
  return passed;
}

/** The highest RSS in each tenth of the run, to show a trend (a leak climbs; a settled heap does not). */
function rssDeciles(samples: RssSample[], endMs: number): (number | null)[] {
  return Array.from({ length: 10 }, (_, i) => {
    const within = samples.filter((s) => s.at >= (i * endMs) / 10 && s.at < ((i + 1) * endMs) / 10).map((s) => s.mib);
    return within.length ? Math.max(...within) : null;
  });
}
