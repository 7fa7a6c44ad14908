// The TCP connector: Online's Envelope framing. One decoder per client, one socket write per
// message, a bounded send queue per client, and every connection closed when either side ends it.

import { createServer, type Server, type Socket } from 'node:net';
import { nanoid } from 'nanoid';
import type { ListenAddress } from '../machines/connector.machine.js';
import type { Grant } from '../access/access-policy.js';
import type { Throttle } from '../log/log-throttle.js';
import { EnvelopeDecoder, type DecoderEvent } from '../protocol/envelope-decoder.js';
import type { Clock } from '../clock/clock.js';
import type { EarlyTcp } from './early-tcp.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { ConnectionGate } from './connection-gate.js';
import { ConnectorServer, type ConnectorClient, type ConnectorServices, type ListenerOptions } from './connector-server.js';
import { HandlerBoundary } from './handler-boundary.js';
import { handlerFailedReply, refuseUndecodable, takeMeta, type ForwardCommand, type IntakeContext } from './message-intake.js';

export interface TcpConnectorOptions extends ListenerOptions {
  /** The port already bound at process start, with the clients that connected while the server was starting. */
  early?: EarlyTcp;
}

class TcpClient implements ConnectorClient {
  readonly id = nanoid();
  readonly observer = false;
  readonly remote: string;
  readonly grant: Grant | null;
  readonly closed: Promise<void>;
  private readonly decoder: EnvelopeDecoder;
  private readonly throttle: Throttle;
  /** Set once the decoder failed: later bytes cannot be framed, so they are ignored until the close. */
  private lost = false;
  /** What a failure in this client's handler is logged with; made once, not per chunk. */
  private readonly fields: { client: string; remote: string };
  private readonly decodingFields: { client: string; remote: string; while: string };

  constructor(
    readonly connector: string,
    private readonly socket: Socket,
    private readonly options: TcpConnectorOptions,
    private readonly ctx: IntakeContext & { clock: Clock },
    private readonly forward: () => ForwardCommand | null,
    private readonly boundary: HandlerBoundary,
    /** A client that connected while the server was starting keeps its decoder and what it holds. */
    decoder?: EnvelopeDecoder,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.fields = { client: this.id, remote: this.remote };
    this.decodingFields = { ...this.fields, while: 'decoding' };
    // Online's protocol has no authentication: its address is all a TCP client is judged by.
    this.grant = ctx.access.policy.forPeer(socket.remoteAddress);
    this.throttle = ctx.throttle.forRemote(this.remote);
    this.decoder = decoder ?? new EnvelopeDecoder({ maxMessageBytes: options.maxMessageBytes });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', (err) => ctx.log.info({ client: this.id, remote: this.remote, err: err.message }, 'client socket error'));
  }

  private get origin() {
    return { connector: this.connector, client: this.id };
  }

  private receive(chunk: Buffer): void {
    if (this.lost) return;
    let events: DecoderEvent[] = [];
    this.boundary.run(
      () => (events = this.decoder.push(chunk)),
      () => {
        // The decoder never throws by design; if it did, its place in the stream is lost for good.
        this.lost = true;
        this.replyFailed();
        this.end("the server lost its place in this client's byte stream");
      },
      this.decodingFields,
    );
    for (const event of events) {
      let stop = false;
      this.boundary.run(() => (stop = this.handle(event)), () => this.replyFailed(), this.fields);
      if (stop || this.socket.destroyed) return;
    }
  }

  /** Acts on one decoded event; true when nothing more from this client's stream may be taken. */
  private handle(event: DecoderEvent): boolean {
    if (event.kind === 'message') {
      takeMeta(event.envelope.meta, this.origin, this.ctx, this.forward(), this.throttle);
    } else if (event.kind === 'skipped') {
      const { log, suppressed } = this.throttle.take();
      if (log) this.ctx.log.warn({ client: this.id, remote: this.remote, bytes: event.bytes, suppressed }, `skipped ${event.bytes} bytes of garbage before a header`);
    } else {
      refuseUndecodable(event.error.message, this.origin, this.ctx, this.throttle, { ...this.fields, kind: event.error.kind });
      if (event.error.fatal) {
        this.end(`its stream cannot be trusted after: ${event.error.message}`);
        return true;
      }
    }
    return false;
  }

  private replyFailed(): void {
    this.ctx.hub.deliver(this.origin, handlerFailedReply());
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
  private early: EarlyTcp | null;
  /** One for all clients, so its log throttle holds however many clients trip the same bug. */
  private readonly boundary = new HandlerBoundary(this.ctx.log, 'TCP data handler');

  constructor(
    private readonly options: TcpConnectorOptions,
    private readonly tcpCtx: IntakeContext & { clock: Clock },
  ) {
    super(options.id, tcpCtx, options.whenQuiet);
    this.early = options.early ?? null;
  }

  start(): Promise<ListenAddress> {
    return this.listen({ host: this.options.host, port: this.options.port, backlog: this.options.backlog }, 'TCP connector');
  }

  protected createListener(): Server {
    // Over a cap, a connection is closed as soon as it is accepted. No timeout of any kind is set:
    // Online is silent for hours at a time (it only receives readings) and must never be cut off.
    const gate = new ConnectionGate(
      {
        label: 'TCP',
        keys: { maxConnections: 'limits.tcp.max_connections', maxPerAddress: 'limits.tcp.max_per_address' },
        maxConnections: this.options.maxClients,
        maxPerAddress: this.options.maxClientsPerAddress,
        refuse: (socket) => socket.destroy(),
      },
      this.ctx.log,
    );
    const accept = (socket: Socket, decoder?: EnvelopeDecoder) => {
      if (gate.admit(socket)) this.admit(new TcpClient(this.id, socket, this.options, this.tcpCtx, () => this.forward(), this.boundary, decoder));
    };
    // The port bound at start is used once; after a connector restart a new one is made.
    const early = this.early;
    this.early = null;
    // allowHalfOpen false: when a peer ends its side, Node ends ours, so no socket lingers in CLOSE-WAIT.
    const server = early ? early.handOver((waiting) => accept(waiting.socket, waiting.decoder)) : createServer({ allowHalfOpen: false, noDelay: true });
    server.on('connection', (socket: Socket) => accept(socket));
    return server;
  }
}
