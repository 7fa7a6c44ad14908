// The headers every HTTP answer carries, pages and API alike: the pages load only this server's
// own scripts, styles and connections (they are plain ES modules with no inline script or style),
// cannot be framed, leak no address in a Referer, and nothing is sniffed into another type.

import type { ServerResponse } from 'node:http';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // The pages' favicon: the empty `data:,`, or the count of unacknowledged alarms drawn on a
  // canvas and set as a `data:image/png` URL (web/alarm-title.js).
  "img-src 'self' data:",
  // 'self' covers ws:// and wss:// to the same host and port: the websocket /channel.
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // For browsers older than frame-ancestors.
  'x-frame-options': 'DENY',
  // Another site's page can neither embed these answers (a <script src> of /api/status) nor keep a
  // handle on a window of ours.
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
}
