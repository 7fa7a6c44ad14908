// A TCP server that remembers its connections, so a simulator can drop them all at once (an
// instrument losing power) and close cleanly: shared by the instrument, adapter and control ports.

import { createServer, type Server, type Socket } from 'node:net';

export class TcpListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(onConnection: (socket: Socket) => void) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => this.sockets.delete(socket));
      onConnection(socket);
    });
  }

  /** Resolves with the port it is bound to (the system's choice when `port` is 0). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as { port: number }).port);
      });
    });
  }

  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
