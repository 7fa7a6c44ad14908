// The alarm list over the server's HTTP port, for scripts and hv-client: read it, acknowledge one
// alarm or all of them. A script is no browser page, so it sends no Origin; it takes control by
// its address (access.control) or by a token (`Authorization: Bearer`).

import type { AlarmEntry } from '../alarms/alarm-entry.js';

export interface AlarmServer {
  /** The web port's base URL: http://127.0.0.1:8080 */
  url: string;
  /** A control token, when the server's access rules ask for one. */
  token?: string;
}

/** The server's answer to an action it refused, or a failure to reach it. */
export class AlarmRequestError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or null when the server could not be reached. */
    readonly status: number | null,
  ) {
    super(message);
  }
}

async function request(server: AlarmServer, path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  if (server.token) headers.authorization = `Bearer ${server.token}`;
  if (body) headers['content-type'] = 'application/json';
  const target = new URL(path, server.url);
  let res: Response;
  try {
    res = await fetch(target, { method: body ? 'POST' : 'GET', headers, body: body && JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new AlarmRequestError(`cannot reach the server's web port at ${server.url} (${cause}); expected hv-server's http address, e.g. --http http://127.0.0.1:8080`, null);
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new AlarmRequestError(`${target.pathname} answered ${res.status}: ${typeof answer.error === 'string' ? answer.error : res.statusText}`, res.status);
  return answer;
}

export async function listAlarms(server: AlarmServer): Promise<AlarmEntry[]> {
  return (await request(server, '/api/alarms')).alarms as AlarmEntry[];
}

/** Acknowledges one alarm, or every unacknowledged one; returns those acknowledged. */
export async function acknowledgeAlarms(server: AlarmServer, which: { source: string; code: string } | { all: true }, note?: string): Promise<{ source: string; code: string }[]> {
  const answer = await request(server, '/api/alarms/acknowledge', { ...which, ...(note ? { note } : {}) });
  return answer.acknowledged as { source: string; code: string }[];
}

/** One line for a terminal: "UNACK MAJOR   block-1 NO_OUTPUT  latched, cleared 03:02:11  the reading …". */
export function alarmLine(a: AlarmEntry, time: (ms: number) => string): string {
  const ack = a.acknowledged ? 'ack  ' : 'UNACK';
  const state = a.shelved_until !== null ? `shelved until ${time(a.shelved_until)}` : a.active ? `active since ${time(a.since)}` : `latched, cleared ${time(a.cleared_at ?? a.since)}`;
  return `${ack} ${a.highest_severity.padEnd(7)} ${a.source} ${a.code}  ${state}  ${a.message}`;
}
