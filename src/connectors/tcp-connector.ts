// The TCP connector: Online's Envelope framing. One decoder per client, one socket write per
// message, a bounded send queue per client, and every connection closed when either side ends it.

import { createServer, type Server, type Socket } from 'node:net';
import { nanoid } from 'nanoid';
import type { ListenAddress } from '../../machines/connector.machine.js';
import { clip } from '../log/input-excerpt.js';
import type { Throttle } from '../log/log-throttle.js';
import { EnvelopeDecoder } from '../protocol/envelope-decoder.js';
import type { Clock } from '../clock/clock.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { ConnectorServer, type ConnectorClient, type ConnectorServices } from './connector-server.js';
import { parseErrorReply, takeMeta, type ForwardCommand, type IntakeContext } from './message-intake.js';

export interface TcpConnectorOptions {
  id: string;
  host: string;
  port: number;
  backlog: number;
  maxMessageBytes: number;
  sendQueueBytes: number;
  maxClients: number;
  /** Resolves when no command is in flight, so clients get their last answers before they are closed. */
  whenQuiet: () => Promise<void>;
}

class TcpClient implements ConnectorClient {
  readonly id = nanoid();
  readonly observer = false;
  readonly remote: string;
  readonly closed: Promise<void>;
  private readonly decoder: EnvelopeDecoder;
  private readonly throttle: Throttle;

  constructor(
    readonly connector: string,
    private readonly socket: Socket,
    private readonly options: TcpConnectorOptions,
    private readonly ctx: IntakeContext & { clock: Clock },
    private readonly forward: () => ForwardCommand | null,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.throttle = ctx.throttle.forRemote(this.remote);
    this.decoder = new EnvelopeDecoder({ maxMessageBytes: options.maxMessageBytes });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', (err) => ctx.log.info({ client: this.id, remote: this.remote, err: err.message }, 'client socket error'));
  }

  private get origin() {
    return { connector: this.connector, client: this.id };
  }

  private receive(chunk: Buffer): void {
    for (const event of this.decoder.push(chunk)) {
      if (event.kind === 'message') {
        takeMeta(event.envelope.meta, this.origin, this.ctx, this.forward(), this.throttle);
      } else if (event.kind === 'skipped') {
        const { log, suppressed } = this.throttle.take();
        if (log) this.ctx.log.warn({ client: this.id, remote: this.remote, bytes: event.bytes, suppressed }, `skipped ${event.bytes} bytes of garbage before a header`);
      } else {
        const { log, suppressed } = this.throttle.take();
        // The decoder's sentence may quote the input: an excerpt of it at most.
        if (log) this.ctx.log.warn({ client: this.id, remote: this.remote, kind: event.error.kind, suppressed }, clip(event.error.message));
        this.ctx.hub.deliver(this.origin, parseErrorReply(event.error.message));
        if (event.error.fatal) {
          this.end(`its stream cannot be trusted after: ${event.error.message}`);
          return;
        }
      }
      if (this.socket.destroyed) return;
    }
  }

  send(message: OutgoingMessage): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    const bytes = message.envelope(this.ctx.clock.now());
    if (!bytes) return;
    this.socket.write(bytes);
    if (this.socket.writableLength > this.options.sendQueueBytes) {
      this.ctx.log.warn(
        { client: this.id, remote: this.remote, queued: this.socket.writableLength, limit: this.options.sendQueueBytes },
        `client dropped: ${this.socket.writableLength} bytes waiting to be sent, more than the limit of ${this.options.sendQueueBytes}`,
      );
      this.socket.destroy();
    }
  }

  end(reason: string): void {
    if (this.socket.destroyed) return;
    this.ctx.log.info({ client: this.id, remote: this.remote }, `closing client: ${reason}`);
    this.socket.end();
    // A peer that never reads would keep the socket half-closed forever.
    const timer = setTimeout(() => this.socket.destroy(), 2000);
    timer.unref();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export class TcpConnector extends ConnectorServer<TcpClient> implements ConnectorServices {
  constructor(
    private readonly options: TcpConnectorOptions,
    private readonly tcpCtx: IntakeContext & { clock: Clock },
  ) {
    super(options.id, tcpCtx, options.whenQuiet);
  }

  start(): Promise<ListenAddress> {
    return this.listen({ host: this.options.host, port: this.options.port, backlog: this.options.backlog }, 'TCP connector');
  }

  protected createListener(): Server {
    // allowHalfOpen false: when a peer ends its side, Node ends ours, so no socket lingers in CLOSE-WAIT.
    const server = createServer({ allowHalfOpen: false, noDelay: true }, (socket) => {
      this.admit(new TcpClient(this.id, socket, this.options, this.tcpCtx, () => this.forward()));
    });
    server.maxConnections = this.options.maxClients;
    server.on('drop', (data) =>
      this.ctx.log.warn({ remote: `${data?.remoteAddress}:${data?.remotePort}`, limit: this.options.maxClients }, `connection refused: already ${this.options.maxClients} clients`),
    );
    return server;
  }
}
