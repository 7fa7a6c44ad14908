// One receiver's queue: notifications go out one at a time, oldest first, and each leaves the
// queue the moment the receiver accepts it, never before and never to be sent again. One that is
// not accepted (refused connection, an error status, no answer in time) stays at the head and is
// tried again after a back-off on the clock (retry_initial_s, doubling up to retry_max_s). The
// queue is bounded: past `queue_limit` the oldest waiting one is dropped, counted, and alarmed
// (NOTIFY_QUEUE_FULL, until the queue is empty again); a receiver that keeps failing is alarmed
// too (NOTIFY_FAILING, cleared by its next delivery).

import type { AlarmTable } from '../alarm-table.js';
import { alarmKey } from '../alarm-entry.js';
import type { Clock, TimerHandle } from '../../clock/clock.js';
import type { Logger } from '../../log/logger.js';
import { sendErrorText, type Channel } from './channel.js';
import type { Notification } from './notification.js';
import { localTime } from './notification-text.js';

export const NOTIFY_FAILING = 'NOTIFY_FAILING';
export const NOTIFY_QUEUE_FULL = 'NOTIFY_QUEUE_FULL';
/** Failed attempts in a row before NOTIFY_FAILING: a single refused attempt is a blip, three (about 7 s at the default back-off) are not. */
export const FAILING_AFTER_ATTEMPTS = 3;

/** A notification waiting for one receiver. */
export interface Queued {
  notification: Notification;
  /** Clock ms when it was queued for this receiver. */
  queued_at: number;
}

/** What happened to one attempt (for tests and whoever watches). */
export interface DeliveryEvent {
  channel: string;
  notification: string;
  ok: boolean;
  /** Why it was not accepted; null when it was. */
  error: string | null;
  /** Notifications waiting after it. */
  pending: number;
}

export interface ChannelStatus {
  name: string;
  kind: 'webhook' | 'email';
  target: string;
  /** Notifications the receiver accepted since the start. */
  delivered: number;
  /** Waiting now. */
  pending: number;
  /** Clock ms the oldest waiting one was queued; null when none waits. */
  oldest_pending_since: number | null;
  /** Clock ms of the next attempt, while it waits out a back-off; null otherwise (sending, or nothing to send). */
  next_attempt_at: number | null;
  /** Clock ms of the first of the failed attempts in a row; null while it delivers. */
  failing_since: number | null;
  /** Why the last attempt failed; null when it was accepted (or none was made). */
  last_error: string | null;
  /** Notifications dropped because the queue was full, since the start. */
  overflowed: number;
  /** Clock ms from the first event of the last delivered notification to its acceptance. */
  last_delay_ms: number | null;
}

export interface ChannelCounters {
  channel: string;
  /** Notifications queued for it since the start (not those restored from the outbox). */
  queued: number;
  delivered: number;
  failed_attempts: number;
  overflowed: number;
  pending: number;
}

export interface ChannelDeliveryOptions {
  clock: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  limit: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Real ms an attempt may take (for the error's words). */
  timeoutMs: number;
  alarms: Pick<AlarmTable, 'raise' | 'clear'>;
  log: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Told whenever the queue changes (the outbox saves it). */
  changed(): void;
  observe?(event: DeliveryEvent): void;
}

export class ChannelDelivery {
  private queue: Queued[] = [];
  private inFlight: { queued: Queued; abort: AbortController; settled: Promise<void> } | null = null;
  private retryTimer: TimerHandle | null = null;
  private nextAttemptAt: number | null = null;
  private failures = 0;
  private failingSince: number | null = null;
  private lastError: string | null = null;
  private failingAlarmed = false;
  private fullAlarmed = false;
  private stopped = false;
  private readonly count = { queued: 0, delivered: 0, failed_attempts: 0, overflowed: 0 };
  private lastDelayMs: number | null = null;

  constructor(
    readonly channel: Channel,
    private readonly o: ChannelDeliveryOptions,
  ) {}

  /** The alarms' source: notify-webhook-1, notify-email. */
  get source(): string {
    return `notify-${this.channel.name}`;
  }

  /** What the outbox kept from before a restart, oldest first; sent before anything new. */
  restore(entries: Queued[]): void {
    this.queue.unshift(...entries);
    this.trim();
    this.kick();
  }

  /**
   * Queues `notification` and starts sending if nothing is in flight or waiting out a back-off.
   * A message made only of repeats is not queued while this receiver still has a message about
   * each of those alarms waiting: a receiver that is down for a day gets one, not 48.
   */
  enqueue(notification: Notification): void {
    if (this.stopped) return;
    if (notification.items.every((item) => item.event === 'repeat' && this.waitsFor(alarmKey(item.alarm)))) return;
    this.queue.push({ notification, queued_at: this.o.clock.now() });
    this.count.queued++;
    this.trim();
    this.o.changed();
    this.kick();
  }

  /** Waiting notifications, oldest first (the outbox's copy). */
  pending(): Queued[] {
    return [...this.queue];
  }

  /**
   * Stops retrying and aborts an attempt in flight; what waits stays queued (for the outbox).
   * Settles once that attempt has settled: if the receiver accepted it just before, it is out of the queue.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== null) this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const inFlight = this.inFlight;
    inFlight?.abort.abort();
    await inFlight?.settled;
    this.channel.close();
  }

  status(): ChannelStatus {
    return {
      name: this.channel.name,
      kind: this.channel.kind,
      target: this.channel.target,
      delivered: this.count.delivered,
      pending: this.queue.length,
      oldest_pending_since: this.queue[0]?.queued_at ?? null,
      next_attempt_at: this.retryTimer === null ? null : this.nextAttemptAt,
      failing_since: this.failingSince,
      last_error: this.lastError,
      overflowed: this.count.overflowed,
      last_delay_ms: this.lastDelayMs,
    };
  }

  counters(): ChannelCounters {
    return { channel: this.channel.name, ...this.count, pending: this.queue.length };
  }

  private waitsFor(key: string): boolean {
    return this.queue.some((q) => q.notification.items.some((item) => alarmKey(item.alarm) === key));
  }

  /** Drops the oldest waiting notifications beyond the limit (never the one in flight). */
  private trim(): void {
    let dropped = 0;
    while (this.queue.length > this.o.limit) {
      const at = this.queue[0] === this.inFlight?.queued ? 1 : 0;
      const [gone] = this.queue.splice(at, 1);
      dropped++;
      this.o.log.warn({ channel: this.channel.name, notification: gone!.notification.id }, `notification ${gone!.notification.id} to ${this.channel.name} dropped: ${this.o.limit} wait already`);
    }
    if (dropped === 0) return;
    this.count.overflowed += dropped;
    this.fullAlarmed = true;
    this.o.alarms.raise({
      source: this.source,
      instrument: null,
      code: NOTIFY_QUEUE_FULL,
      severity: 'MAJOR',
      status: 'COMM',
      message:
        `notifications to ${this.channel.name} (${this.channel.target}) overflowed their queue of ${this.o.limit}: ${this.count.overflowed} dropped, the oldest first, ` +
        `while the receiver does not accept them${this.lastError ? ` (${this.lastError})` : ''}; expected a receiver that accepts them, or a larger alarms.notify.queue_limit`,
      value: this.count.overflowed,
    });
  }

  private kick(): void {
    if (this.stopped || this.inFlight !== null || this.retryTimer !== null) return;
    const head = this.queue[0];
    if (!head) return;
    const abort = new AbortController();
    const settled = this.channel.send(head.notification, abort.signal).then(
      () => this.accepted(head),
      (err: unknown) => this.refused(head, err),
    );
    this.inFlight = { queued: head, abort, settled };
  }

  private accepted(done: Queued): void {
    this.inFlight = null;
    // Out of the queue at once: from here on it is never sent again (the outbox follows).
    const at = this.queue.indexOf(done);
    if (at >= 0) this.queue.splice(at, 1);
    this.count.delivered++;
    const first = Math.min(...done.notification.items.map((i) => i.at));
    this.lastDelayMs = this.o.clock.now() - first;
    const after = this.failures;
    this.failures = 0;
    this.lastError = null;
    this.failingSince = null;
    this.o.changed();
    this.o.log.info(
      { channel: this.channel.name, notification: done.notification.id, delay_ms: this.lastDelayMs, failed_attempts: after },
      `notification ${done.notification.id} delivered to ${this.channel.name}${after ? ` after ${after} failed attempts` : ''}`,
    );
    if (this.failingAlarmed) {
      this.failingAlarmed = false;
      this.o.alarms.clear(this.source, NOTIFY_FAILING);
    }
    if (this.fullAlarmed && this.queue.length === 0) {
      this.fullAlarmed = false;
      this.o.alarms.clear(this.source, NOTIFY_QUEUE_FULL);
    }
    this.o.observe?.({ channel: this.channel.name, notification: done.notification.id, ok: true, error: null, pending: this.queue.length });
    this.kick();
  }

  private refused(head: Queued, err: unknown): void {
    this.inFlight = null;
    if (this.stopped) return;
    const now = this.o.clock.now();
    this.failures++;
    this.count.failed_attempts++;
    this.lastError = sendErrorText(err, this.o.timeoutMs);
    this.failingSince ??= now;
    const waitMs = Math.min(this.o.retryInitialMs * 2 ** (this.failures - 1), this.o.retryMaxMs);
    const fields = { channel: this.channel.name, notification: head.notification.id, attempt: this.failures, error: this.lastError, retry_ms: waitMs };
    if (this.failures === 1) this.o.log.warn(fields, `notification ${head.notification.id} to ${this.channel.name} not accepted (${this.lastError}); retrying`);
    else this.o.log.debug(fields, `notification ${head.notification.id} to ${this.channel.name} not accepted again (${this.lastError})`);
    if (this.failures >= FAILING_AFTER_ATTEMPTS) {
      this.failingAlarmed = true;
      this.o.alarms.raise({
        source: this.source,
        instrument: null,
        code: NOTIFY_FAILING,
        severity: 'MINOR',
        status: 'COMM',
        message:
          `notifications to ${this.channel.name} (${this.channel.target}) are not accepted since ${localTime(this.failingSince)}: ${this.lastError}; ` +
          `${this.queue.length} waiting, the next attempt in ${Math.round(waitMs / 1000)} s; expected a receiver that accepts them`,
        value: this.queue.length,
      });
    }
    this.nextAttemptAt = now + waitMs;
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, waitMs);
    this.o.observe?.({ channel: this.channel.name, notification: head.notification.id, ok: false, error: this.lastError, pending: this.queue.length });
  }
}
