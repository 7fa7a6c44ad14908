// The access API: `GET /api/session` says what this client may do and why; `POST /api/session`
// takes a control token and keeps it in an HttpOnly cookie (browsers cannot add a header to a
// websocket, but send the cookie with its upgrade); `GET /api/audit` is the audit trail.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessControl } from '../access/access-control.js';
import type { Grant } from '../access/access-policy.js';
import { TOKEN_COOKIE } from '../access/web-request.js';
import { json } from './json-response.js';
import { readJsonBody } from './request-body.js';

/** The token request is a few dozen bytes. */
const MAX_BODY_BYTES = 4096;

/** What the page shows about itself: its address, whether it has control, and how. */
function describeGrant(grant: Grant, access: AccessControl): Record<string, unknown> {
  return { address: grant.address, control: grant.control, via: grant.via, label: grant.label, tokens: access.policy.tokensConfigured };
}

export function sessionState(res: ServerResponse, grant: Grant, access: AccessControl): void {
  json(res, 200, describeGrant(grant, access));
}

/**
 * `{"token": "…"}` sets the cookie when the token is one of this server's (403 otherwise);
 * `{"token": null}` clears it. The caller has checked the Origin and the JSON content type.
 */
export async function takeToken(req: IncomingMessage, res: ServerResponse, grant: Grant, access: AccessControl): Promise<void> {
  const body = await readJsonBody(req, MAX_BODY_BYTES);
  if (!body.ok) {
    res.setHeader('connection', 'close');
    return json(res, body.status, { ok: false, error: body.error });
  }
  const token = (body.value as { token?: unknown } | null)?.token;
  if (token !== null && typeof token !== 'string') {
    return json(res, 400, { ok: false, error: 'expected {"token": "…"} to take control, or {"token": null} to give it up' });
  }
  // Secure when the page itself came over https (a TLS reverse proxy): the cookie then never goes out in clear.
  const secure = req.headers.origin?.startsWith('https:') ? '; Secure' : '';
  const cookie = (value: string, extra = '') => `${TOKEN_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure}${extra}`;
  if (token === null) {
    res.setHeader('set-cookie', cookie('', '; Max-Age=0'));
    const byAddress = grant.via === 'address';
    return json(res, 200, { ok: true, ...describeGrant({ ...grant, control: byAddress, via: byAddress ? 'address' : null, label: null }, access) });
  }
  const holder = access.policy.tokenHolder(token);
  if (!holder) {
    const reason = access.policy.tokensConfigured ? 'this token is not one of this server’s control tokens' : 'this server takes no control tokens (access.token and access.token_file are not set)';
    access.audit.refused(`http|token|${grant.address}`, { connector: 'http', client: null, address: grant.address, label: null, action: 'control token', command: null }, reason);
    res.setHeader('set-cookie', cookie('', '; Max-Age=0'));
    return json(res, 403, { ok: false, error: reason });
  }
  res.setHeader('set-cookie', cookie(encodeURIComponent(token)));
  return json(res, 200, { ok: true, ...describeGrant({ ...grant, control: true, via: grant.via === 'address' ? 'address' : 'token', label: holder.label }, access) });
}

export function auditFeed(res: ServerResponse, access: AccessControl, capacity: number): void {
  json(res, 200, { capacity, entries: access.audit.list() });
}
