// A receiver of notifications, as the delivery sees it: something that takes one notification and
// settles once the receiver has accepted it (HTTP 2xx, SMTP 250), or fails with why not.

import type { Notification } from './notification.js';

export interface Channel {
  /** webhook-1, webhook-2 ..., email: the name in /api/status, the outbox and the alarms' source. */
  readonly name: string;
  readonly kind: 'webhook' | 'email';
  /** Where it goes, without secrets (a webhook's path, an SMTP password). */
  readonly target: string;
  /** Resolves once the receiver accepted `notification`; rejects otherwise. `signal` aborts it (at stop). */
  send(notification: Notification, signal: AbortSignal): Promise<void>;
  /** Lets go of connections. */
  close(): void;
}

/** "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9", "no answer within 10 s", "answered HTTP 500 Internal Server Error". */
export function sendErrorText(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string; name?: string } } | null;
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  if (e?.name === 'AbortError') return 'stopped';
  // fetch fails with "fetch failed" and the socket's error as its cause.
  const inner = e?.cause && typeof e.cause === 'object' ? e.cause : e;
  // A peer that is not what it should be (an SMTP URL on an HTTP port) may send bytes of any kind: shown printable, and short.
  let message = String(inner?.message ?? err).replace(/[^\x20-\x7e\u00a0-\uffff]+/g, ' ');
  if (message.length > 200) message = `${message.slice(0, 200)}…`;
  if (inner?.code && !message.includes(inner.code)) return `${inner.code}: ${message}`;
  return message;
}
