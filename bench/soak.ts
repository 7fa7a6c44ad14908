// Benchmark: a simulated day of the real server process under everything the lab throws at it —
// steady Online clients counting every reading, Online clients coming and going with scans, web
// pages, clients that never read, bad input of every kind, a full disk — and whether it holds.
// Usage: npm run bench:soak [-- --quick] [-- --hours H --time-scale K --seed N --skip deep,http-odd --json FILE]

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { steadyChecks, serverFigures } from './soak-analysis.js';
import { chooseDiskFull } from './soak-disk-full.js';
import { runIncidents, type IncidentResults } from './soak-incidents.js';
import { emptyOnlineTally, runOnlineClient } from './soak-online.js';
import { parseSoakOptions, type SoakClass } from './soak-options.js';
import { fdTargets, rssMiB } from './soak-proc.js';
import { printReport, type SoakRun } from './soak-report.js';
import { ServerUnderTest } from './soak-server.js';
import { passiveStalledClient } from './soak-stalled.js';
import { SteadyClient } from './soak-steady.js';
import { realSleep, SimTime, simHours } from './soak-time.js';
import { emptyWebTally, runWebClient } from './soak-web.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const options = parseSoakOptions(process.argv.slice(2));
  const skippedAtStart = [...options.skip];
  const workDir = mkdtempSync(join(tmpdir(), 'hv-soak-'));
  const dataRoot = join(workDir, 'data');
  mkdirSync(dataRoot);

  const sim = new SimTime(options.timeScale);
  const endAt = options.hours * 3_600_000;
  const abort = new AbortController();
  const rig = new ServerUnderTest({
    workDir,
    dataRoot,
    timeScale: options.timeScale,
    now: () => sim.elapsedMs(),
    maxRestarts: options.maxRestarts,
    onCrash: (crash) => {
      say(`  CRASH: server ${crash.instance} at ${simHours(crash.at)} (${crash.exit}) during ${crash.during.join(', ') || 'no incident'}: ${crash.reason.slice(0, 300)}`);
      // Whatever was running is left out from now on, so the rest of the soak can go on.
      for (const label of crash.during) options.skip.add(label as SoakClass);
      // The next server must not start on a full disk.
      if (crash.during.includes('disk-full')) diskFull?.end();
      return true;
    },
  });
  const disk = chooseDiskFull(options.skip.has('disk-full') ? 'skip' : options.diskFull, dataRoot, options.tmpfsMiB, () => rig.current?.options.dataDir ?? dataRoot);
  const diskFull = disk.diskFull;
  const cleanup = () => {
    // A server still running (the soak itself failed) must not outlive it, nor hold the mount.
    for (const server of rig.instances) if (server.alive) server.kill();
    disk.release(options.keep ? join(workDir, 'data-kept') : undefined);
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  try {
    say(`hv-server soak: ${options.hours} simulated h at --time-scale ${options.timeScale} (about ${Math.round((endAt / options.timeScale) / 1000)} s of real time), seed ${options.seed}${skippedAtStart.length ? `, skipping ${skippedAtStart.join(', ')}` : ''}; ${disk.note}; work dir ${workDir}`);
    const realStart = Date.now();
    const first = await rig.start();
    sim.begin();

    const steady = [new SteadyClient('tcp-1', 'tcp', () => sim.elapsedMs()), new SteadyClient('tcp-2', 'tcp', () => sim.elapsedMs()), new SteadyClient('ws-1', 'ws', () => sim.elapsedMs())];
    for (const client of steady) await client.attach(first.options.index, first.endpoint!);
    rig.onStart((server) => {
      for (const client of steady) client.attach(server.options.index, server.endpoint!).catch((err: Error) => say(`  ${client.name} could not connect to server ${server.options.index}: ${err.message}`));
    });
    await realSleep(500);
    const fdsAtStart = fdTargets(first.pid);

    const passive = options.skip.has('stalled') ? null : await passiveStalledClient(first.endpoint!, () => sim.elapsedMs());
    const online = emptyOnlineTally();
    const web = emptyWebTally();
    const endpoint = (signal: AbortSignal) => rig.endpoint(signal);
    const tasks: Promise<void>[] = [];
    if (!options.skip.has('reconnect')) {
      for (const n of [1, 2]) tasks.push(runOnlineClient({ sim, endpoint, signal: abort.signal, tally: online, seed: options.seed * 100 + n }));
    }
    if (!options.skip.has('web')) tasks.push(runWebClient({ endpoint, signal: abort.signal, tally: web, seed: options.seed * 100 + 50, historyOff: () => diskFull?.method === 'symlink' && diskFull.active }));
    const incidents: IncidentResults = { rounds: 0, attacks: {}, stalled: [], idleHttp: [], diskFull: null };
    tasks.push(runIncidents({ options, sim, rig, signal: abort.signal, endAt, diskFull, results: incidents }));

    // Progress once a simulated hour or so; the run ends at the simulated end or when the rig gives up.
    const progress = setInterval(() => {
      const live = rig.current;
      say(`  ${simHours(sim.elapsedMs())}: server ${live ? `${live.options.index} RSS ${rssMiB(live.pid)?.toFixed(0)} MiB` : 'down'}, steady readings ${steady.map((c) => c.received).join('/')}, Online commands ${online.commands}, web visits ${web.visits}, rounds ${incidents.rounds}`);
    }, Math.max(2000, 3_600_000 / options.timeScale));
    progress.unref();
    const watch = setInterval(() => rig.gaveUp && abort.abort(), 500);
    await sim.until(endAt, abort.signal);
    abort.abort();
    clearInterval(progress);
    clearInterval(watch);
    const simulatedMs = sim.elapsedMs();

    // Wind down: the coming-and-going clients finish what they are doing (a check in flight is answered).
    await Promise.race([Promise.allSettled(tasks), realSleep(90_000)]);
    passive?.close();
    // The pages' and probes' keep-alive connections close after the server's idle timeout (5 s):
    // the descriptors counted then are the server's own and the steady clients'.
    rig.stopProbes();
    await realSleep(6500);
    const last = rig.current;
    const fdsAtEnd = last ? fdTargets(last.pid) : null;
    const rssAtEnd = last ? rssMiB(last.pid) : null;
    for (const client of steady) await client.close();
    const stopped = await rig.stop();
    const realSeconds = (Date.now() - realStart) / 1000;

    const crashed = new Set(rig.crashes.map((c) => c.instance));
    const run: SoakRun = {
      options,
      skippedAtStart,
      diskNote: disk.note,
      simulatedMs,
      realSeconds,
      servers: rig.instances.map((s) => ({
        index: s.options.index,
        // The first server starts the simulated day; the others when they were started after a crash.
        from: s.options.index === 1 ? 0 : s.startedAt,
        to: rig.crashes.find((c) => c.instance === s.options.index)?.at ?? simulatedMs,
        figures: serverFigures(s),
        console: s.console.counts,
        rssStart: rig.startRss[s.options.index - 1] ?? null,
        rssPeak: s.rss.peak,
        samples: s.rss.samples,
        dataDir: s.options.dataDir,
      })),
      crashes: rig.crashes,
      gaveUp: rig.gaveUp,
      health: rig.health,
      steady: steadyChecks(steady, rig.instances, crashed),
      steadyStrays: Object.fromEntries(steady.map((c) => [c.name, c.segments.reduce((n, s) => n + s.others, 0)])),
      online,
      web,
      incidents,
      passiveStalled: passive?.state() ?? null,
      fdsAtStart,
      fdsAtEnd,
      rssAtEnd,
      stopped,
      workDir,
    };
    return printReport(run, say) ? 0 : 1;
  } finally {
    cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench:soak: ${err.stack ?? err.message}\n`);
    process.exit(2);
  },
);
