// The back door over TCP: one JSON command per line in, one JSON result per line out.

import { createServer, type Server, type Socket } from 'node:net';
import type { SimulatorControl } from './simulator-control.js';

export class ControlServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly control: SimulatorControl) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as { port: number }).port);
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      if (buffer.length > 65536) {
        socket.end('{"ok":false,"error":"line longer than 65536 bytes"}\n');
        return;
      }
      let at: number;
      while ((at = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, at).trim();
        buffer = buffer.slice(at + 1);
        if (!line) continue;
        let result;
        try {
          result = this.control.apply(JSON.parse(line));
        } catch (err) {
          result = { ok: false, error: `not JSON: ${(err as Error).message}` };
        }
        socket.write(`${JSON.stringify(result)}\n`);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
  }
}
