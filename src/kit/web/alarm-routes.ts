// The alarm list and what a person does with it, over HTTP:
//   GET  /api/alarms              {"alarms": [...], "unacknowledged": {"MINOR": n, "MAJOR": n, "INVALID": n}}
//   POST /api/alarms/acknowledge  {"source", "code"} or {"all": true}, optional "note"
//   POST /api/alarms/shelve       {"source", "code", "minutes", "reason"}
//   POST /api/alarms/unshelve     {"source", "code"}
// Acting takes control, as a command does, and goes into the audit trail with who, when and the
// note or reason; the Origin and Content-Type checks run before (kit-routes.ts). An action is
// answered once the book as changed is on the disk, so an acknowledgement that was answered
// survives a restart.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessControl } from '../access/access-control.js';
import type { Grant } from '../access/access-policy.js';
import type { AlarmBook } from '../alarms/alarm-book.js';
import type { AlarmAction } from '../alarms/alarm-entry.js';
import { json } from './json-response.js';
import { readJsonBody } from './request-body.js';

export const ALARM_PATHS = new Set(['/api/alarms', '/api/alarms/acknowledge', '/api/alarms/shelve', '/api/alarms/unshelve']);

/** A note or reason is a line or two. */
export const MAX_ALARM_NOTE_CHARS = 500;
/** The longest shelving: a forgotten shelf must not hide a real fault for longer than a day. */
export const MAX_SHELVE_MINUTES = 24 * 60;
const MAX_BODY_BYTES = 4 * MAX_ALARM_NOTE_CHARS + 512;

export interface AlarmRouteDeps {
  book: AlarmBook;
  access: AccessControl;
  now: () => number;
  /** Resolves once the book as it is now is on the disk. */
  saved: () => Promise<void>;
}

type Action = 'acknowledge' | 'shelve' | 'unshelve';

export async function alarmRoutes(req: IncomingMessage, res: ServerResponse, pathname: string, grant: Grant, deps: AlarmRouteDeps): Promise<void> {
  if (pathname === '/api/alarms') {
    if (req.method !== 'GET') return json(res, 405, { ok: false, error: 'GET the alarms; POST to /api/alarms/acknowledge, /shelve or /unshelve to act on them' });
    return json(res, 200, { alarms: deps.book.list(), unacknowledged: deps.book.unacknowledgedBySeverity() });
  }
  const action = pathname.slice('/api/alarms/'.length) as Action;
  if (req.method !== 'POST') return json(res, 405, { ok: false, error: `POST a JSON body to ${pathname}` });
  const record = { connector: 'http', client: null, address: grant.address, label: grant.label, action: `${action} alarm`, command: null };
  if (!grant.control) {
    const reason = `client ${grant.address} may not ${action} alarms: that takes control (an address in access.control, or a control token)`;
    deps.access.audit.refused(`http|alarm-${action}|${grant.address}`, record, reason);
    return json(res, 403, { ok: false, error: reason });
  }
  const body = await readJsonBody(req, MAX_BODY_BYTES);
  if (!body.ok) {
    res.setHeader('connection', 'close');
    return json(res, body.status, { ok: false, error: body.error });
  }
  const fields = (typeof body.value === 'object' && body.value !== null && !Array.isArray(body.value) ? body.value : {}) as Record<string, unknown>;
  const by = grant.label ? `${grant.label} at ${grant.address}` : grant.address;
  const answer = async (status: number, payload: Record<string, unknown>, audited: string | null) => {
    if (audited !== null) {
      deps.access.audit.done({ ...record, action: audited }, 'ok', null);
      await deps.saved();
    }
    return json(res, status, payload);
  };

  if (action === 'acknowledge') {
    const note = oneLine(fields.note);
    if (note === undefined) return json(res, 400, { ok: false, error: `"note", when given, must be text of at most ${MAX_ALARM_NOTE_CHARS} characters` });
    const all = fields.all === true;
    const named = alarmNamed(fields);
    if (!all && !named) return json(res, 400, { ok: false, error: 'expected {"source": "…", "code": "…"} or {"all": true}, with an optional "note"' });
    const act: AlarmAction = { by, at: deps.now(), note };
    const done = deps.book.acknowledge(all ? { all: true } : named!, act);
    if (done === null) return json(res, 404, { ok: false, error: `no alarm ${named!.source} ${named!.code} is listed` });
    const which = all ? `all alarms (${done.length})` : `${named!.source} ${named!.code}`;
    return answer(200, { ok: true, acknowledged: done.map(({ source, code }) => ({ source, code })) }, done.length > 0 ? `acknowledge ${which}${note ? `: ${note}` : ''}` : null);
  }
  const named = alarmNamed(fields);
  if (!named) return json(res, 400, { ok: false, error: `expected {"source": "…", "code": "…"${action === 'shelve' ? ', "minutes": …, "reason": "…"' : ''}}` });
  if (action === 'shelve') {
    const minutes = fields.minutes;
    if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0 || minutes > MAX_SHELVE_MINUTES) {
      return json(res, 400, { ok: false, error: `"minutes" is ${JSON.stringify(minutes) ?? 'missing'}; expected a number of minutes above 0 and at most ${MAX_SHELVE_MINUTES}` });
    }
    const reason = oneLine(fields.reason);
    if (!reason) return json(res, 400, { ok: false, error: `"reason" is required: text of 1 to ${MAX_ALARM_NOTE_CHARS} characters saying why the alarm is shelved` });
    const at = deps.now();
    const shelved = deps.book.shelve(named.source, named.code, at + minutes * 60_000, { by, at, note: reason });
    if (!shelved) return json(res, 404, { ok: false, error: `no alarm ${named.source} ${named.code} is listed` });
    return answer(200, { ok: true, alarm: shelved }, `shelve ${named.source} ${named.code} for ${minutes} min: ${reason}`);
  }
  if (action === 'unshelve') {
    const alarm = deps.book.unshelve(named.source, named.code, deps.now());
    if (!alarm) return json(res, 404, { ok: false, error: `no alarm ${named.source} ${named.code} is shelved` });
    return answer(200, { ok: true, alarm }, `unshelve ${named.source} ${named.code}`);
  }
  return json(res, 404, { ok: false, error: `no such action ${pathname}; expected acknowledge, shelve or unshelve` });
}

function alarmNamed(fields: Record<string, unknown>): { source: string; code: string } | null {
  const { source, code } = fields;
  if (typeof source !== 'string' || typeof code !== 'string' || source === '' || code === '' || source.length > 200 || code.length > 200) return null;
  return { source, code };
}

/** One line of plain text, control characters as spaces (it is shown and logged as it is): null when absent or empty, undefined when not text or too long. */
function oneLine(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return undefined;
  const clean = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (clean.length > MAX_ALARM_NOTE_CHARS) return undefined;
  return clean === '' ? null : clean;
}
