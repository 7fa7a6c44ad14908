// Sends bytes to the HTTP port as they are, for request lines no HTTP client would write.

import { connect } from 'node:net';

/**
 * Writes `bytes` (from `localAddress` when given), ends the sending side, and resolves with everything the server sent once it
 * closed the connection (the server closes after answering a request whose peer has ended).
 */
export function rawHttpExchange(port: number, bytes: Buffer | string, host = '127.0.0.1', localAddress?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) }, () => socket.end(bytes));
    socket.on('data', (chunk) => chunks.push(chunk));
    // A reset after the answer is still an answer; a reset before any byte is what the caller checks.
    socket.on('error', (err) => (chunks.length ? undefined : reject(err)));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** "HTTP/1.1 404 Not Found" → 404; null when the answer holds no status line. */
export function statusOf(response: string): number | null {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(response);
  return match ? Number(match[1]) : null;
}
