// When the built-in notifications tell a person, tried against a real HTTP receiver: what one
// fault raises at once goes in one message; an unacknowledged MAJOR comes again every
// repeat_minutes and stops once acknowledged, a MINOR never repeats; a clear is told only with
// on_clear; a shelved alarm is told nothing; slack receivers get a `text`.
import { afterEach, describe, expect, it } from 'vitest';
import { Receiver, startHarness } from './notify-fixtures.js';

type Body = { id: string; server: string; summary: string; alarms: Record<string, unknown>[] };

const receivers: Receiver[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const r of receivers.splice(0)) await r.close();
});

async function setUp(options: Parameters<typeof startHarness>[0] = {}, format: 'json' | 'slack' = 'json') {
  const receiver = await Receiver.start();
  receivers.push(receiver);
  const h = startHarness({ webhooks: [{ url: receiver.url, format }], ...options });
  stops.push(() => h.notifications.stop());
  return { receiver, ...h };
}

const MINUTE = 60_000;

describe('built-in notifications: when', () => {
  it('groups the raises of one second into one message, with the rack, each alarm and its guidance, and its id in Idempotency-Key', async () => {
    const { receiver, book, clock, queued, attempt } = await setUp();
    book.raise('block-1', 'READING_OUTLIER', 'MAJOR');
    await clock.advance(300);
    book.raise('divider-1', 'READING_STALE', 'MINOR');
    await clock.advance(500);
    book.raise('block-2', 'DRIFT', 'INVALID');
    expect(queued()).toHaveLength(0); // the window (1 s from the first raise) is still open
    await clock.advance(200);
    const first = await receiver.request(1);
    const body = first.body as Body;
    expect(body.server).toBe('hv-rack');
    expect(body.summary).toBe('hv-rack: 3 alarms raised');
    expect(body.alarms.map((a) => [a.event, a.source, a.code, a.severity])).toEqual([
      ['raised', 'block-1', 'READING_OUTLIER', 'MAJOR'],
      ['raised', 'divider-1', 'READING_STALE', 'MINOR'],
      ['raised', 'block-2', 'DRIFT', 'INVALID'],
    ]);
    expect(body.alarms[0]).toMatchObject({ message: 'READING_OUTLIER of block-1', guidance: 'check the block-1 first', active: true, acknowledged: false });
    expect(first.headers['idempotency-key']).toBe(body.id);
    expect(first.headers['content-type']).toBe('application/json');
    expect((await attempt(1)).ok).toBe(true);

    // Five seconds later: a message of its own.
    await clock.advance(5000);
    book.raise('block-1', 'OUTPUT_STANDBY', 'MAJOR');
    await clock.advance(1000);
    const second = (await receiver.request(2)).body as Body;
    expect(second.alarms.map((a) => a.code)).toEqual(['OUTPUT_STANDBY']);
    expect(second.summary).toBe('hv-rack: MAJOR block-1 OUTPUT_STANDBY raised');
    expect(second.id).not.toBe(body.id);
    expect(queued()).toHaveLength(2);
  });

  it('repeats an unacknowledged MAJOR every repeat_minutes, also latched, and not after it is acknowledged', async () => {
    const { receiver, book, clock, queued, notifications } = await setUp();
    book.raise('block-1', 'NO_OUTPUT', 'MAJOR');
    await clock.advance(1000);
    expect(((await receiver.request(1)).body as Body).alarms[0]!.event).toBe('raised');
    await clock.advance(30 * MINUTE); // due 30 min after the raise, then its 1 s window
    const repeat = (await receiver.request(2)).body as Body;
    expect(repeat.alarms.map((a) => [a.event, a.code, a.active])).toEqual([['repeat', 'NO_OUTPUT', true]]);
    expect(repeat.summary).toBe('hv-rack: MAJOR block-1 NO_OUTPUT not acknowledged');

    // Cleared but nobody acknowledged it (latched): still repeated.
    book.clear('block-1', 'NO_OUTPUT');
    await clock.advance(30 * MINUTE);
    const latched = (await receiver.request(3)).body as Body;
    expect(latched.alarms.map((a) => [a.event, a.active])).toEqual([['repeat', false]]);

    book.acknowledge('block-1', 'NO_OUTPUT');
    expect(notifications.status().repeating).toBe(0);
    await clock.advance(3 * 60 * MINUTE);
    expect(queued()).toHaveLength(3);
    expect(notifications.status().channels[0]).toMatchObject({ pending: 0, delivered: 3 });
  });

  it('never repeats a MINOR; an escalation to MAJOR is told and then repeated', async () => {
    const { receiver, book, clock, queued } = await setUp({ repeatMinutes: 10 });
    book.raise('divider-2', 'DRIFT', 'MINOR');
    await clock.advance(1000);
    await receiver.request(1);
    await clock.advance(2 * 60 * MINUTE);
    expect(queued()).toHaveLength(1);

    book.raise('divider-2', 'DRIFT', 'MAJOR');
    await clock.advance(1000);
    expect(((await receiver.request(2)).body as Body).alarms.map((a) => [a.event, a.severity])).toEqual([['escalated', 'MAJOR']]);
    await clock.advance(10 * MINUTE);
    expect(((await receiver.request(3)).body as Body).alarms.map((a) => a.event)).toEqual(['repeat']);
  });

  it('tells a clear only with on_clear', async () => {
    const off = await setUp();
    off.book.raise('block-1', 'READING_STALE', 'MINOR');
    await off.clock.advance(1000);
    await off.receiver.request(1);
    off.book.clear('block-1', 'READING_STALE');
    await off.clock.advance(60_000);
    expect(off.queued()).toHaveLength(1);

    const on = await setUp({ notify: { on_clear: true } });
    on.book.raise('block-1', 'READING_STALE', 'MINOR');
    await on.clock.advance(1000);
    await on.receiver.request(1);
    await on.clock.advance(20_000);
    on.book.clear('block-1', 'READING_STALE');
    await on.clock.advance(1000);
    const cleared = (await on.receiver.request(2)).body as Body;
    expect(cleared.alarms.map((a) => [a.event, a.code, a.active])).toEqual([['cleared', 'READING_STALE', false]]);
    expect(cleared.summary).toBe('hv-rack: MINOR block-1 READING_STALE cleared');
  });

  it('tells nothing of a shelved alarm, neither its raise nor its repeat, until the shelving ends', async () => {
    const { receiver, book, clock, queued } = await setUp();
    book.raise('voltmeter-gun', 'DEVICE_FAULT', 'MAJOR');
    await clock.advance(1000);
    await receiver.request(1);
    book.shelve('voltmeter-gun', 'DEVICE_FAULT', 60);
    book.clear('voltmeter-gun', 'DEVICE_FAULT');
    book.raise('voltmeter-gun', 'DEVICE_FAULT', 'MAJOR'); // raised again while shelved
    await clock.advance(45 * MINUTE); // past a repeat
    expect(queued()).toHaveLength(1);

    // Shelved while its window is open: not sent either; the other alarm of the window is.
    book.raise('block-2', 'DRIFT', 'MAJOR');
    book.raise('divider-1', 'READING_OUTLIER', 'MINOR');
    await clock.advance(500);
    book.shelve('block-2', 'DRIFT', 60);
    await clock.advance(500);
    expect(((await receiver.request(2)).body as Body).alarms.map((a) => a.code)).toEqual(['READING_OUTLIER']);

    // The shelving ends: the next repeat is told.
    book.unshelve('voltmeter-gun', 'DEVICE_FAULT');
    await clock.advance(30 * MINUTE);
    const repeat = (await receiver.request(3)).body as Body;
    expect(repeat.alarms.map((a) => [a.event, a.source])).toContainEqual(['repeat', 'voltmeter-gun']);
    expect(repeat.alarms.map((a) => a.source)).not.toContain('block-2');
  });

  it('posts a slack `text` (Slack, Mattermost, Rocket.Chat) naming the rack, each alarm and what to check first', async () => {
    const { receiver, book, clock } = await setUp({}, 'slack');
    book.raise('block-1', 'OUTPUT_STANDBY', 'MAJOR', { message: 'the calibrator went to standby', guidance: "press the calibrator's OPER key after checking the interlock" });
    await clock.advance(1000);
    const { body, headers } = await receiver.request(1);
    expect(Object.keys(body)).toEqual(['text']);
    const lines = (body.text as string).split('\n');
    expect(lines[0]).toBe('hv-rack: MAJOR block-1 OUTPUT_STANDBY raised');
    expect(lines[1]).toMatch(/^• MAJOR block-1 OUTPUT_STANDBY raised at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: the calibrator went to standby$/);
    expect(lines[2]).toBe("  What to check first: press the calibrator's OPER key after checking the interlock");
    expect(headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
