// Online's TCP port, opened before anything else. Online reconnects once, about a second after it
// loses the server, and then gives up for good; loading the server's modules and reading the
// instruments takes longer than that. So the port is bound first, and until the TCP connector
// takes it over every command is answered 8 (busy): Online waits 5 s and sends it again, by which
// time the server is ready. The clients connected meanwhile are handed over with their decoders,
// so no byte they sent is lost and they receive every reading from then on. Where the port is held
// across restarts (by the supervisor or by systemd: cli/held-port.ts), the socket comes bound and
// listening, with the connections made while no server ran waiting in its backlog; they are
// accepted here like any other.

import { createServer, type Server, type Socket } from 'node:net';
import { errorReply } from '../protocol/error-reply.js';
import { EnvelopeDecoder } from '../protocol/envelope-decoder.js';
import { encodeEnvelope } from '../protocol/envelope-encoder.js';

/** A listening socket made elsewhere (cli/held-port.ts): a descriptor inherited from systemd, or a handle the supervisor passed. */
export type ListeningSocket = { fd: number } | { handle: object };

export interface EarlyTcpOptions {
  host: string;
  port: number;
  backlog: number;
  /** Listen on this socket, already bound, instead of binding host and port. */
  socket?: ListeningSocket | null;
  maxMessageBytes: number;
  /** Connections held while starting; later ones are closed at once. */
  maxClients: number;
}

/** A client accepted before the connector was ready: its socket and the decoder holding its partial message. */
export interface WaitingClient {
  socket: Socket;
  decoder: EnvelopeDecoder;
}

export const STARTING_DESCRIPTION = 'the server is starting (reading its instruments); send the command again in a few seconds';

export class EarlyTcp {
  private readonly waiting = new Set<WaitingClient>();
  private taken = false;

  private constructor(
    readonly server: Server,
    readonly address: { host: string; port: number },
    private readonly options: EarlyTcpOptions,
  ) {}

  /** Binds the port; rejects with the listen error (EADDRINUSE, EACCES ...). */
  static open(options: EarlyTcpOptions): Promise<EarlyTcp> {
    // allowHalfOpen false, as the connector's own server: a peer that ends its side is ended too.
    const server = createServer({ allowHalfOpen: false, noDelay: true });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const listening = () => {
        server.off('error', reject);
        const bound = server.address();
        const at = typeof bound === 'object' && bound ? bound : null;
        // A socket bound elsewhere is wherever it was bound (systemd's ListenStream=), not where the config says.
        const host = options.socket && at ? at.address : options.host;
        const early = new EarlyTcp(server, { host, port: at ? at.port : options.port }, options);
        server.on('connection', early.onConnection);
        resolve(early);
      };
      const socket = options.socket;
      // listen() again on a socket already listening only sets its backlog: the connections waiting in it stay.
      if (!socket) server.listen({ host: options.host, port: options.port, backlog: options.backlog }, listening);
      else if ('fd' in socket) server.listen({ fd: socket.fd }, options.backlog, listening);
      else server.listen(socket.handle, options.backlog, listening);
    });
  }

  /** Clients connected and waiting for the server to be ready. */
  get waitingClients(): number {
    return this.waiting.size;
  }

  /**
   * Gives the listening server to the connector: new connections go to `accept` from now on, and
   * so do the clients already waiting, in the order they came. Only once.
   */
  handOver(accept: (client: WaitingClient) => void): Server {
    if (this.taken) throw new Error('the early TCP listener was already handed over');
    this.taken = true;
    this.server.off('connection', this.onConnection);
    for (const client of this.waiting) {
      client.socket.removeAllListeners('data');
      client.socket.removeAllListeners('close');
      client.socket.removeAllListeners('error');
      if (!client.socket.destroyed) accept(client);
    }
    this.waiting.clear();
    return this.server;
  }

  /**
   * A connection accepted elsewhere on this port (by the supervising process, before this server
   * listened), unread: taken as one accepted here, by this listener or the connector it was handed
   * over to. Closed when the port is closed already.
   */
  adopt(socket: Socket): void {
    if (!this.server.listening) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.server.emit('connection', socket);
  }

  /** Closes the port and every waiting client (a stop before the server was ready). */
  close(): Promise<void> {
    for (const client of this.waiting) client.socket.destroy();
    this.waiting.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private readonly onConnection = (socket: Socket): void => {
    if (this.waiting.size >= this.options.maxClients) {
      socket.destroy();
      return;
    }
    const client: WaitingClient = { socket, decoder: new EnvelopeDecoder({ maxMessageBytes: this.options.maxMessageBytes }) };
    this.waiting.add(client);
    socket.setNoDelay(true);
    socket.on('error', () => {}); // a reset before the server is ready concerns nobody
    socket.on('close', () => this.waiting.delete(client));
    socket.on('data', (chunk: Buffer) => {
      for (const event of client.decoder.push(chunk)) {
        if (event.kind === 'message') socket.write(encodeEnvelope(errorReply('SERVER_BUSY_ERROR', STARTING_DESCRIPTION)));
        else if (event.kind === 'error') {
          socket.write(encodeEnvelope(errorReply('PARSE_MESSAGE_ERROR', event.error.message)));
          if (event.error.fatal) socket.destroy();
        }
      }
    });
  };
}
