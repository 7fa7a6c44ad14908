// Caps one listener's connections, in all and per remote address, so that no peer (nor all of them
// together) can take the process's file descriptors. A connection over a cap is refused in the same
// turn it is accepted, so a flood never holds more than one descriptor beyond the cap.

import type { Socket } from 'node:net';
import { WindowedLog, type WarnLog } from './windowed-log.js';

export interface ConnectionCaps {
  maxConnections: number;
  maxPerAddress: number;
}

export type RefusalCode = 'CONNECTOR_FULL' | 'ADDRESS_FULL';

export interface Refusal {
  code: RefusalCode;
  /** One sentence naming the address or count and the cap, for the log and the peer. */
  message: string;
}

export interface GateOptions extends ConnectionCaps {
  /** Names the connector in sentences: "TCP", "HTTP", "websocket". */
  label: string;
  /** The config keys of the caps, named in sentences so an operator knows what to raise. */
  keys: { maxConnections: string; maxPerAddress: string };
  /**
   * When a cap is reached, close the connection idle longest (of that address, or of all; see
   * `idle`/`busy`) to make room rather than refuse: a page's request must get through a crowd of
   * connections that do nothing. Only when none is idle is the new one refused.
   */
  evictIdle?: boolean;
  /** Tells the peer and closes its socket, at once. */
  refuse: (socket: Socket, refusal: Refusal) => void;
}

interface Entry {
  address: string;
  /** Requests in progress (HTTP); Infinity once the connection is a websocket. */
  busy: number;
  idleSince: number;
}

export class ConnectionGate {
  private readonly entries = new Map<Socket, Entry>();
  private readonly perAddress = new Map<string, number>();
  /** Sockets with nothing in progress, longest idle first (a Map keeps insertion order). */
  private readonly idleSockets = new Map<Socket, true>();
  /** One window per kind of refusal: a flood from one address must not hide that the connector is full. */
  private readonly refusals: Record<RefusalCode, WindowedLog>;
  private readonly evictions: WindowedLog;

  constructor(
    private readonly options: GateOptions,
    log: WarnLog,
  ) {
    this.refusals = { CONNECTOR_FULL: new WindowedLog(log), ADDRESS_FULL: new WindowedLog(log) };
    this.evictions = new WindowedLog(log);
  }

  /** Counts `socket` until it closes and returns true; or refuses it (closing it) and returns false. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    const { label, keys, maxConnections, maxPerAddress } = this.options;
    const from = () => this.perAddress.get(address) ?? 0;
    let refusal: Refusal | null = null;
    if (from() >= maxPerAddress && !this.evictOne(address, keys.maxPerAddress)) {
      refusal = {
        code: 'ADDRESS_FULL',
        message: `${label} connection from ${address} refused: it already has ${from()} open${this.options.evictIdle ? ' and busy' : ''}, the most one address may have (${keys.maxPerAddress} = ${maxPerAddress})`,
      };
    } else if (this.entries.size >= maxConnections && !this.evictOne(null, keys.maxConnections)) {
      refusal = {
        code: 'CONNECTOR_FULL',
        message: `${label} connection from ${address} refused: ${this.entries.size} connections are open${this.options.evictIdle ? ' and busy' : ''}, the most allowed (${keys.maxConnections} = ${maxConnections})`,
      };
    }
    if (refusal) {
      this.refusals[refusal.code].warn({ code: refusal.code, connector: label, remote: address, open: this.entries.size, from_address: from() }, refusal.message);
      this.options.refuse(socket, refusal);
      return false;
    }
    this.entries.set(socket, { address, busy: 0, idleSince: Date.now() });
    this.perAddress.set(address, from() + 1);
    if (this.options.evictIdle) this.idleSockets.set(socket, true);
    socket.once('close', () => this.release(socket));
    return true;
  }

  /** A request began on `socket`: it is not to be closed to make room until it ends. */
  busy(socket: Socket): void {
    const entry = this.entries.get(socket);
    if (!entry) return;
    entry.busy++;
    this.idleSockets.delete(socket);
  }

  /** A request on `socket` ended; with none left in progress it waits at the back of the idle line. */
  idle(socket: Socket): void {
    const entry = this.entries.get(socket);
    if (!entry || entry.busy === 0) return;
    entry.busy--;
    if (entry.busy > 0) return;
    entry.idleSince = Date.now();
    if (this.options.evictIdle) this.idleSockets.set(socket, true);
  }

  /** `socket` became a websocket: never idle again; the websocket caps watch it from now on. */
  upgraded(socket: Socket): void {
    const entry = this.entries.get(socket);
    if (!entry) return;
    entry.busy = Infinity;
    this.idleSockets.delete(socket);
  }

  /** Closes the connection idle longest (of `address`, or of all): false when there is none to close. */
  private evictOne(address: string | null, cap: string): boolean {
    if (!this.options.evictIdle) return false;
    let socket: Socket | null = null;
    for (const candidate of this.idleSockets.keys()) {
      if (address === null || this.entries.get(candidate)?.address === address) {
        socket = candidate;
        break;
      }
    }
    if (!socket) return false;
    const entry = this.entries.get(socket)!;
    const idleMs = Date.now() - entry.idleSince;
    this.evictions.warn(
      { code: 'IDLE_CLOSED', connector: this.options.label, remote: entry.address, idle_ms: idleMs },
      `${this.options.label} connection from ${entry.address} closed to make room, idle for ${idleMs} ms, the longest ${address === null ? 'of all' : 'of its address'}: ${cap} was reached`,
    );
    // Counted out now: destroy() closes the descriptor at once, though 'close' comes a turn later.
    this.release(socket);
    socket.destroy();
    return true;
  }

  private release(socket: Socket): void {
    const entry = this.entries.get(socket);
    if (!entry) return;
    this.entries.delete(socket);
    this.idleSockets.delete(socket);
    const left = (this.perAddress.get(entry.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(entry.address, left);
    else this.perAddress.delete(entry.address);
  }
}
