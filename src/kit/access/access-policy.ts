// Who may do what, decided from where a client comes from and what it holds (README "Access
// control"): monitor (readings, state, history), control (commands that change an output), and,
// on a simulated rack, instructor (fault injection: control plus simulation).

import type { IncomingMessage } from 'node:http';
import type { KitConfig } from '../config/kit-config.js';
import { AddressList, type AddressListError } from './address-list.js';
import { TokenBook, type TokenError } from './token-book.js';
import { clientAddress, normalOrigin, ownOrigins, presentedToken, requestOrigin, unmapped } from './web-request.js';

import type { AccessConfig } from '../config/kit-config.js';
export type { AccessConfig };

/** What one client may do, fixed when it connects (a websocket) or per request (HTTP). */
export interface Grant {
  /** The address the rules judged (behind a trusted proxy: the one it forwarded for). */
  address: string;
  /** May send commands that change an output. */
  control: boolean;
  /** How control was given: by its address, by a token, or not at all. */
  via: 'address' | 'token' | null;
  /** Who holds the token, when the token file names them. */
  label: string | null;
}

/** A request refused before anything ran; `kind` groups repeats for the log and the audit trail. */
export interface Refusal {
  ok: false;
  kind: 'address' | 'origin';
  address: string;
  origin: string | null;
  reason: string;
}

export type WebVerdict = { ok: true; grant: Grant; origin: string | null; tokenPresented: boolean } | Refusal;

export interface PolicyError {
  code: 'BAD_ADDRESS' | 'BAD_TOKEN' | 'BAD_ORIGIN';
  message: string;
}

export class AccessPolicy {
  private constructor(
    private readonly control: AddressList,
    /** null: anyone who can reach the port may monitor. */
    private readonly monitor: AddressList | null,
    readonly proxies: AddressList,
    private readonly tokens: TokenBook,
    private readonly extraOrigins: ReadonlySet<string>,
    private readonly httpHost: string,
  ) {}

  /** From the config's `access` section; reads the token file. The first unusable entry is an error. */
  static fromConfig(access: AccessConfig, httpHost: string): AccessPolicy | PolicyError {
    const lists = AccessPolicy.checkLists(access);
    if ('code' in lists) return lists;
    const tokens = TokenBook.load(access.token, access.token_file);
    if (tokens instanceof TokenBook) return new AccessPolicy(lists.control, lists.monitor, lists.proxies, tokens, lists.origins, httpHost);
    return tokens satisfies TokenError;
  }

  /** The address lists and origins alone (no files read): for checking a config as it loads. */
  static checkLists(access: AccessConfig): { control: AddressList; monitor: AddressList | null; proxies: AddressList; origins: Set<string> } | AddressListError | PolicyError {
    const control = AddressList.parse(access.control, 'access.control');
    if (!(control instanceof AddressList)) return control;
    const monitor = access.monitor === null ? null : AddressList.parse(access.monitor, 'access.monitor');
    if (monitor !== null && !(monitor instanceof AddressList)) return monitor;
    const proxies = AddressList.parse(access.proxies, 'access.proxies');
    if (!(proxies instanceof AddressList)) return proxies;
    const origins = new Set<string>();
    for (const [i, entry] of access.origins.entries()) {
      const origin = normalOrigin(entry);
      // A path or query would never match what a browser sends: said at start, not found out later.
      if (!origin || origin !== entry.replace(/\/$/, '').toLowerCase()) {
        return { code: 'BAD_ORIGIN', message: `key 'access.origins[${i}]' is ${JSON.stringify(entry)}; expected an origin such as https://hv.lab.example or http://10.0.0.5:8080 (scheme, host and port only)` };
      }
      origins.add(origin);
    }
    return { control, monitor, proxies, origins };
  }

  get tokensConfigured(): boolean {
    return this.tokens.size > 0;
  }

  /** A TCP client (Online): by its address alone. Null when it may not connect at all. */
  forPeer(remoteAddress: string | undefined): Grant | null {
    const address = unmapped(remoteAddress) ?? 'unknown';
    const control = this.control.has(remoteAddress);
    if (!control && !this.monitors(remoteAddress)) return null;
    return { address, control, via: control ? 'address' : null, label: null };
  }

  /**
   * An HTTP request or websocket upgrade. `checkOrigin`: the request changes something (a
   * websocket may send commands; a POST acts), so a browser page from another origin is refused.
   * A client without an Origin header is no browser page: the address rules alone apply to it.
   */
  forRequest(req: IncomingMessage, checkOrigin: boolean): WebVerdict {
    const address = clientAddress(req, this.proxies);
    const origin = requestOrigin(req);
    const token = presentedToken(req);
    const holder = this.tokens.holder(token);
    if (!holder && !this.control.has(address) && !this.monitors(address)) {
      return { ok: false, kind: 'address', address, origin, reason: `address ${address} may not connect to this server: it is not in access.monitor` };
    }
    if (checkOrigin && origin !== null && !this.originAllowed(origin, req)) {
      return {
        ok: false,
        kind: 'origin',
        address,
        origin,
        reason: `a page from ${JSON.stringify(origin.slice(0, 100))} may not act on this server; expected one of its own origins (or one listed in access.origins)`,
      };
    }
    const byAddress = this.control.has(address);
    const grant: Grant = { address, control: byAddress || holder !== null, via: byAddress ? 'address' : holder ? 'token' : null, label: holder?.label ?? null };
    return { ok: true, grant, origin, tokenPresented: token !== null };
  }

  /** Who holds `token` (for `POST /api/session`), or null when it is none of this server's. */
  tokenHolder(token: string): { label: string | null } | null {
    return this.tokens.holder(token);
  }

  /** Exact scheme, host and port: `http://127.0.0.1.evil.example` is not `http://127.0.0.1:8080`. */
  originAllowed(origin: string, req: IncomingMessage): boolean {
    const normal = normalOrigin(origin);
    if (normal === null) return false; // "null" (a sandboxed frame, a file:// page) and garbage alike
    return this.extraOrigins.has(normal) || ownOrigins(req, this.httpHost).has(normal);
  }

  private monitors(address: string | undefined): boolean {
    return this.monitor === null || this.monitor.has(address) || this.control.has(address);
  }
}
