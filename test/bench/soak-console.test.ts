// The soak reads the server's console: its ports, readings it could not write (named one by one,
// or dropped in bulk by a server that keeps them in memory), and its last words.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleLog, UNNAMED_SERIES } from '../../bench/soak-console.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function consoleWith(lines: unknown[]): ConsoleLog {
  const dir = mkdtempSync(join(tmpdir(), 'soak-console-'));
  dirs.push(dir);
  const path = join(dir, 'console.log');
  appendFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  const log = new ConsoleLog(path, () => 1000);
  log.poll();
  return log;
}

describe('ConsoleLog', () => {
  it('takes the ports from the ready line', () => {
    const log = consoleWith([{ level: 30, tcp: { host: '127.0.0.1', port: 41234 }, http: { host: '127.0.0.1', port: 41235 }, msg: 'ready: TCP 127.0.0.1:41234, HTTP http://127.0.0.1:41235/' }]);
    expect(log.ready).toEqual({ host: '127.0.0.1', tcpPort: 41234, httpPort: 41235 });
  });

  it('counts readings not written by their series, and those dropped in bulk without one', () => {
    const log = consoleWith([
      { level: 50, path: '/d/server-1/HV2/26-12-01-virtual.tsv', msg: 'reading not written to /d/server-1/HV2/26-12-01-virtual.tsv' },
      { level: 50, path: '/d/server-1/HV2/26-12-01-virtual.tsv', msg: 'reading not written to /d/server-1/HV2/26-12-01-virtual.tsv' },
      { level: 30, msg: 'readings log writes again: the readings kept in memory are in the files (566 written since the fault began), 7 were dropped' },
      { level: 50, lost: 3, msg: '3 readings the disk refused are lost at shutdown' },
    ]);
    expect(log.counts.unwrittenBySeries).toEqual({ HV2: 2, [UNNAMED_SERIES]: 10 });
    expect(log.unwrittenWithin('HV2', 0, 2000)).toBe(2);
    expect(log.unwrittenWithin('HV2', 1500, 2000)).toBe(0);
  });

  it('keeps the fatal error and the first frame of ours that threw it', () => {
    const log = consoleWith([
      { level: 60, err: 'TypeError: Invalid URL\n    at new URL (node:internal/url:806:29)\n    at file:///x/dist/src/web/http-routes.js:30:21', msg: 'uncaught exception; exiting' },
      'not JSON at all',
    ]);
    expect(log.lastWords[0]).toBe('uncaught exception; exiting: TypeError: Invalid URL (at file:///x/dist/src/web/http-routes.js:30:21)');
    expect(log.counts.byLevel).toMatchObject({ fatal: 1, text: 1 });
  });
});
