// Console lines are formatted on the event loop between one client's command and the next, so they
// are written without pino-pretty's costlier options: the same text as before, for less work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import { CONSOLE_LINES, consoleTime } from '../../src/kit/log/logger.js';

/** pino-pretty as the console was configured before: its date format, and pid and hostname ignored. */
const BEFORE = { singleLine: true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname' };

/** JSON lines as the server's logger writes them (no base fields; the time from the program's clock). */
function jsonLines(write: (log: pino.Logger) => void): string[] {
  const lines: string[] = [];
  let now = Date.UTC(2026, 0, 1, 23, 59, 59, 7);
  const log = pino({ level: 'debug', base: undefined, timestamp: () => `,"time":${now++}` }, { write: (line: string) => lines.push(line) });
  write(log.child({ component: 'connector' }));
  return lines;
}

describe('console lines', () => {
  // Local time, in a zone away from UTC (the rack's), so a line written in UTC would differ.
  const zone = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = 'Europe/Moscow';
  });
  afterAll(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  const lines = jsonLines((log) => {
    log.info({ client: 'xOqzTutMY8QbQECQtzn_L', input: { type: 'command', block: 99 }, reply: { error_code: 9, description: "field 'block' is 99" }, suppressed: 0 }, "refused: field 'block' is 99");
    log.warn({ remote: '127.0.0.1:5000', bytes: 12 }, 'skipped 12 bytes of garbage before a header');
    log.error({ err: new Error('disk full'), path: '/data/x.tsv' }, 'readings log: write refused');
    log.debug({ voltmeter: 'divider-1', volts: -9.2e-7, raw: '-9.20000000E-07' }, 'reading');
    log.info('ready: TCP 127.0.0.1:5555, HTTP http://127.0.0.1:8080/');
    log.info({ unicode: 'µ ± ×20', nested: { a: [1, { b: null }] } }, 'ünïcode and nesting');
  });

  it('are the text pino-pretty wrote with its date format, plain and coloured', () => {
    for (const colorize of [false, true]) {
      const before = prettyFactory({ ...BEFORE, colorize });
      const now = prettyFactory({ ...CONSOLE_LINES, colorize });
      for (const line of lines) expect(now(line)).toBe(before(line));
      expect(now(lines[0]!)).toMatch(/^\[2026-01-02 02:59:59\.\d{3}\] .*refused: field 'block' is 99/);
    }
  });

  it('write a time that is not one as it came', () => {
    expect(consoleTime('not a time')).toBe('[not a time]');
    expect(consoleTime(Date.UTC(2026, 0, 1))).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]$/);
  });
});
