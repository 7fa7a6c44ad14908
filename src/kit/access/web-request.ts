// What an HTTP request or websocket upgrade says about where it comes from: the page's origin (a
// browser's `Origin`), the client's address (behind a trusted reverse proxy, the one it forwarded
// for), the control token it presents, and whether its body is declared JSON.

import type { IncomingMessage } from 'node:http';
import type { AddressList } from './address-list.js';
import { ipFamily } from './ip-family.js';

/** The cookie a browser keeps its control token in, set by `POST /api/session`. */
export const TOKEN_COOKIE = 'hv_control';

/** `scheme://host[:port]` as browsers write it (lower case, default port left out), or null if `text` is no http(s) origin. */
export function normalOrigin(text: string): string | null {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/**
 * The origins this server's pages have when opened directly: 127.0.0.1, localhost and [::1], the
 * configured HTTP host, and the address the request arrived at (a lab PC opening the page by the
 * server's IP), each with the port it arrived at. Never built from the request's `Host`: a page on
 * a rebound DNS name would then count as this server's own.
 */
export function ownOrigins(req: IncomingMessage, configuredHost: string): Set<string> {
  const port = req.socket.localPort;
  const hosts = ['127.0.0.1', 'localhost', '::1', configuredHost, unmapped(req.socket.localAddress)];
  const origins = new Set<string>();
  for (const host of hosts) {
    // A wildcard bind address is no origin a browser could have.
    if (!host || host === '0.0.0.0' || host === '::') continue;
    const origin = normalOrigin(`http://${ipFamily(host) === 6 ? `[${host}]` : host}:${port}`);
    if (origin) origins.add(origin);
  }
  return origins;
}

/** The `Origin` header as sent (browsers send one on every websocket and every POST), or null. */
export function requestOrigin(req: IncomingMessage): string | null {
  const origin = req.headers.origin;
  return typeof origin === 'string' ? origin : null;
}

/**
 * The client's address for the access rules and the audit trail. From a reverse proxy listed in
 * `access.proxies`, the last address of X-Forwarded-For (the one the proxy itself saw; earlier
 * ones are whatever the client wrote); anything else, the socket's peer.
 */
export function clientAddress(req: IncomingMessage, proxies: AddressList): string {
  const peer = unmapped(req.socket.remoteAddress) ?? 'unknown';
  const forwarded = req.headers['x-forwarded-for'];
  if (forwarded === undefined || !proxies.has(req.socket.remoteAddress)) return peer;
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').pop()!.trim();
  // Not an address: the proxy is misconfigured; the client then gets no address-based rights.
  return ipFamily(last) ? unmapped(last)! : 'unknown (X-Forwarded-For not an address)';
}

/**
 * The token a client presents: `Authorization: Bearer …` (scripts), else the cookie the server
 * set (browsers cannot add headers to a websocket).
 */
export function presentedToken(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match ? match[1]! : null;
  }
  // One cookie the server set itself is read; a cookie library would be a dependency for five lines.
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Whether the body is declared `application/json`: the one type a cross-site form or no-cors fetch cannot send. */
export function declaresJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return typeof type === 'string' && type.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** An IPv4 client of a dual-stack socket, `::ffff:10.0.0.5`, as the 10.0.0.5 people know. */
export function unmapped(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && ipFamily(address.slice(7)) === 4 ? address.slice(7) : address;
}
