// A websocket upgrade as a browser or a script makes it, from a chosen local address and origin:
// the status it was answered with (101 when it opened), the socket, and what came over it.
import WebSocket from 'ws';
import type { Meta } from '../../src/kit/protocol/envelope.js';

export interface WsOptions {
  origin?: string;
  localAddress?: string;
  headers?: Record<string, string>;
  path?: string;
}

export function openWs(port: number, options: WsOptions = {}): Promise<{ status: number; ws: WebSocket; received: Meta[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? '/channel'}`, {
    ...(options.origin ? { origin: options.origin } : {}),
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    headers: options.headers ?? {},
  });
  const received: Meta[] = [];
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Meta));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ status: 101, ws, received }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, ws, received });
    });
    ws.once('error', reject);
  });
}
