// The request target of an HTTP request (or websocket upgrade), parsed without a throw.
//
// `new URL(req.url, base)` throws on targets such as `//` (read as a host-less scheme-relative URL)
// or `http://`, and took the process down with it. Only origin-form (`/path?query`) is served here;
// anything else (`*`, `http://host/...`, `%zz`) is answered 400 by the caller.

const ORIGIN = 'http://localhost';

/** The target as a URL on this server, or null when it is not an origin-form path. */
export function parseRequestTarget(target: string | undefined): URL | null {
  if (target === undefined || !target.startsWith('/')) return null;
  try {
    // Appended to a fixed origin, not resolved against it: `//x` stays the path `//x`, never a host.
    return new URL(ORIGIN + target);
  } catch {
    return null;
  }
}

/** For a 400 answer: says what is wrong without echoing the target. */
export const BAD_TARGET = 'the request target is not a path on this server; expected one such as /api/status';
