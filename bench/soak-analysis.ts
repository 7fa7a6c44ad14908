// After the soak: each server's logged readings read back, and each steady client's readings lined
// up with them (soak-align.ts says why that is exact).

import { alignReadings, type Alignment } from './soak-align.js';
import { UNNAMED_SERIES } from './soak-console.js';
import { readLoggedSeries } from './soak-readings.js';
import type { ServerProcess } from './soak-server-process.js';
import { ALL_SERIES } from './soak-series.js';
import type { SteadyClient } from './soak-steady.js';

export interface SeriesFigures {
  /** Well-formed rows in the TSV files. */
  logged: number;
  /** Rows cut short (a write that stopped part-way). */
  torn: number;
  /** Readings the server reported it could not write. */
  unwritten: number;
  /** logged + torn + unwritten: every reading the server published. */
  published: number;
  bytes: number;
}

export interface ServerFigures {
  server: number;
  series: Record<string, SeriesFigures>;
}

export interface SteadyCheck {
  client: string;
  server: number;
  series: string;
  /** Simulated ms the connection began and ended. */
  from: number;
  to: number | null;
  alignment: Alignment;
  /** Readings published while it was connected that the log lacks (reported unwritten, or torn). */
  unlogged: number;
  /** Everything published while it was connected: the logged rows from its first to its last, plus `unlogged`. */
  published: number;
  /** The server dropped this client while it was alive. */
  dropped: boolean;
}

export function serverFigures(server: ServerProcess): ServerFigures {
  const logged = readLoggedSeries(server.options.dataDir);
  const unwritten = server.console.counts.unwrittenBySeries;
  const names = new Set([...ALL_SERIES, ...logged.keys(), ...Object.keys(unwritten)]);
  const series: Record<string, SeriesFigures> = {};
  for (const name of names) {
    const l = logged.get(name);
    const figures = { logged: l?.volts.length ?? 0, torn: l?.torn ?? 0, unwritten: unwritten[name] ?? 0, bytes: l?.bytes ?? 0 };
    series[name] = { ...figures, published: figures.logged + figures.torn + figures.unwritten };
  }
  return { server: server.options.index, series };
}

export function steadyChecks(clients: SteadyClient[], servers: ServerProcess[], crashed: Set<number>): SteadyCheck[] {
  const checks: SteadyCheck[] = [];
  for (const server of servers) {
    const logged = readLoggedSeries(server.options.dataDir);
    const index = server.options.index;
    for (const client of clients) {
      for (const segment of client.segments.filter((s) => s.server === index)) {
        for (const series of ALL_SERIES) {
          const received = segment.readings.get(series) ?? [];
          const rows = logged.get(series);
          const alignment = alignReadings(received, rows?.volts ?? []);
          const to = segment.closedAt ?? Infinity;
          const unwritten = server.console.unwrittenWithin(series, segment.connectedAt, to);
          const unlogged = unwritten + (rows?.torn ?? 0);
          checks.push({
            client: client.name,
            server: index,
            series,
            from: segment.connectedAt,
            to: segment.closedAt,
            alignment,
            unlogged,
            published: alignment.matched + alignment.missing + unlogged,
            dropped: segment.closedBy === 'server' && !crashed.has(index),
          });
        }
        // Readings reported lost without their series: they count against the segment as a whole.
        const unnamed = server.console.unwrittenWithin(UNNAMED_SERIES, segment.connectedAt, segment.closedAt ?? Infinity);
        if (unnamed > 0) {
          const none: Alignment = { received: 0, matched: 0, missing: 0, extra: 0, rowsBefore: 0, rowsAfter: 0, anchored: true };
          checks.push({ client: client.name, server: index, series: UNNAMED_SERIES, from: segment.connectedAt, to: segment.closedAt, alignment: none, unlogged: unnamed, published: unnamed, dropped: false });
        }
      }
    }
  }
  return checks;
}
