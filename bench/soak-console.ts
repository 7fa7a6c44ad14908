// The server's console output (JSON lines, `log.pretty: false`), followed as it grows in a file:
// the `ready:` line with its ports, readings it reports as not written, clients it dropped, and
// the last words of a process that died. A file rather than a pipe, so a busy benchmark can never
// hold up the server's synchronous console writes.

import { closeSync, openSync, readSync } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface Endpoint {
  host: string;
  tcpPort: number;
  httpPort: number;
}

export interface ConsoleCounts {
  bytes: number;
  lines: number;
  /** Lines by pino level name (info, warn, error, fatal; 'text' for what is not JSON). */
  byLevel: Record<string, number>;
  /**
   * Readings the server said it could not write, by series: `reading not written to <file>` (one
   * each), or — from a server that keeps them in memory while the disk is full — those it dropped
   * or lost at shutdown, counted under UNNAMED_SERIES since it does not say which series.
   */
  unwrittenBySeries: Record<string, number>;
  /** STORAGE_FAULT alarms raised (the readings log, the log file, the transfer store). */
  storageAlarms: number;
  /** The last `readings log writes again: …` line. */
  readingsRecovered: string | null;
  /** Lines that mention ENOSPC (readings, log file, transfer store). */
  enospc: number;
  /** `client dropped:` (TCP) and `websocket client dropped:` lines. */
  droppedTcp: number;
  droppedWs: number;
  /** Voltmeter restarts the supervisor reported (a reading too late). */
  voltmeterRestarts: number;
}

/** Where readings the server reported lost without naming their series are counted. */
export const UNNAMED_SERIES = '(series not named)';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export class ConsoleLog {
  readonly counts: ConsoleCounts = {
    bytes: 0,
    lines: 0,
    byLevel: {},
    unwrittenBySeries: {},
    storageAlarms: 0,
    readingsRecovered: null,
    enospc: 0,
    droppedTcp: 0,
    droppedWs: 0,
    voltmeterRestarts: 0,
  };
  ready: Endpoint | null = null;
  /** The fatal line (or the last lines of text, such as a stack trace) when the process died. */
  lastWords: string[] = [];
  private offset = 0;
  private partial = '';
  private readonly unwrittenAt: { series: string; at: number; count: number }[] = [];

  constructor(
    private readonly path: string,
    private readonly now: () => number,
  ) {}

  /** Reads what was appended since the last call. */
  poll(): void {
    const fd = openSync(this.path, 'r');
    try {
      const chunk = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.counts.bytes += n;
        const lines = (this.partial + chunk.subarray(0, n).toString('utf8')).split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.take(line);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Readings of `series` reported not written between two simulated times of the soak's clock. */
  unwrittenWithin(series: string, from: number, to: number): number {
    return this.unwrittenAt.filter((u) => u.series === series && u.at >= from && u.at <= to).reduce((n, u) => n + u.count, 0);
  }

  private unwritten(series: string, count: number): void {
    if (count <= 0) return;
    this.counts.unwrittenBySeries[series] = (this.counts.unwrittenBySeries[series] ?? 0) + count;
    this.unwrittenAt.push({ series, at: this.now(), count });
  }

  private take(line: string): void {
    this.counts.lines++;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.bump('text');
      this.lastWords = [...this.lastWords, line].slice(-12);
      return;
    }
    const level = LEVELS[Number(entry.level)] ?? String(entry.level);
    this.bump(level);
    const msg = typeof entry.msg === 'string' ? entry.msg : '';
    if (level === 'fatal') {
      // The error and where it was thrown: the first frame of the stack that is not Node's own.
      const [first, ...frames] = String(entry.err ?? '').split('\n');
      const where = frames.map((f) => f.trim()).find((f) => f.startsWith('at ') && !f.includes('node:'));
      this.lastWords = [`${msg}${first ? `: ${first}` : ''}${where ? ` (${where})` : ''}`];
    }
    if (line.includes('ENOSPC')) this.counts.enospc++;
    if (msg.startsWith('ready:')) {
      const tcp = entry.tcp as { host: string; port: number } | undefined;
      const http = entry.http as { host: string; port: number } | undefined;
      if (tcp && http) this.ready = { host: tcp.host, tcpPort: tcp.port, httpPort: http.port };
    } else if (msg.startsWith('reading not written') && typeof entry.path === 'string') {
      this.unwritten(basename(dirname(entry.path)), 1);
    } else if (msg.startsWith('readings log writes again')) {
      this.counts.readingsRecovered = msg;
      this.unwritten(UNNAMED_SERIES, Number(/(\d+) were dropped/.exec(msg)?.[1] ?? 0));
    } else if (/readings the disk refused are lost at shutdown/.test(msg)) {
      this.unwritten(UNNAMED_SERIES, Number(entry.lost ?? 0));
    } else if (msg.startsWith('alarm raised:') && msg.includes('STORAGE_FAULT')) {
      this.counts.storageAlarms++;
    } else if (msg.startsWith('client dropped:')) {
      this.counts.droppedTcp++;
    } else if (msg.startsWith('websocket client dropped:')) {
      this.counts.droppedWs++;
    } else if (/^voltmeter-.* failed/.test(msg)) {
      this.counts.voltmeterRestarts++;
    }
  }

  private bump(level: string): void {
    this.counts.byLevel[level] = (this.counts.byLevel[level] ?? 0) + 1;
  }
}
