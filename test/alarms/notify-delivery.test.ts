// A receiver that is down or slow loses no notification and gets none twice: refused connections,
// then 500, then an answer that never comes in time, and the one notification raised meanwhile
// arrives once when the receiver accepts again (its id the same in every attempt). Past the queue's
// bound the oldest are dropped, counted and alarmed. Real sockets; every wait but a request's
// time-out on the ManualClock.
import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFY_FAILING, NOTIFY_QUEUE_FULL } from '../../src/kit/alarms/notify/channel-delivery.js';
import { Receiver, startHarness } from './notify-fixtures.js';

const receivers: Receiver[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const r of receivers.splice(0)) await r.close();
});

type Harness = ReturnType<typeof startHarness>;

/** Until nothing is in flight: the channel waits out a back-off, or has nothing left. */
async function quiet(h: Harness): Promise<void> {
  for (;;) {
    const s = h.notifications.status().channels[0]!;
    if (s.pending === 0 || s.next_attempt_at !== null) return;
    await h.next((e) => e.type === 'attempt');
  }
}

/** Moves the clock to the next attempt. */
async function toNextAttempt(h: Harness): Promise<void> {
  const at = h.notifications.status().channels[0]!.next_attempt_at!;
  await h.clock.advance(at - h.clock.now());
}

describe('built-in notifications: delivery', () => {
  it('refused, 500, then too slow: the notification raised meanwhile arrives once when the receiver accepts again', async () => {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    await receiver.down();
    // A local receiver answers within a few ms: a 0.5 s time-out (real time) is over 100 times that.
    const h = startHarness({ webhooks: [{ url: receiver.url, format: 'json' }], notify: { timeout_s: 0.5 } });
    stops.push(() => h.notifications.stop());
    h.book.raise('block-1', 'NO_OUTPUT', 'MINOR');
    await h.clock.advance(1000);
    const refused = await h.attempt(1);
    expect(refused).toMatchObject({ ok: false, pending: 1 });
    expect(refused.error).toMatch(/ECONNREFUSED/);
    const firstFailure = h.clock.now();

    await receiver.up('error');
    await toNextAttempt(h);
    expect((await receiver.request(1)).answered).toBe(500);
    expect((await h.attempt(2)).error).toBe('answered HTTP 500 Internal Server Error; expected 2xx');

    receiver.mode = 'hold';
    await toNextAttempt(h);
    await receiver.request(2);
    expect((await h.attempt(3)).error).toBe('no answer within 0.5 s');
    // Three failures in a row: the channel is alarmed, and its status says since when and why.
    expect(h.alarms.list().find((a) => a.code === NOTIFY_FAILING)).toMatchObject({ source: 'notify-webhook-1', severity: 'MINOR', status: 'COMM', value: 1 });
    expect(h.alarms.list().find((a) => a.code === NOTIFY_FAILING)!.message).toMatch(
      /^notifications to webhook-1 \(http:\/\/127\.0\.0\.1:\d+\/… \(json\)\) are not accepted since .*: no answer within 0\.5 s; 1 waiting, the next attempt in 4 s/,
    );
    expect(h.notifications.status().channels[0]).toMatchObject({ pending: 1, delivered: 0, failing_since: expect.any(Number), last_error: 'no answer within 0.5 s' });
    expect(h.notifications.status().channels[0]!.failing_since).toBeLessThanOrEqual(firstFailure);

    receiver.mode = 'accept';
    await toNextAttempt(h);
    expect((await receiver.request(3)).answered).toBe(200);
    expect(await h.attempt(4)).toMatchObject({ ok: true, pending: 0 });
    expect(h.alarms.list().map((a) => a.code)).not.toContain(NOTIFY_FAILING);

    // One notification, the same id in all three requests, accepted once; nothing more comes.
    const ids = receiver.requests.map((r) => [r.headers['idempotency-key'], r.body.id]);
    expect(new Set(ids.flat()).size).toBe(1);
    await h.clock.advance(2 * 3600_000);
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.requests).toHaveLength(3);
    expect(h.notifications.status().channels[0]).toMatchObject({ pending: 0, delivered: 1, failing_since: null, last_error: null, next_attempt_at: null });
    expect(h.notifications.counters()).toEqual([{ channel: 'webhook-1', queued: 1, delivered: 1, failed_attempts: 3, overflowed: 0, pending: 0 }]);
  });

  it('a full queue drops the oldest, counts and alarms it; the rest arrive in order once the receiver is back, and the alarm clears', async () => {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    await receiver.down();
    const h = startHarness({ webhooks: [{ url: receiver.url, format: 'json' }], notify: { queue_limit: 3 } });
    stops.push(() => h.notifications.stop());
    for (let i = 1; i <= 5; i++) {
      h.book.raise(`block-${i}`, 'DRIFT', 'MINOR');
      await h.clock.advance(1000);
      await quiet(h);
    }
    expect(h.notifications.status().channels[0]).toMatchObject({ pending: 3, overflowed: 2, delivered: 0 });
    const full = h.alarms.list().find((a) => a.code === NOTIFY_QUEUE_FULL);
    expect(full).toMatchObject({ source: 'notify-webhook-1', severity: 'MAJOR', value: 2 });
    expect(full!.message).toMatch(/^notifications to webhook-1 .* overflowed their queue of 3: 2 dropped, the oldest first, while the receiver does not accept them \(connect ECONNREFUSED/);

    await receiver.up('accept');
    await toNextAttempt(h);
    const arrived = await Promise.all([1, 2, 3].map((n) => receiver.request(n)));
    expect(arrived.map((r) => (r.body.alarms as { source: string }[])[0]!.source)).toEqual(['block-3', 'block-4', 'block-5']);
    while (h.notifications.status().channels[0]!.delivered < 3) await h.next((e) => e.type === 'attempt');
    expect(h.alarms.list().map((a) => a.code)).not.toContain(NOTIFY_QUEUE_FULL);
    expect(h.notifications.counters()[0]).toMatchObject({ queued: 5, delivered: 3, overflowed: 2, pending: 0 });
  });

  it('a stop does not wait on a receiver that holds its answer: the attempt is aborted and its notification stays in the outbox', async () => {
    const receiver = await Receiver.start('hold');
    receivers.push(receiver);
    // A time-out longer than the test's own: only the abort can end the attempt in time.
    const h = startHarness({ webhooks: [{ url: receiver.url, format: 'json' }], notify: { timeout_s: 300 } });
    h.book.raise('block-1', 'NO_OUTPUT', 'MAJOR');
    await h.clock.advance(1000);
    await receiver.request(1);
    await h.notifications.stop();
    expect(h.notifications.status().channels[0]).toMatchObject({ pending: 1, delivered: 0 });
    expect(h.notifications.status().outbox).toMatchObject({ error: null, saved_at: h.clock.now() });
    expect(h.clock.pendingTimers).toBe(0);
  });
});
