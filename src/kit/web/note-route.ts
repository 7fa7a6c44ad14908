// `POST /api/note {"text": "…"}`: an operator's note for the shift ("gun filament changed",
// "Online restarted for run 42"), kept in the audit trail beside the commands, with who wrote it
// and when. Writing one takes control, as a command does: a page that may only watch cannot fill
// the trail.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessControl } from '../access/access-control.js';
import type { Grant } from '../access/access-policy.js';
import { json } from './json-response.js';
import { readJsonBody } from './request-body.js';

/** A note is a line or two; the body around it a few dozen bytes more. */
export const MAX_NOTE_CHARS = 500;
const MAX_BODY_BYTES = 4 * MAX_NOTE_CHARS + 64;

export async function postNote(req: IncomingMessage, res: ServerResponse, grant: Grant, access: AccessControl): Promise<void> {
  const record = { connector: 'http', client: null, address: grant.address, label: grant.label, action: 'note', command: null };
  if (!grant.control) {
    const reason = `client ${grant.address} may not write notes: that takes control (an address in access.control, or a control token)`;
    access.audit.refused(`http|note|${grant.address}`, record, reason);
    return json(res, 403, { ok: false, error: reason });
  }
  const body = await readJsonBody(req, MAX_BODY_BYTES);
  if (!body.ok) {
    res.setHeader('connection', 'close');
    return json(res, body.status, { ok: false, error: body.error });
  }
  const text = (body.value as { text?: unknown } | null)?.text;
  // One line of plain text: no control characters (a note is shown and logged as it is).
  const clean = typeof text === 'string' ? text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() : '';
  if (clean === '' || clean.length > MAX_NOTE_CHARS) {
    return json(res, 400, { ok: false, error: `expected {"text": "…"}: a note of 1 to ${MAX_NOTE_CHARS} characters` });
  }
  const entry = access.audit.done({ ...record, action: `note: ${clean}` }, 'ok', null);
  return json(res, 200, { ok: true, id: entry.id });
}
