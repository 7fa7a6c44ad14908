// The soak's incidents laid out over the simulated day and run one at a time, so a crash is put
// down to the one running: rounds of bad input (every attack class, a stalled client, idle HTTP
// connections) every couple of hours, and one disk-full episode in the middle.

import { readLoggedSeries } from './soak-readings.js';
import { runAttack, type AttackTally } from './soak-attacks.js';
import type { DiskFull } from './soak-disk-full.js';
import { holdIdleHttp, type IdleHttpOutcome } from './soak-idle-http.js';
import type { SoakClass, SoakOptions } from './soak-options.js';
import { openFds, rssMiB } from './soak-proc.js';
import type { ServerUnderTest } from './soak-server.js';
import { stalledClient, type StalledOutcome } from './soak-stalled.js';
import { realSleep, type SimTime } from './soak-time.js';

export interface DiskFullOutcome {
  method: string;
  how: string;
  server: number;
  fullAt: number;
  freedAt: number;
  /** Logged rows per series when the disk filled, when it was freed (read back after the soak). */
  rowsAtFull: Record<string, number>;
  rowsAtFreed: Record<string, number>;
  /** Rows the server reported not written while the disk was full. */
  unwrittenDuring: number;
  /** Console lines mentioning ENOSPC while it was full. */
  enospcDuring: number;
  /** STORAGE_FAULT alarms raised from the moment it filled until the end of the soak's look. */
  storageAlarms: number;
}

export interface IncidentResults {
  rounds: number;
  attacks: AttackTally;
  stalled: (StalledOutcome & { at: number; rssAfterMiB: number | null })[];
  idleHttp: (IdleHttpOutcome & { at: number; fdsDuring: number | null; fdsAfter: number | null })[];
  diskFull: DiskFullOutcome | null;
}

const ATTACK_CLASSES: SoakClass[] = ['garbage', 'oversized', 'deep', 'http-odd'];

interface Incident {
  at: number;
  run: () => Promise<void>;
}

function rowCounts(dataDir: string): Record<string, number> {
  return Object.fromEntries([...readLoggedSeries(dataDir)].map(([series, s]) => [series, s.volts.length]));
}

export async function runIncidents(deps: {
  options: SoakOptions;
  sim: SimTime;
  rig: ServerUnderTest;
  signal: AbortSignal;
  endAt: number;
  diskFull: DiskFull | null;
  results: IncidentResults;
}): Promise<void> {
  const { options, sim, rig, signal, endAt, results } = deps;
  const enabled = (cls: SoakClass) => !options.skip.has(cls);
  const hour = 3_600_000;
  const period = (options.quick ? 1 : 2) * hour;
  const incidents: Incident[] = [];

  const round = async () => {
    results.rounds++;
    for (const cls of ATTACK_CLASSES) {
      const endpoint = await rig.endpoint(signal);
      if (!endpoint || !enabled(cls)) continue;
      await rig.during(cls, () => runAttack(cls, endpoint, results.attacks));
    }
    let endpoint = await rig.endpoint(signal);
    if (endpoint && enabled('stalled')) {
      const outcome = await rig.during('stalled', () => stalledClient(endpoint!, options.quick ? 10_000 : 30_000));
      await realSleep(1500);
      results.stalled.push({ ...outcome, at: sim.elapsedMs(), rssAfterMiB: rig.current ? rssMiB(rig.current.pid) : null });
    }
    endpoint = await rig.endpoint(signal);
    if (endpoint && enabled('idle-http')) {
      let fdsDuring: number | null = null;
      const sampler = setTimeout(() => (fdsDuring = rig.current ? openFds(rig.current.pid) : null), (options.idleHttpHoldS * 1000) / 4);
      const outcome = await rig.during('idle-http', () => holdIdleHttp(endpoint!, options.idleHttpConnections, options.idleHttpHoldS * 1000));
      clearTimeout(sampler);
      await realSleep(1000);
      results.idleHttp.push({ ...outcome, at: sim.elapsedMs(), fdsDuring, fdsAfter: rig.current ? openFds(rig.current.pid) : null });
    }
  };
  for (let at = 0.25 * period; at < endAt - 0.25 * period; at += period) incidents.push({ at, run: round });

  const diskFull = deps.diskFull;
  const fullForMs = options.diskFullMinutes * 60_000;
  if (diskFull && enabled('disk-full')) {
    incidents.push({
      at: endAt / 2 - fullForMs / 2,
      run: async () => {
        const server = rig.current;
        if (!server || !enabled('disk-full')) return;
        const before = { ...server.console.counts.unwrittenBySeries };
        const enospcBefore = server.console.counts.enospc;
        const alarmsBefore = server.console.counts.storageAlarms;
        const rowsAtFull = rowCounts(server.options.dataDir);
        const fullAt = sim.elapsedMs();
        let how = '';
        let rowsAtFreed: Record<string, number> = {};
        await rig.during('disk-full', async () => {
          how = diskFull.begin();
          try {
            await sim.sleep(fullForMs, signal);
          } finally {
            server.console.poll();
            diskFull.end();
            rowsAtFreed = rowCounts(server.options.dataDir);
          }
        });
        const after = server.console.counts.unwrittenBySeries;
        results.diskFull = {
          method: diskFull.method,
          how,
          server: server.options.index,
          fullAt,
          freedAt: sim.elapsedMs(),
          rowsAtFull,
          rowsAtFreed,
          unwrittenDuring: Object.keys(after).reduce((n, s) => n + (after[s] ?? 0) - (before[s] ?? 0), 0),
          enospcDuring: server.console.counts.enospc - enospcBefore,
          storageAlarms: server.console.counts.storageAlarms - alarmsBefore,
        };
      },
    });
  }

  incidents.sort((a, b) => a.at - b.at);
  for (const incident of incidents) {
    if (!(await sim.until(incident.at, signal))) return;
    await incident.run();
  }
}
