// Raw conversations for bad input: bytes written as they are, and what came back — decoded
// envelopes on TCP, the status line on HTTP, replies and the close code on the websocket.

import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { EnvelopeDecoder } from '../src/kit/protocol/envelope-decoder.js';
import type { Meta } from '../src/kit/protocol/envelope.js';

/** What a bad input got: `error 9`, `error 4 + closed`, `HTTP 400`, `closed`, `close 1009`, `no answer`. */
export type Verdict = string;

function isReply(m: Meta): boolean {
  return m.type === 'reply' || (m.type === 'answer' && m.answer_type !== 'get_voltage');
}

/** Sends `bytes` on a TCP connection to the Envelope port; waits for a reply or the close. */
export function envelopeExchange(host: string, port: number, bytes: Buffer, waitMs = 3000): Promise<Verdict> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const decoder = new EnvelopeDecoder({ maxMessageBytes: 64 << 20 });
    let reply: Meta | null = null;
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const answer = reply ? (reply.type === 'reply' ? `error ${String(reply.error_code)}` : `${String(reply.answer_type)} ${String(reply.status)}`) : null;
      resolve(answer && closed ? `${answer} + closed` : (answer ?? (closed ? 'closed' : 'no answer')));
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => {
      for (const event of decoder.push(chunk)) {
        if (event.kind === 'message' && isReply(event.envelope.meta) && !reply) {
          reply = event.envelope.meta;
          // A reply that closes the connection comes with the close; give it a moment to arrive.
          setTimeout(() => finish(socket.destroyed || socket.readableEnded), 300);
        }
      }
    });
    socket.on('end', () => finish(true));
  });
}

/** Sends `bytes` to the HTTP port; the response's status line (`HTTP 400`), or how it ended. */
export function httpExchange(host: string, port: number, bytes: Buffer, waitMs = 3000): Promise<Verdict> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let head = '';
    let settled = false;
    const finish = (how: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/\d\.\d (\d{3})/.exec(head);
      resolve(status ? `HTTP ${status[1]}` : how);
    };
    const timer = setTimeout(() => finish('no answer'), waitMs);
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n')) finish('closed');
    });
  });
}

/** Sends each frame on a new websocket to /channel; the first reply, or the close code. */
export function wsExchange(host: string, port: number, frame: string | Buffer, waitMs = 3000): Promise<Verdict> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${host}:${port}/channel`, { maxPayload: 64 << 20 });
    let settled = false;
    const finish = (verdict: Verdict) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      resolve(verdict);
    };
    const timer = setTimeout(() => finish('no answer'), waitMs);
    ws.on('error', () => finish('closed'));
    ws.on('close', (code) => finish(`close ${code}`));
    ws.on('open', () => ws.send(frame, { binary: Buffer.isBuffer(frame) }));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const meta = JSON.parse(data.toString()) as Meta;
      if (isReply(meta)) finish(meta.type === 'reply' ? `error ${String(meta.error_code)}` : `${String(meta.answer_type)} ${String(meta.status)}`);
    });
  });
}
