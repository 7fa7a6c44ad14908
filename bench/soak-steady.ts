// Steady clients: connected the whole time (to each server in turn, after a crash), reading every
// message and keeping each get_voltage they receive, by series, for the comparison with the log.

import { WebSocket } from 'ws';
import { HvConnection } from '../src/hv/client/hv-connection.js';
import type { Meta } from '../src/kit/protocol/envelope.js';
import type { Endpoint } from './soak-console.js';
import { SERIES_OF_LABEL } from './soak-series.js';

/** One connection's life: what it received from one server. */
export interface Segment {
  server: number;
  /** Simulated ms since the soak started. */
  connectedAt: number;
  closedAt: number | null;
  /** Who ended it: the soak at the end, or the server (a drop — or a crash, which the soak knows of). */
  closedBy: 'soak' | 'server' | null;
  readings: Map<string, number[]>;
  /** Messages that were not readings (there should be none: answers go to who asked). */
  others: number;
}

export class SteadyClient {
  readonly segments: Segment[] = [];
  private closeCurrent: (() => Promise<void>) | null = null;

  constructor(
    readonly name: string,
    readonly transport: 'tcp' | 'ws',
    private readonly now: () => number,
  ) {}

  get received(): number {
    return this.segments.reduce((n, s) => n + [...s.readings.values()].reduce((m, v) => m + v.length, 0), 0);
  }

  /** Connects to `server`'s endpoint; a new segment begins. */
  async attach(server: number, endpoint: Endpoint): Promise<void> {
    const segment: Segment = { server, connectedAt: this.now(), closedAt: null, closedBy: null, readings: new Map(), others: 0 };
    const take = (meta: Meta) => {
      if (meta.type === 'answer' && meta.answer_type === 'get_voltage' && typeof meta.voltage === 'number') {
        const series = SERIES_OF_LABEL.get(String(meta.block)) ?? `block ${String(meta.block)}`;
        const list = segment.readings.get(series) ?? [];
        list.push(meta.voltage);
        segment.readings.set(series, list);
      } else {
        segment.others++;
      }
    };
    let closing = false;
    const closed = () => {
      segment.closedAt = this.now();
      segment.closedBy = closing ? 'soak' : 'server';
    };
    if (this.transport === 'tcp') {
      const connection = await HvConnection.open(endpoint.host, endpoint.tcpPort, 10_000);
      // The connection keeps every message it receives; the soak keeps only the volts.
      connection.onMessage((m) => {
        take(m);
        connection.received.length = 0;
      });
      void connection.closed.then(closed);
      this.closeCurrent = async () => {
        closing = true;
        await connection.close();
      };
    } else {
      const ws = new WebSocket(`ws://${endpoint.host}:${endpoint.httpPort}/channel`);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.on('error', () => {});
      ws.on('message', (data, isBinary) => {
        if (isBinary) {
          segment.others++;
          return;
        }
        take(JSON.parse(data.toString()) as Meta);
      });
      const wsClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      void wsClosed.then(closed);
      this.closeCurrent = async () => {
        closing = true;
        ws.close(1000, 'soak over');
        await Promise.race([wsClosed, new Promise((r) => setTimeout(r, 3000))]);
        ws.terminate();
      };
    }
    this.segments.push(segment);
  }

  async close(): Promise<void> {
    await this.closeCurrent?.();
    this.closeCurrent = null;
  }
}
