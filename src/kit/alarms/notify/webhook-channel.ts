// A webhook: one POST per notification, with the notification's id in the `Idempotency-Key`
// header (and, in the JSON format, the body), so a receiver can drop the duplicate a crash between
// its acceptance and our record of it would cause. Only a 2xx answer is acceptance; a redirect is
// not followed (fetch would turn a 302's POST into a GET and call the GET's 200 a delivery).

import type { WebhookConfig } from '../../config/kit-config.js';
import type { Channel } from './channel.js';
import { chatText, notificationJson } from './notification-text.js';
import type { Notification } from './notification.js';
import { redactUrl } from './redact-url.js';

export function webhookChannel(name: string, hook: WebhookConfig, timeoutMs: number): Channel {
  return {
    name,
    kind: 'webhook',
    target: `${redactUrl(hook.url)} (${hook.format})`,
    async send(notification: Notification, signal: AbortSignal): Promise<void> {
      const body = hook.format === 'slack' ? { text: chatText(notification) } : notificationJson(notification);
      const response = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': notification.id, 'user-agent': 'hv-server' },
        body: JSON.stringify(body),
        redirect: 'manual',
        // Real time, not the clock's: the receiver is another machine, which answers as fast as it
        // does whatever the clock's time scale, and a ManualClock that nobody advances must not
        // leave a request hanging for ever.
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      // Only the status counts; the body is not read, and its connection is let go.
      await response.body?.cancel().catch(() => {});
      if (!response.ok) throw new Error(`answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; expected 2xx`);
    },
    close: () => {},
  };
}
