// The back door over TCP: one JSON command per line in, one JSON result per line out.

import type { Socket } from 'node:net';
import { parseBoundedJson } from '../../src/kit/protocol/bounded-json.js';
import { TcpListener } from '../adapters/tcp-listener.js';
import type { SimulatorControl } from './simulator-control.js';

const MAX_LINE = 65536;

export class ControlServer {
  private readonly listener = new TcpListener((socket) => this.accept(socket));

  constructor(private readonly control: SimulatorControl) {}

  listen(host: string, port: number): Promise<number> {
    return this.listener.listen(host, port);
  }

  close(): Promise<void> {
    return this.listener.close();
  }

  private accept(socket: Socket): void {
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let at: number;
      while ((at = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, at).trim();
        buffer = buffer.slice(at + 1);
        if (line) socket.write(`${JSON.stringify(this.answer(line))}\n`);
      }
      if (buffer.length > MAX_LINE) socket.end(`${JSON.stringify({ ok: false, error: `line longer than ${MAX_LINE} bytes` })}\n`);
    });
  }

  private answer(line: string): unknown {
    // Depth-checked before parsing: the answer to a bad command echoes it, and that recurses.
    const parsed = parseBoundedJson(line, { what: 'the command line' });
    return parsed.ok ? this.control.apply(parsed.value) : { ok: false, error: parsed.message };
  }
}
