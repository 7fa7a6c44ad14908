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
  /** `reading not written to …` lines, by the series directory of the file. */
  unwrittenBySeries: Record<string, number>;
  /** Lines that mention ENOSPC (readings, log file, transfer store). */
  enospc: number;
  /** `client dropped:` (TCP) and `websocket client dropped:` lines. */
  droppedTcp: number;
  droppedWs: number;
  /** Voltmeter restarts the supervisor reported (a reading too late). */
  voltmeterRestarts: number;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export class ConsoleLog {
  readonly counts: ConsoleCounts = {
    bytes: 0,
    lines: 0,
    byLevel: {},
    unwrittenBySeries: {},
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
  private readonly unwrittenAt: { series: string; at: number }[] = [];

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

  /** Simulated times (soak clock) at which readings of `series` were reported not written. */
  unwrittenTimes(series: string): number[] {
    return this.unwrittenAt.filter((u) => u.series === series).map((u) => u.at);
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
      const series = basename(dirname(entry.path));
      this.counts.unwrittenBySeries[series] = (this.counts.unwrittenBySeries[series] ?? 0) + 1;
      this.unwrittenAt.push({ series, at: this.now() });
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
