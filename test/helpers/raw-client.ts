// A TCP client that sends raw bytes and decodes whatever comes back: for feeding a server bad input.

import { connect, type Socket } from 'node:net';
import { EnvelopeDecoder } from '../../src/kit/protocol/envelope-decoder.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';

export interface RawClient {
  socket: Socket;
  received: Meta[];
  closed: Promise<void>;
  isClosed(): boolean;
}

/** `localAddress`: the address to connect from (127.0.0.2 stands for another machine on the lab network). */
export function openRaw(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    const decoder = new EnvelopeDecoder();
    const received: Meta[] = [];
    let closed = false;
    socket.on('data', (chunk) => {
      for (const e of decoder.push(chunk)) if (e.kind === 'message') received.push(e.envelope.meta);
    });
    socket.on('error', () => {});
    const closedPromise = new Promise<void>((r) => socket.on('close', () => {
      closed = true;
      r();
    }));
    socket.once('connect', () => resolve({ socket, received, closed: closedPromise, isClosed: () => closed }));
    socket.once('error', reject);
  });
}

/** A 30-byte `#!` header followed by `metaText` verbatim (so tests can send what the encoder refuses). */
export function envelopeWithMetaText(metaText: string, metaType = 0x00010000): Buffer {
  const meta = Buffer.from(metaText, 'utf8');
  const header = Buffer.alloc(30);
  header.write('#!', 0, 'latin1');
  header.writeUInt32BE(0x00014000, 2);
  header.writeUInt32BE(0, 6);
  header.writeUInt32BE(metaType, 10);
  header.writeUInt32BE(meta.length, 14);
  header.writeUInt32BE(0, 18);
  header.writeUInt32BE(0, 22);
  header.write('!#\r\n', 26, 'latin1');
  return Buffer.concat([header, meta]);
}
