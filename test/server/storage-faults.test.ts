// Storage faults on a live server are alarms, not deaths: a readings file that refuses writes
// (a link to /dev/full, which answers ENOSPC) raises STORAGE_FAULT while readings keep reaching the
// clients, and once the disk takes them again every reading is in the file, in order, and the alarm
// clears. A log file that refuses writes is an alarm too; a data directory that cannot be written
// stops the start with one sentence.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Alarm } from '../../src/kit/alarms/alarm-table.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { ConfigError, loadConfig } from '../../src/hv/config/load-config.js';
import { createLogger, silentLogger } from '../../src/kit/log/logger.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { startServer } from '../../app/start-server.js';
import { PROBE_NAME } from '../../src/kit/storage/check-data-dir.js';
import { dayName } from '../../src/kit/storage/readings-log.js';
import { runWithIo } from '../helpers/clock-and-io.js';
import { startTestServer } from '../helpers/test-server.js';

/** When the test server's clock starts (test/helpers/test-server.ts). */
const START = new Date(2026, 10, 23, 12, 0, 0).getTime();

async function observe(host: string, port: number) {
  const ws = new WebSocket(`ws://${host}:${port}/channel?observe=1`);
  const alarms: Meta[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Meta;
    if (m.event_type === 'alarm') alarms.push(m);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, alarms };
}

describe('storage faults on a live server', () => {
  it('ENOSPC on the readings log: readings still published, STORAGE_FAULT raised to status and observers, rows written in order once the disk takes them, alarm cleared', async () => {
    let tsv = '';
    const t = await startTestServer((c) => {
      mkdirSync(join(c.data_dir, 'HV'), { recursive: true });
      tsv = join(c.data_dir, 'HV', `${dayName(START)}-virtual.tsv`);
      symlinkSync('/dev/full', tsv);
    });
    const observer = await observe(t.server.http.host, t.server.http.port);
    const online = await t.connect();
    const published = () => online.received.filter((m) => m.answer_type === 'get_voltage' && m.block === 1).map((m) => m.voltage as number);
    const fault = () => t.server.alarms.list().find((a) => a.code === 'STORAGE_FAULT');

    await t.advanceUntil(() => fault() !== undefined && published().length >= 3, 60_000);
    expect(fault()).toMatchObject({ source: 'readings-log', instrument: null, severity: 'MAJOR', status: 'WRITE', value: 0 });
    expect(fault()!.message).toMatch(
      new RegExp(`^readings could not be written to ${tsv} \\(ENOSPC: no space left on device\\); expected a data directory this user can write, with free space; \\d+ readings wait in memory \\(at most 200000\\) to be written when it can, 0 dropped$`),
    );
    const status = (await (await fetch(`http://${t.server.http.host}:${t.server.http.port}/api/status`)).json()) as { alarms: Alarm[] };
    expect(status.alarms).toEqual(expect.arrayContaining([expect.objectContaining({ source: 'readings-log', code: 'STORAGE_FAULT', status: 'WRITE' })]));
    await t.advanceUntil(() => observer.alarms.length > 0, 5000, 10);
    expect(observer.alarms[0]).toMatchObject({ change: 'raised', alarm: { source: 'readings-log', code: 'STORAGE_FAULT' } });
    expect(t.logs.some((l) => String(l.msg).startsWith('alarm raised: readings-log STORAGE_FAULT (MAJOR): readings could not be written'))).toBe(true);

    // Control goes on: a command is answered while the disk is full.
    const answer = online.answer();
    online.send({ type: 'command', command_type: 'set_voltage', block: 2, voltage: 100 });
    expect(await t.runUntil(answer, 30_000)).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });
    await t.advanceUntil(() => published().length >= 8, 60_000);
    const waiting = t.server.readingsLog.backlogRows;
    expect(waiting).toBeGreaterThanOrEqual(8);

    // Space again: the next reading writes the backlog, and the alarm clears.
    rmSync(tsv);
    await t.advanceUntil(() => fault() === undefined, 60_000);
    await t.server.readingsLog.flush();
    await t.advanceUntil(() => observer.alarms.some((m) => m.change === 'cleared'), 5000, 10);
    expect(observer.alarms.at(-1)).toMatchObject({ change: 'cleared', alarm: { source: 'readings-log', code: 'STORAGE_FAULT' } });
    expect(t.logs.some((l) => /^readings log writes again: the readings kept in memory are in the files \(\d+ written since the fault began\), 0 were dropped$/.test(String(l.msg)))).toBe(true);

    const rows = readFileSync(tsv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('timestamp\tHV');
    expect(rows.filter((r) => r === 'timestamp\tHV')).toHaveLength(1);
    const times = rows.slice(1).map((r) => r.split('\t')[0]!);
    expect([...times].sort()).toEqual(times);
    // Every reading the client saw is in the file, in the order it was published.
    const volts = rows.slice(1).map((r) => Number(r.split('\t')[1]));
    const seen = published();
    const from = volts.indexOf(seen[0]!);
    expect(from).toBeGreaterThanOrEqual(0);
    expect(volts.slice(from, from + seen.length)).toEqual(seen);
    expect(t.server.readingsLog.backlogRows).toBe(0);

    observer.ws.close();
    await online.close();
    await t.stop();
  });

  it('a log file the disk refuses raises STORAGE_FAULT for log-file, and the server serves and stops as usual', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-logfault-'));
    const config = loadConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir });
    const d = new Date();
    mkdirSync(join(dataDir, 'logs'));
    symlinkSync('/dev/full', join(dataDir, 'logs', `hv-server.${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}.1.log`));
    const clock = new ManualClock(START);
    const { logger, file, flush } = await createLogger({ consoleLevel: 'silent', fileLevel: 'debug', pretty: false, file: join(dataDir, 'logs', 'hv-server.log'), now: () => clock.now() });
    const server = await startServer({ config, clock, log: logger, logFile: file });
    const logFault = () => server.alarms.list().find((a) => a.source === 'log-file');
    if (!logFault()) await new Promise<void>((resolve) => server.alarms.onChange((_, a) => a.source === 'log-file' && resolve()));
    expect(logFault()).toMatchObject({ code: 'STORAGE_FAULT', severity: 'MAJOR', status: 'WRITE' });
    expect(logFault()!.message).toMatch(/^log lines could not be written to .*\/logs\/hv-server\.\d{4}-\d\d-\d\d\.1\.log \(ENOSPC: no space left on device\)/);
    // The stop closes the log file and the readings: real file I/O, finished between steps of the clock.
    await runWithIo(clock, server.stop('test finished'), 60_000, 50);
    // Real time: a flush that gives up on the refusal takes a few ms; one that retried the write
    // forever never returns. The bound is over 100 times the first.
    const started = performance.now();
    flush();
    expect(performance.now() - started).toBeLessThan(500);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['under a file', (dir: string) => writeFileSync(join(dir, 'data'), ''), /\(ENOTDIR: not a directory\)/],
    ['on a full disk', (dir: string) => (mkdirSync(join(dir, 'data', 'run-1'), { recursive: true }), symlinkSync('/dev/full', join(dir, 'data', 'run-1', PROBE_NAME))), /\(ENOSPC: no space left on device\)/],
  ])('refuses to start on a data directory %s, with one sentence', async (_name, spoil, cause) => {
    const root = mkdtempSync(join(tmpdir(), 'hv-datadir-'));
    spoil(root);
    const dataDir = join(root, 'data', 'run-1');
    const config = loadConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir });
    const started = startServer({ config, clock: new ManualClock(START), log: silentLogger() });
    await expect(started).rejects.toThrow(ConfigError);
    const message = await started.catch((err: Error) => err.message);
    expect(message).toMatch(new RegExp(`^key 'data_dir' is "${dataDir}", which cannot be written `));
    expect(message).toMatch(cause);
    expect(message).toMatch(/; expected a directory this user can create files in, on a disk with free space$/);
    rmSync(root, { recursive: true, force: true });
  });

  it('says so when the data directory is a file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hv-datadir-'));
    writeFileSync(join(root, 'data'), '');
    const config = loadConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir: join(root, 'data') });
    await expect(startServer({ config, clock: new ManualClock(START), log: silentLogger() })).rejects.toThrow(
      `key 'data_dir' is "${join(root, 'data')}", which is a file, not a directory; expected a directory this user can create files in, on a disk with free space`,
    );
    rmSync(root, { recursive: true, force: true });
  });
});
