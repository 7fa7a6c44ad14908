// What the schema alone cannot say of `alarms.notify`: that each URL parses (the schema's pattern
// only sees its start) and that the retry waits agree. Each refusal is one sentence naming the key,
// the value and what was expected; credentials in a URL are not repeated in it.

import type { NotifyConfig } from '../../config/kit-config.js';
import { redactUrl } from './redact-url.js';

/** The first thing wrong with `notify`, as a sentence; null when it is fine. */
export function notifyConfigProblem(notify: NotifyConfig): string | null {
  for (const [i, hook] of notify.webhooks.entries()) {
    const problem = urlProblem(hook.url, ['http:', 'https:']);
    if (problem) return `key 'alarms.notify.webhooks[${i}].url' is "${redactUrl(hook.url)}", ${problem}; expected an http:// or https:// URL with a host`;
  }
  if (notify.email) {
    const problem = urlProblem(notify.email.server, ['smtp:', 'smtps:']);
    if (problem) {
      return `key 'alarms.notify.email.server' is "${redactUrl(notify.email.server)}", ${problem}; expected an SMTP server URL such as smtp://host:25 or smtps://host:465`;
    }
  }
  if (notify.retry_initial_s > notify.retry_max_s) {
    return `key 'alarms.notify.retry_initial_s' is ${notify.retry_initial_s}; expected at most retry_max_s (${notify.retry_max_s})`;
  }
  return null;
}

function urlProblem(text: string, protocols: string[]): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'which is not a URL';
  }
  if (!protocols.includes(url.protocol)) return `whose scheme is ${url.protocol.slice(0, -1)}`;
  if (!url.hostname) return 'which names no host';
  return null;
}
