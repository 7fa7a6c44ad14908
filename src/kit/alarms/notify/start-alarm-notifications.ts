// The built-in notifications, wired: the policy that decides when a person is told (from the alarm
// book's changes), one delivery queue per receiver (each webhook, the e-mail), and the outbox that
// keeps the queues across a restart. The server starts it once its alarm book exists and stops it
// after the book's last change; nothing here runs on the path of a change but a push to a list.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AlarmTable } from '../alarm-table.js';
import type { Clock } from '../../clock/clock.js';
import type { KitConfig } from '../../config/kit-config.js';
import type { Logger } from '../../log/logger.js';
import type { AtomicWrite } from '../../storage/atomic-write.js';
import type { StorageHealth } from '../../storage/storage-health.js';
import type { AlarmFeed } from './alarm-feed.js';
import type { Channel } from './channel.js';
import { ChannelDelivery, type ChannelCounters, type ChannelStatus, type DeliveryEvent } from './channel-delivery.js';
import { emailChannel } from './email-channel.js';
import { NoticePolicy } from './notice-policy.js';
import type { Notification } from './notification.js';
import { Outbox, type OutboxEvent, type OutboxQueues, type OutboxStatus } from './outbox.js';
import { webhookChannel } from './webhook-channel.js';

/** The outbox's place in the data directory. */
export const OUTBOX_FILE = join('notify', 'outbox.json');

/** The part of the configuration read here (a KitConfig is one). */
export interface NotifySettings {
  alarms: Pick<KitConfig['alarms'], 'repeat_minutes' | 'notify'>;
}

export interface AlarmNotificationsOptions {
  /** `alarms.repeat_minutes` and `alarms.notify` are read: pass the server's KitConfig. */
  config: NotifySettings;
  /** Every wait (grouping window, repeat, back-off, the outbox's retry) is on it. */
  clock: Clock;
  log: Logger;
  /** The alarm book: its changes and what it lists now. */
  book: AlarmFeed;
  /** Where NOTIFY_FAILING, NOTIFY_QUEUE_FULL and NOTIFY_OUTBOX_UNREADABLE are raised and cleared. */
  alarms: Pick<AlarmTable, 'raise' | 'clear'>;
  /** The outbox's write faults (serveManager's `storageHealth('notify-outbox')`). */
  storageHealth: StorageHealth;
  dataDir: string;
  /** The server (rack) named in every message. */
  serverName: string;
  /** Told of every delivery attempt and every save of the outbox (tests wait on these). */
  observe?(event: NotifyEvent): void;
  /** How the outbox file is replaced (tests give one that fails). */
  write?: AtomicWrite;
}

export type NotifyEvent = ({ type: 'attempt' } & DeliveryEvent) | ({ type: 'outbox' } & OutboxEvent) | { type: 'queued'; notification: Notification };

export interface NotifyStatus {
  /** One per receiver: webhook-1, webhook-2 ..., email. */
  channels: ChannelStatus[];
  /** null when no receiver is configured (nothing is kept). */
  outbox: OutboxStatus | null;
  /** Alarms whose repeat is scheduled (unacknowledged MAJOR or INVALID). */
  repeating: number;
}

export interface AlarmNotifications {
  /**
   * Sends the open grouping window's message to the queues, stops every timer, aborts the attempts
   * in flight (what they carried stays queued), and saves the outbox. Never rejects; never waits
   * on a receiver.
   */
  stop(): Promise<void>;
  status(): NotifyStatus;
  /** Per receiver, since the start: for /metrics. */
  counters(): ChannelCounters[];
}

export function startAlarmNotifications(options: AlarmNotificationsOptions): AlarmNotifications {
  const { config, clock, observe } = options;
  const notify = config.alarms.notify;
  const log = options.log.child({ component: 'notify' });
  const timeoutMs = notify.timeout_s * 1000;
  const channels: Channel[] = [
    ...notify.webhooks.map((hook, i) => webhookChannel(`webhook-${i + 1}`, hook, timeoutMs)),
    ...(notify.email ? [emailChannel('email', notify.email, timeoutMs, log)] : []),
  ];
  if (channels.length === 0) {
    return { stop: async () => {}, status: () => ({ channels: [], outbox: null, repeating: 0 }), counters: () => [] };
  }

  const deliveries: ChannelDelivery[] = [];
  const outbox = new Outbox({
    path: join(options.dataDir, OUTBOX_FILE),
    clock,
    health: options.storageHealth,
    alarms: options.alarms,
    log,
    snapshot: () => Object.fromEntries(deliveries.map((d) => [d.channel.name, d.pending()])) as OutboxQueues,
    ...(options.write ? { write: options.write } : {}),
    observe: (event) => observe?.({ type: 'outbox', ...event }),
  });
  const kept = outbox.load();
  for (const channel of channels) {
    deliveries.push(
      new ChannelDelivery(channel, {
        clock,
        limit: notify.queue_limit,
        retryInitialMs: notify.retry_initial_s * 1000,
        retryMaxMs: notify.retry_max_s * 1000,
        timeoutMs,
        alarms: options.alarms,
        log,
        changed: () => outbox.changed(),
        observe: (event) => observe?.({ type: 'attempt', ...event }),
      }),
    );
  }
  for (const [name, queue] of Object.entries(kept)) {
    const delivery = deliveries.find((d) => d.channel.name === name);
    if (delivery) {
      if (queue.length > 0) log.info({ channel: name, pending: queue.length }, `${queue.length} notifications to ${name} kept from before the restart`);
      delivery.restore(queue);
    } else if (queue.length > 0) {
      log.warn({ channel: name, pending: queue.length }, `${queue.length} notifications kept for ${name} are dropped: no such receiver is configured now`);
      outbox.changed();
    }
  }

  const policy = new NoticePolicy({
    feed: options.book,
    clock,
    groupMs: notify.group_seconds * 1000,
    repeatMs: config.alarms.repeat_minutes * 60_000,
    onClear: notify.on_clear,
    server: options.serverName,
    newId: randomUUID,
    emit: (notification) => {
      observe?.({ type: 'queued', notification });
      for (const d of deliveries) d.enqueue(notification);
    },
  });
  policy.start();
  log.info({ channels: channels.map((c) => `${c.name}: ${c.target}`) }, `alarm notifications go to ${channels.map((c) => c.name).join(', ')}`);

  let stopping: Promise<void> | null = null;
  return {
    stop: () =>
      (stopping ??= (async () => {
        policy.stop();
        await Promise.all(deliveries.map((d) => d.stop()));
        await outbox.close();
      })().catch((err: unknown) => log.error({ err }, 'stopping the notifications failed'))),
    status: () => ({ channels: deliveries.map((d) => d.status()), outbox: outbox.status(), repeating: policy.repeating }),
    counters: () => deliveries.map((d) => d.counters()),
  };
}
