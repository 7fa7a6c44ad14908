// `POST /api/training`: the simulator's back door (faults, time scale) for the instructor, who
// needs control of the server as well; `GET /api/training`: every simulated instrument with its
// faults now and what it is in the rack, for the instructor's console. On the real rack neither
// exists (the caller answers 404).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessControl } from '../access/access-control.js';
import type { Grant } from '../access/access-policy.js';
import { json } from './json-response.js';
import type { InstrumentRoles, SimulatorBackDoor } from '../simulator-back-door.js';
import { readJsonBody } from './request-body.js';

/** Largest request body read (the training commands are a few dozen bytes). */
const MAX_BODY_BYTES = 64 * 1024;

/** The paths that exist only on a simulated rack. */
export const TRAINING_PATHS: ReadonlySet<string> = new Set([
  '/training',
  '/web/training.html',
  '/web/training.js',
  '/web/training-faults.js',
  '/web/training-presets.js',
  '/api/training',
]);

export async function training(req: IncomingMessage, res: ServerResponse, control: SimulatorBackDoor, grant: Grant, access: AccessControl, roles: InstrumentRoles): Promise<void> {
  if (req.method === 'GET') return json(res, 200, { ...control.apply({ cmd: 'status' }), roles });
  if (req.method !== 'POST') return json(res, 405, { ok: false, error: 'POST a JSON command (schemas/sim-control.schema.json), or GET the instruments and their faults' });
  const record = { connector: 'http', client: null, address: grant.address, label: grant.label, action: 'training action', command: null };
  if (!grant.control) {
    const reason = `client ${grant.address} may not inject faults: the instructor needs control (an address in access.control, or a control token)`;
    access.audit.refused(`http|training|${grant.address}`, record, reason);
    return json(res, 403, { ok: false, error: reason });
  }
  const body = await readJsonBody(req, MAX_BODY_BYTES);
  if (!body.ok) {
    // Closes the connection: a body cut off unread must not be taken for the next request.
    res.setHeader('connection', 'close');
    return json(res, body.status, { ok: false, error: body.error });
  }
  const result = control.apply(body.value);
  const command = typeof body.value === 'object' && body.value !== null && !Array.isArray(body.value) ? (body.value as Record<string, unknown>) : null;
  if (result.ok && command?.cmd !== 'status') {
    access.audit.done({ ...record, action: `training: ${trainingAction(command!)}`, command }, 'ok', null);
  }
  return json(res, result.ok ? 200 : 400, result);
}

/** `fault voltmeter-1 offline on`, `time_scale 20`: the command's values in its own order, short. */
function trainingAction(command: Record<string, unknown>): string {
  return Object.values(command)
    .map((v) => (typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v).slice(0, 40)))
    .join(' ');
}
