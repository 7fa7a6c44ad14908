// Alarms as the night shift handles them, on a live server over real sockets: a supply trip that
// recovers by itself stays listed, latched and unacknowledged, with guidance; the list survives a
// restart on the same data directory; an acknowledgement is refused from another origin, without
// control and as a plain form, and from an allowed address clears the latch and goes into the
// audit trail; a shelving hides one alarm for its time and ends by itself; a store that is corrupt
// or missing is an alarm of its own; a full disk keeps the book in memory and answers the
// acknowledgement all the same.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { checkCommand } from '../../src/hv/client/hv-connection.js';
import type { AlarmEntry } from '../../src/kit/alarms/alarm-entry.js';
import { ALARM_STORE_FILE } from '../../src/kit/alarms/alarm-store.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { alarmList, alarmPost } from '../helpers/alarm-http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const running: TestServer[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.stop();
});

async function server(dataDir?: string): Promise<TestServer> {
  const t = await startTestServer((c) => {
    if (dataDir) c.data_dir = dataDir;
  });
  running.push(t);
  return t;
}

/** Block 1 on at 18500 V, then its supply trips and comes back by itself: NO_OUTPUT raised, then cleared. */
async function tripAndRecover(t: TestServer): Promise<void> {
  const online = await t.connect();
  const answer = online.answer();
  online.send(checkCommand(1, 18500, 0.1, 30));
  expect(await t.runUntil(answer, 60_000)).toMatchObject({ status: 'ok' });
  expect(t.server.control!.apply({ cmd: 'trip', block: 1 })).toMatchObject({ ok: true });
  await t.advanceUntil(() => t.server.alarms.list().some((a) => a.code === 'NO_OUTPUT'), 20_000);
  expect(t.server.control!.apply({ cmd: 'trip', block: 1, on: false })).toMatchObject({ ok: true });
  await t.advanceUntil(() => t.server.alarms.list().length === 0, 60_000);
  await online.close();
}

const noOutput = (alarms: AlarmEntry[]) => alarms.find((a) => a.source === 'block-1' && a.code === 'NO_OUTPUT');

describe('latched alarms', () => {
  it('a trip that recovers by itself stays listed, latched and unacknowledged, with guidance, in the list, the events and /metrics', async () => {
    const t = await server();
    const observer = new WebSocket(`ws://127.0.0.1:${t.server.http.port}/channel?observe=1`);
    const kinds: string[] = [];
    observer.on('message', (d) => {
      const m = JSON.parse(String(d)) as Meta;
      if (m.event_type === 'alarms' && (m.alarm as AlarmEntry).code === 'NO_OUTPUT') kinds.push(String(m.change));
    });
    await new Promise((r) => observer.once('open', r));
    await tripAndRecover(t);

    const { alarms, unacknowledged } = await alarmList(t.server.http.port);
    expect(noOutput(alarms)).toMatchObject({
      active: false,
      acknowledged: false,
      severity: 'MAJOR',
      highest_severity: 'MAJOR',
      cleared_at: expect.any(Number),
      shelved_until: null,
      guidance: expect.stringContaining('interlock'),
      message: expect.stringContaining('the supply has tripped'),
    });
    expect(unacknowledged.MAJOR).toBeGreaterThanOrEqual(1);
    await t.advanceUntil(() => kinds.includes('cleared'), 2000, 10);
    expect(kinds.slice(0, 1)).toEqual(['raised']);
    const metrics = await (await fetch(`http://127.0.0.1:${t.server.http.port}/metrics`)).text();
    expect(metrics).toMatch(/^hv_alarms_unacknowledged\{severity="MAJOR"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^hv_alarms_active\{severity="MAJOR"\} 0$/m);
    observer.close();
  });

  it('is still listed after a restart on the same data directory, and clears as latched when its condition is gone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-alarm-restart-'));
    const first = await server(dataDir);
    await tripAndRecover(first);
    const before = noOutput((await alarmList(first.server.http.port)).alarms)!;
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const stored = JSON.parse(readFileSync(join(dataDir, ALARM_STORE_FILE), 'utf8')) as { alarms: AlarmEntry[] };
    expect(noOutput(stored.alarms)).toMatchObject({ active: false, acknowledged: false });

    const second = await server(dataDir);
    const after = noOutput((await alarmList(second.server.http.port)).alarms);
    expect(after).toMatchObject({ active: false, acknowledged: false, since: before.since, cleared_at: before.cleared_at, guidance: before.guidance });
    expect(after?.guidance).toContain('interlock');
  });

  it('an active alarm carried over a restart that nothing raises again clears after the grace, latched', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-alarm-carried-'));
    const first = await server(dataDir);
    first.server.alarms.raise({ source: 'block-1', instrument: null, code: 'DRIFT', severity: 'MAJOR', status: 'HIGH', message: 'drifting', value: 0.3 });
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const second = await server(dataDir);
    expect(second.server.alarmBook.get('block-1', 'DRIFT')).toMatchObject({ active: true, acknowledged: false });
    await second.advanceUntil(() => second.server.alarmBook.get('block-1', 'DRIFT')?.active === false, 30_000);
    expect(second.server.alarmBook.get('block-1', 'DRIFT')).toMatchObject({ acknowledged: false, cleared_at: expect.any(Number) });
  });
});

describe('acknowledging', () => {
  it('is refused from another origin (403), without control (403) and as text/plain (415), each recorded; nothing is acknowledged', async () => {
    const t = await server();
    await tripAndRecover(t);
    const port = t.server.http.port;
    const body = { source: 'block-1', code: 'NO_OUTPUT', note: 'seen' };
    const foreign = await alarmPost(port, '/api/alarms/acknowledge', body, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const watcher = await alarmPost(port, '/api/alarms/acknowledge', body, { localAddress: '127.0.0.2' });
    expect(watcher.status).toBe(403);
    expect(String(watcher.body.error)).toMatch(/may not acknowledge alarms: that takes control/);
    expect((await alarmPost(port, '/api/alarms/acknowledge', body, { contentType: 'text/plain' })).status).toBe(415);
    for (const path of ['/api/alarms/shelve', '/api/alarms/unshelve']) {
      expect((await alarmPost(port, path, { source: 'block-1', code: 'NO_OUTPUT', minutes: 5, reason: 'x' }, { origin: 'http://evil.example' })).status).toBe(403);
    }
    expect(noOutput((await alarmList(port)).alarms)).toMatchObject({ acknowledged: false });
    const refusals = t.server.audit.list().filter((e) => e.outcome === 'refused');
    expect(refusals.map((e) => e.address)).toEqual(expect.arrayContaining(['127.0.0.1', '127.0.0.2']));
  });

  it('from an allowed address clears the latch, and the acknowledgement with its note is in /api/audit', async () => {
    const t = await server();
    await tripAndRecover(t);
    const port = t.server.http.port;
    const answer = await alarmPost(port, '/api/alarms/acknowledge', { source: 'block-1', code: 'NO_OUTPUT', note: 'FuG door interlock, closed again' });
    expect(answer).toMatchObject({ status: 200, body: { ok: true, acknowledged: [{ source: 'block-1', code: 'NO_OUTPUT' }] } });
    expect(noOutput((await alarmList(port)).alarms)).toBeUndefined();
    const audit = (await (await fetch(`http://127.0.0.1:${port}/api/audit`)).json()) as { entries: { action: string; outcome: string; address: string }[] };
    expect(audit.entries).toContainEqual(expect.objectContaining({ action: 'acknowledge block-1 NO_OUTPUT: FuG door interlock, closed again', outcome: 'ok', address: '127.0.0.1' }));
    // Answered once on the disk: the store no longer lists it.
    const stored = JSON.parse(readFileSync(join(t.dataDir, ALARM_STORE_FILE), 'utf8')) as { alarms: AlarmEntry[] };
    expect(noOutput(stored.alarms)).toBeUndefined();
  });

  it('answers a bad request with a sentence: an alarm not listed (404), no alarm named (400), a note too long (400)', async () => {
    const t = await server();
    const port = t.server.http.port;
    expect(await alarmPost(port, '/api/alarms/acknowledge', { source: 'block-9', code: 'NO_OUTPUT' })).toMatchObject({ status: 404, body: { error: 'no alarm block-9 NO_OUTPUT is listed' } });
    expect((await alarmPost(port, '/api/alarms/acknowledge', { code: 'NO_OUTPUT' })).status).toBe(400);
    expect((await alarmPost(port, '/api/alarms/acknowledge', { all: true, note: 'x'.repeat(501) })).status).toBe(400);
    expect(await alarmPost(port, '/api/alarms/acknowledge', { all: true })).toMatchObject({ status: 200, body: { acknowledged: [] } });
    expect((await fetch(`http://127.0.0.1:${port}/api/alarms/acknowledge`)).status).toBe(405);
  });
});

describe('shelving', () => {
  it('hides one alarm for its minutes with a reason, counts it apart from the unacknowledged, and ends by itself', async () => {
    const t = await server();
    await tripAndRecover(t);
    const port = t.server.http.port;
    expect((await alarmPost(port, '/api/alarms/shelve', { source: 'block-1', code: 'NO_OUTPUT', minutes: 0, reason: 'repair' })).status).toBe(400);
    expect((await alarmPost(port, '/api/alarms/shelve', { source: 'block-1', code: 'NO_OUTPUT', minutes: 30 })).status).toBe(400);
    expect((await alarmPost(port, '/api/alarms/shelve', { source: 'block-1', code: 'NO_OUTPUT', minutes: 24 * 60 + 1, reason: 'x' })).status).toBe(400);
    const unackBefore = (await alarmList(port)).unacknowledged.MAJOR!;
    const shelved = await alarmPost(port, '/api/alarms/shelve', { source: 'block-1', code: 'NO_OUTPUT', minutes: 60, reason: 'FuG supply in repair' });
    expect(shelved).toMatchObject({ status: 200, body: { alarm: { shelved_until: t.clock.now() + 3600_000, shelved: { note: 'FuG supply in repair', by: '127.0.0.1' } } } });
    expect((await alarmList(port)).unacknowledged.MAJOR).toBe(unackBefore - 1);
    expect(t.server.audit.list().at(-1)).toMatchObject({ action: 'shelve block-1 NO_OUTPUT for 60 min: FuG supply in repair', outcome: 'ok' });
    await t.clock.advance(3600_000);
    expect(noOutput((await alarmList(port)).alarms)).toMatchObject({ shelved_until: null, shelved: null, acknowledged: false });
  });

  it('unshelve ends it early, and is audited', async () => {
    const t = await server();
    await tripAndRecover(t);
    const port = t.server.http.port;
    await alarmPost(port, '/api/alarms/shelve', { source: 'block-1', code: 'NO_OUTPUT', minutes: 60, reason: 'repair' });
    expect(await alarmPost(port, '/api/alarms/unshelve', { source: 'block-1', code: 'NO_OUTPUT' })).toMatchObject({ status: 200, body: { alarm: { shelved_until: null } } });
    expect(t.server.audit.list().at(-1)).toMatchObject({ action: 'unshelve block-1 NO_OUTPUT' });
    expect((await alarmPost(port, '/api/alarms/unshelve', { source: 'block-1', code: 'NO_OUTPUT' })).status).toBe(404);
  });
});

describe('the store', () => {
  it('corrupt: an alarm of its own, latched, the file moved aside; the server starts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-alarm-corrupt-'));
    writeFileSync(join(dataDir, ALARM_STORE_FILE), '{"format": 1, "alarms": [{"source": "block-1", "co');
    const t = await server(dataDir);
    const alarm = t.server.alarmBook.get('alarm-store', 'ALARM_STORE_CORRUPT');
    expect(alarm).toMatchObject({ active: false, acknowledged: false, severity: 'MAJOR', message: expect.stringContaining('could not be read') });
    expect(readdirSync(dataDir).some((f) => f.startsWith(`${ALARM_STORE_FILE}.corrupt-`))).toBe(true);
  });

  it('a store of another shape, and single entries that are not alarms, are alarmed and dropped, never trusted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-alarm-shape-'));
    writeFileSync(join(dataDir, ALARM_STORE_FILE), JSON.stringify({ format: 1, alarms: [{ source: 'block-1', code: 'NO_OUTPUT' }, 7] }));
    const t = await server(dataDir);
    expect(t.server.alarmBook.get('alarm-store', 'ALARM_STORE_CORRUPT')?.message).toMatch(/^2 of the 2 alarms in .* were not readable/);
    expect(t.server.alarmBook.get('block-1', 'NO_OUTPUT')).toBeUndefined();
  });

  it('missing where the data directory shows an earlier run: ALARM_STORE_MISSING; missing in a new one: nothing', async () => {
    const used = mkdtempSync(join(tmpdir(), 'hv-alarm-missing-'));
    mkdirSync(join(used, 'HV'));
    writeFileSync(join(used, 'HV', '26-11-22-virtual.tsv'), 'time\tHV\n');
    const t = await server(used);
    expect(t.server.alarmBook.get('alarm-store', 'ALARM_STORE_MISSING')).toMatchObject({ severity: 'MINOR', acknowledged: false });
    const fresh = await server();
    expect(fresh.server.alarmBook.list().filter((a) => a.source === 'alarm-store')).toEqual([]);
  });

  it('on a full disk: STORAGE_FAULT for the store, the acknowledgement answered and kept in memory, written once the disk has room', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-alarm-full-'));
    // A real full disk: a small tmpfs, filled once the server has started. Mounting takes root, as CI is.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dataDir]);
    try {
      const t = await server(dataDir);
      await tripAndRecover(t);
      // No save in flight while the disk fills: a rename over the old store would free its page again.
      await t.server.alarmStore.save(t.server.alarmBook);
      const filler = join(dataDir, 'filler');
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k', 'count=64'], { stdio: 'ignore' });
      } catch {
        // dd ends with "no space left": the disk is full, which is the point.
      }
      const answer = await alarmPost(t.server.http.port, '/api/alarms/acknowledge', { source: 'block-1', code: 'NO_OUTPUT', note: 'on a full disk' });
      expect(answer.status).toBe(200);
      expect(t.server.alarms.list()).toContainEqual(expect.objectContaining({ source: 'alarm-store', code: 'STORAGE_FAULT', message: expect.stringContaining('ENOSPC') }));
      expect(noOutput(t.server.alarmBook.list())).toBeUndefined();
      writeFileSync(filler, '');
      // The store writes again at a retry on the server's clock, through real file I/O: each step of
      // the clock waits for that I/O to finish, however long a loaded machine takes (clock-and-io.ts).
      await t.advanceUntil(() => !t.server.alarms.list().some((a) => a.source === 'alarm-store'), 60_000, 500);
      const stored = JSON.parse(readFileSync(join(dataDir, ALARM_STORE_FILE), 'utf8')) as { alarms: AlarmEntry[] };
      expect(noOutput(stored.alarms)).toBeUndefined();
      await t.stop();
      running.splice(running.indexOf(t), 1);
    } finally {
      execFileSync('umount', ['-l', dataDir]);
    }
  });
});
