// What the schema alone cannot say of `alarms.notify`: that each URL parses (the schema's pattern
// only sees its start) and that the retry waits agree. Each refusal is one sentence naming the key,
// the value and what was expected; credentials in a URL are not repeated in it.

import type { NotifyConfig } from '../../config/kit-config.js';
import { redactUrl } from './redact-url.js';

/**
 * Ports Node's fetch never connects to (the Fetch standard's "bad ports", https://fetch.spec.whatwg.org/#port-blocking,
 * as Node 20's fetch blocks them): a webhook there would fail at every attempt with "bad port".
 */
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137,
  139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723,
  2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** The first thing wrong with `notify`, as a sentence; null when it is fine. */
export function notifyConfigProblem(notify: NotifyConfig): string | null {
  for (const [i, hook] of notify.webhooks.entries()) {
    const problem = urlProblem(hook.url, ['http:', 'https:']);
    if (problem) return `key 'alarms.notify.webhooks[${i}].url' is "${redactUrl(hook.url)}", ${problem}; expected an http:// or https:// URL with a host`;
    const port = Number(new URL(hook.url).port);
    if (FETCH_BAD_PORTS.has(port)) {
      return `key 'alarms.notify.webhooks[${i}].url' is "${redactUrl(hook.url)}", whose port ${port} is one fetch never connects to (the Fetch standard's bad ports); expected another port`;
    }
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
