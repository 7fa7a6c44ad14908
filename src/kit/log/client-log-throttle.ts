// How much the server logs about clients' bad input, counted by the client's address rather than
// by its connection: a client that reconnects after each refused message (or uses both the TCP and
// the websocket connector) is still one client. The addresses are kept in an LRU, so a scan from
// many addresses costs a bounded amount of memory.

import { LRUCache } from 'lru-cache';
import { LogThrottle, type Throttle } from './log-throttle.js';

/** Addresses remembered; the least recently heard is forgotten first. */
export const THROTTLED_ADDRESSES = 1024;
/** An address gets its free lines back an hour after the first of them. */
export const THROTTLE_WINDOW_MS = 3_600_000;

/** The address of a `remote` as the connectors write it (`address:port`), IPv4-mapped IPv6 as plain IPv4. */
export function addressOf(remote: string): string {
  const cut = remote.lastIndexOf(':');
  const host = cut > 0 ? remote.slice(0, cut) : remote;
  return host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
}

export class ClientLogThrottle {
  private readonly byAddress = new LRUCache<string, LogThrottle>({ max: THROTTLED_ADDRESSES });

  constructor(
    /** The program's clock, for the window. */
    private readonly now: () => number,
    private readonly windowMs = THROTTLE_WINDOW_MS,
  ) {}

  take(address: string): { log: boolean; suppressed: number } {
    let throttle = this.byAddress.get(address);
    if (!throttle) {
      throttle = new LogThrottle(20, 1000, this.windowMs);
      this.byAddress.set(address, throttle);
    }
    return throttle.take(this.now());
  }

  /** The throttle of one connection's client: shared with every other connection from its address. */
  forRemote(remote: string): Throttle {
    const address = addressOf(remote);
    return { take: () => this.take(address) };
  }
}
