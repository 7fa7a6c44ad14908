// The outbox keeps what waits across a restart: a new server on the same data directory sends
// what was pending, with the same id, and nothing that was already accepted; a stop puts the open
// grouping window's message in it too. A corrupt outbox is moved aside and alarmed, never a crash.
// A full disk (the temporary file a link to /dev/full: ENOSPC) raises STORAGE_FAULT while the queue
// stays in memory and is delivered; the fault clears once a save succeeds.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alarm } from '../../src/kit/alarms/alarm-table.js';
import { NOTIFY_OUTBOX_UNREADABLE } from '../../src/kit/alarms/notify/outbox.js';
import { OUTBOX_FILE, type NotifyEvent } from '../../src/kit/alarms/notify/start-alarm-notifications.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { STORAGE_FAULT } from '../../src/kit/alarms/storage-alarm.js';
import { Receiver, startHarness } from './notify-fixtures.js';

const receivers: Receiver[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const r of receivers.splice(0)) await r.close();
});

type Harness = ReturnType<typeof startHarness>;

/** The first event since the `from`-th (past or to come) that matches. */
async function seen(h: Harness, match: (e: NotifyEvent) => boolean, from = 0): Promise<NotifyEvent> {
  return h.events.slice(from).find(match) ?? h.next(match);
}

const outboxSaved = (pending: number) => (e: NotifyEvent) => e.type === 'outbox' && e.saved && e.pending === pending;

function start(receiver: Receiver, dataDir: string, clock?: ManualClock): Harness {
  const h = startHarness({ webhooks: [{ url: receiver.url, format: 'json' }], dataDir, ...(clock ? { clock } : {}) });
  stops.push(() => h.notifications.stop());
  return h;
}

const sources = (body: Record<string, unknown>) => (body.alarms as { source: string }[]).map((a) => a.source);

describe('built-in notifications: the outbox', () => {
  it('survives a crash: a new instance on the same data directory sends what was pending, once, and nothing already accepted', async () => {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-notify-'));
    const first = start(receiver, dataDir);
    first.book.raise('block-1', 'DRIFT', 'MINOR');
    await first.clock.advance(1000);
    await receiver.request(1);
    expect((await first.attempt(1)).ok).toBe(true);
    await seen(first, outboxSaved(0)); // saves are one at a time, in order: this is the last

    await receiver.down();
    const since = first.events.length;
    first.book.raise('block-2', 'NO_OUTPUT', 'MINOR');
    await first.clock.advance(1000);
    expect((await first.attempt(2)).ok).toBe(false);
    await seen(first, outboxSaved(1), since);
    const file = JSON.parse(readFileSync(join(dataDir, OUTBOX_FILE), 'utf8')) as { channels: Record<string, { notification: { id: string } }[]> };
    const waiting = file.channels['webhook-1']!.map((q) => q.notification.id);
    expect(waiting).toEqual([first.queued()[1]!.id]);

    // The first instance is left as a crash leaves it (its clock never moves again); a second one starts.
    await receiver.up('accept');
    const second = start(receiver, dataDir, new ManualClock(first.clock.now() + 60_000));
    const resent = await receiver.request(2);
    expect(resent.body.id).toBe(waiting[0]);
    expect(resent.headers['idempotency-key']).toBe(waiting[0]);
    expect(sources(resent.body)).toEqual(['block-2']);
    expect((await second.attempt(1)).ok).toBe(true);
    await seen(second, outboxSaved(0));
    await second.clock.advance(3600_000);
    expect(receiver.accepted.map((r) => sources(r.body))).toEqual([['block-1'], ['block-2']]);
    expect(second.notifications.status().channels[0]).toMatchObject({ pending: 0, delivered: 1 });
  });

  it('a stop puts the open window and what waits in the outbox, sent after the restart', async () => {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    await receiver.down();
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-notify-'));
    const first = start(receiver, dataDir);
    first.book.raise('block-1', 'OUTPUT_STANDBY', 'MAJOR');
    await first.clock.advance(500); // the window is still open
    await first.notifications.stop();
    const file = JSON.parse(readFileSync(join(dataDir, OUTBOX_FILE), 'utf8')) as { channels: Record<string, unknown[]> };
    expect(file.channels['webhook-1']).toHaveLength(1);

    await receiver.up('accept');
    start(receiver, dataDir);
    expect(sources((await receiver.request(1)).body)).toEqual(['block-1']);
  });

  it('a corrupt outbox is moved aside and alarmed, not a crash; notifications go on and the alarm clears once a good outbox is saved', async () => {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-notify-'));
    mkdirSync(join(dataDir, 'notify'));
    writeFileSync(join(dataDir, OUTBOX_FILE), '{"version":1,"channels":{"webhook-1":[{"queued_at":1,"notification":{"id":"x"}}]}}\n');
    const changes: [string, Alarm][] = [];
    const h = start(receiver, dataDir);
    h.alarms.onChange((change, alarm) => changes.push([change, alarm]));
    const unreadable = h.alarms.list().find((a) => a.code === NOTIFY_OUTBOX_UNREADABLE);
    expect(unreadable).toMatchObject({ source: 'notify-outbox', severity: 'MAJOR', status: 'READ' });
    expect(unreadable!.message).toMatch(/^the notifications outbox .*outbox\.json could not be read \(the queue of webhook-1 is not a list of notifications\), moved to .*outbox\.json\.unreadable-\d+; /);
    expect(readdirSync(join(dataDir, 'notify')).filter((f) => f.startsWith('outbox.json.unreadable-'))).toHaveLength(1);

    await seen(h, outboxSaved(0));
    expect(changes.map(([c, a]) => `${c} ${a.code}`)).toEqual([`cleared ${NOTIFY_OUTBOX_UNREADABLE}`]);
    h.book.raise('block-1', 'DRIFT', 'MINOR');
    await h.clock.advance(1000);
    expect(sources((await receiver.request(1)).body)).toEqual(['block-1']);

    // Not JSON at all: the same.
    const other = mkdtempSync(join(tmpdir(), 'hv-notify-'));
    mkdirSync(join(other, 'notify'));
    writeFileSync(join(other, OUTBOX_FILE), '{"version":1,"chan');
    const again = start(receiver, other);
    expect(again.alarms.list().find((a) => a.code === NOTIFY_OUTBOX_UNREADABLE)!.message).toMatch(/could not be read \(.*JSON.*\)/);
  });

  it('ENOSPC: STORAGE_FAULT raised, the queue kept in memory and delivered, the fault cleared once a save succeeds', async () => {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    await receiver.down();
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-notify-'));
    mkdirSync(join(dataDir, 'notify'));
    const temp = join(dataDir, `${OUTBOX_FILE}.tmp`);
    const diskFull = () => symlinkSync('/dev/full', temp); // every write through the temporary file gets ENOSPC
    diskFull();
    const h = start(receiver, dataDir);
    const fault = () => h.alarms.list().find((a) => a.code === STORAGE_FAULT);

    h.book.raise('block-1', 'NO_OUTPUT', 'MINOR');
    await h.clock.advance(1000);
    expect(await seen(h, (e) => e.type === 'outbox' && !e.saved)).toMatchObject({ pending: 1, error: 'ENOSPC: no space left on device' });
    expect(fault()).toMatchObject({ source: 'notify-outbox', severity: 'MAJOR', status: 'WRITE', value: 1 });
    expect(fault()!.message).toMatch(
      /^the notifications outbox could not be saved to .*outbox\.json \(ENOSPC: no space left on device\); expected a data directory this user can write, with free space; 1 notifications wait in memory and are still sent/,
    );
    expect(existsSync(join(dataDir, OUTBOX_FILE))).toBe(false);
    expect(h.notifications.status().outbox).toMatchObject({ saved_at: null, error: 'ENOSPC: no space left on device' });
    diskFull(); // the failed write took its temporary file (the link) away: still full

    // Delivered from memory while the disk is full.
    await h.attempt(1);
    await receiver.up('accept');
    await h.clock.advance(h.notifications.status().channels[0]!.next_attempt_at! - h.clock.now());
    expect(sources((await receiver.request(1)).body)).toEqual(['block-1']);
    expect((await h.attempt(2)).ok).toBe(true);
    await seen(h, (e) => e.type === 'outbox' && !e.saved && e.pending === 0);
    expect(fault()).toBeDefined();

    // The disk takes writes again (no link now): the retry on the clock saves, and the fault clears.
    await h.clock.advance(30_000);
    await seen(h, outboxSaved(0));
    expect(fault()).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dataDir, OUTBOX_FILE), 'utf8'))).toMatchObject({ version: 1, channels: { 'webhook-1': [] } });
    expect(receiver.accepted).toHaveLength(1);
  });
});
