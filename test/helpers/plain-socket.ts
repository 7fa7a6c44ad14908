// A bare TCP socket that keeps everything it receives: for talking HTTP by hand (slow headers,
// refused connections) and for connecting from another loopback address (127.0.0.2 ...), so
// per-address caps can be told from per-connector ones on one machine.

import { connect, type Socket } from 'node:net';

export interface PlainSocket {
  socket: Socket;
  /** Everything received so far, as text. */
  text(): string;
  closed: Promise<void>;
  isClosed(): boolean;
}

export function openPlain(port: number, options: { host?: string; localAddress?: string } = {}): Promise<PlainSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.host ?? '127.0.0.1', port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    let received = '';
    let isClosed = false;
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    // A refused connection may end in a reset; the test looks at what arrived and at the close.
    socket.on('error', () => {});
    const closed = new Promise<void>((r) =>
      socket.once('close', () => {
        isClosed = true;
        r();
      }),
    );
    socket.once('connect', () => resolve({ socket, text: () => received, closed, isClosed: () => isClosed }));
    socket.once('error', reject);
  });
}

/** Sends a request line and then one more header byte every `everyMs` (real time), never ending the headers. */
export function trickleHeaders(s: PlainSocket, everyMs: number): void {
  s.socket.write('GET /api/status HTTP/1.1\r\nHost: hv\r\nX-Slow: ');
  const timer = setInterval(() => {
    if (!s.socket.destroyed) s.socket.write('x');
  }, everyMs);
  void s.closed.then(() => clearInterval(timer));
}

/** A whole GET on a socket of its own; resolves with the status code and body once the server closes or answers. */
export async function httpGet(port: number, path: string, options: { localAddress?: string } = {}): Promise<{ status: number; headers: string; body: string }> {
  const s = await openPlain(port, options);
  s.socket.write(`GET ${path} HTTP/1.1\r\nHost: hv\r\nConnection: close\r\n\r\n`);
  await s.closed;
  const text = s.text();
  const split = text.indexOf('\r\n\r\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body: split >= 0 ? text.slice(split + 4) : '' };
}
