// A notification in the words each receiver takes: a JSON body for scripts, one `text` for chat
// (Slack, Mattermost, Rocket.Chat), a subject and a plain-text body for e-mail. Times are the
// server's local time, the one its operators and its readings files use.

import type { Notification, NoticeItem } from './notification.js';

const two = (n: number) => String(n).padStart(2, '0');

/** `2026-01-01 13:00:05`, local time. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

const EVENT_WORDS = { raised: 'raised', escalated: 'escalated', repeat: 'not acknowledged', cleared: 'cleared' } as const;

/** The severity a person should read: for a repeat, the highest since the alarm was last acknowledged. */
function severityOf(item: NoticeItem): string {
  return item.event === 'repeat' ? (item.alarm.highest_severity ?? item.alarm.severity) : item.alarm.severity;
}

/** `hv-rack: MAJOR block-1 READING_STALE raised`, or `hv-rack: 2 alarms raised, 1 cleared`. */
export function summary(n: Notification): string {
  if (n.items.length === 1) {
    const item = n.items[0]!;
    return `${n.server}: ${severityOf(item)} ${item.alarm.source} ${item.alarm.code} ${EVENT_WORDS[item.event]}`;
  }
  const counts = new Map<string, number>();
  for (const item of n.items) counts.set(EVENT_WORDS[item.event], (counts.get(EVENT_WORDS[item.event]) ?? 0) + 1);
  const parts = [...counts].map(([word, count], i) => `${count}${i === 0 ? (count === 1 ? ' alarm' : ' alarms') : ''} ${word}`);
  return `${n.server}: ${parts.join(', ')}`;
}

/** One alarm in one line, then what to check first on a second line when there is guidance. */
export function itemLines(item: NoticeItem): string[] {
  const a = item.alarm;
  const head = `${severityOf(item)} ${a.source} ${a.code}`;
  let line: string;
  switch (item.event) {
    case 'raised':
      line = `${head} raised at ${localTime(item.at)}: ${a.message}`;
      break;
    case 'escalated':
      line = `${head} rose to ${a.severity} at ${localTime(item.at)}: ${a.message}`;
      break;
    case 'repeat':
      line = `${head} not acknowledged since ${localTime(a.since)}, ${a.active ? 'still active' : `latched (cleared at ${localTime(a.cleared_at ?? item.at)})`}: ${a.message}`;
      break;
    case 'cleared':
      line = `${head} cleared at ${localTime(item.at)} (raised at ${localTime(a.since)}): ${a.message}`;
      break;
  }
  return a.guidance ? [line, `What to check first: ${a.guidance}`] : [line];
}

/** The body of a `json` webhook: every field a script needs, times in clock ms as in /api/alarms. */
export function notificationJson(n: Notification): Record<string, unknown> {
  return {
    id: n.id,
    server: n.server,
    created_at: n.created_at,
    summary: summary(n),
    alarms: n.items.map((item) => ({
      event: item.event,
      at: item.at,
      source: item.alarm.source,
      code: item.alarm.code,
      severity: item.alarm.severity,
      highest_severity: item.alarm.highest_severity ?? item.alarm.severity,
      status: item.alarm.status,
      instrument: item.alarm.instrument,
      message: item.alarm.message,
      value: item.alarm.value,
      guidance: item.alarm.guidance ?? '',
      active: item.alarm.active,
      acknowledged: item.alarm.acknowledged,
      since: item.alarm.since,
      cleared_at: item.alarm.cleared_at ?? null,
    })),
  };
}

/** The `text` of a chat message: the summary, then each alarm. */
export function chatText(n: Notification): string {
  return [summary(n), ...n.items.map((item) => itemLines(item).map((l, i) => (i === 0 ? `• ${l}` : `  ${l}`)).join('\n'))].join('\n');
}

export function mailSubject(n: Notification): string {
  return `[${n.server}] ${summary(n).slice(n.server.length + 2)}`;
}

export function mailText(n: Notification): string {
  return [
    summary(n),
    '',
    ...n.items.flatMap((item) => [...itemLines(item), '']),
    `Sent by ${n.server} at ${localTime(n.created_at)}; notification ${n.id}.`,
    '',
  ].join('\n');
}
