// The WebSocket connector: `/channel` on the HTTP port, one JSON meta per text frame, the same
// messages as on TCP. `/channel?observe=1` also receives every command and answer (the web page).

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { nanoid } from 'nanoid';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ListenAddress } from '../machines/connector.machine.js';
import type { Grant } from '../access/access-policy.js';
import type { Logger } from '../log/logger.js';
import { parseMeta } from '../protocol/envelope-decoder.js';
import { showValue } from '../protocol/error-reply.js';
import { EnvelopeError } from '../protocol/envelope.js';
import { parseRequestTarget } from '../web/request-target.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { ConnectorServer, type ConnectorClient, type ConnectorServices, type ListenerOptions } from './connector-server.js';
import { HandlerBoundary } from './handler-boundary.js';
import { createGuardedHttp, type HttpLimits } from './http-guard.js';
import { handlerFailedReply, parseErrorReply, takeMeta, type IntakeContext } from './message-intake.js';

export const CHANNEL_PATH = '/channel';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** `maxClients` and `maxClientsPerAddress` count websockets; the HTTP port's own caps are `httpLimits`. */
export interface WsConnectorOptions extends ListenerOptions {
  /** Caps and timeouts of the HTTP port's connections, websockets among them. */
  httpLimits: HttpLimits;
  /** Everything on the HTTP port that is not the websocket. */
  http: HttpHandler;
}

class WsClient implements ConnectorClient {
  readonly id = nanoid();
  readonly closed: Promise<void>;

  constructor(
    readonly connector: string,
    readonly remote: string,
    readonly observer: boolean,
    readonly grant: Grant,
    private readonly ws: WebSocket,
    private readonly sendQueueBytes: number,
    private readonly log: Logger,
  ) {
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('error', (err) => log.info({ client: this.id, err: err.message }, 'websocket client error'));
  }

  send(message: OutgoingMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const text = message.json();
    if (text === null) return;
    this.ws.send(text);
    if (this.ws.bufferedAmount > this.sendQueueBytes) {
      this.log.warn(
        { client: this.id, remote: this.remote, queued: this.ws.bufferedAmount, limit: this.sendQueueBytes },
        `websocket client dropped: ${this.ws.bufferedAmount} bytes waiting to be sent, more than the limit of ${this.sendQueueBytes}`,
      );
      this.ws.terminate();
    }
  }

  end(reason: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1001, reason.slice(0, 120));
    const timer = setTimeout(() => this.ws.terminate(), 2000);
    timer.unref();
  }

  destroy(): void {
    this.ws.terminate();
  }
}

export class WsConnector extends ConnectorServer<WsClient> implements ConnectorServices {
  private wss: WebSocketServer | null = null;
  private readonly boundary = new HandlerBoundary(this.ctx.log, 'websocket handler');
  private http: Server | null = null;

  constructor(
    private readonly options: WsConnectorOptions,
    ctx: IntakeContext,
  ) {
    super(options.id, ctx, options.whenQuiet);
  }

  start(): Promise<ListenAddress> {
    return this.listen({ host: this.options.host, port: this.options.port, backlog: this.options.backlog }, `HTTP and websocket ${CHANNEL_PATH}`);
  }

  protected createListener(): Server {
    const { maxClients, maxClientsPerAddress } = this.options;
    const guarded = createGuardedHttp(this.options.http, this.options.httpLimits, { maxClients, maxClientsPerAddress }, this.ctx.log);
    const http = guarded.server;
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxMessageBytes });
    http.on('upgrade', (req, socket, head) => {
      if (guarded.admitUpgrade(socket)) this.upgrade(wss, req, socket, head);
    });
    this.http = http;
    this.wss = wss;
    return http;
  }

  protected override released(): void {
    this.wss?.close();
    this.http?.closeAllConnections(); // keep-alive HTTP connections that are not websockets
    this.wss = null;
    this.http = null;
  }

  private upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node takes its own error listener off a socket it hands to 'upgrade': without this one, a
    // peer that resets while being refused would raise an unhandled 'error' and end the process.
    socket.on('error', (err) => this.ctx.log.debug({ err: err.message }, 'websocket upgrade socket error'));
    this.boundary.run(
      () => this.admitUpgrade(wss, req, socket, head),
      () => refuseUpgrade(socket, '500 Internal Server Error'),
      { target: showValue(req.url) },
    );
  }

  private admitUpgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = parseRequestTarget(req.url);
    if (!url) return refuseUpgrade(socket, '400 Bad Request');
    if (url.pathname !== CHANNEL_PATH) return refuseUpgrade(socket, '404 Not Found');
    // A page from another origin, or an address that may not connect: refused before the handshake.
    const access = this.ctx.access.upgrade(req, this.id);
    if (!access.ok) return refuseUpgrade(socket, '403 Forbidden');
    if (this.clients.size >= this.options.maxClients) return refuseUpgrade(socket, '503 Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) =>
      this.boundary.run(
        () => {
          const observer = url.searchParams.get('observe') === '1';
          const client = new WsClient(this.id, `${req.socket.remoteAddress}:${req.socket.remotePort}`, observer, access.grant, ws, this.options.sendQueueBytes, this.ctx.log);
          this.admit(client, { observer });
          this.receive(client, ws);
        },
        () => ws.terminate(),
      ),
    );
  }

  private receive(client: WsClient, ws: WebSocket): void {
    const origin = { connector: this.id, client: client.id };
    const throttle = this.ctx.throttle.forRemote(client.remote);
    ws.on('message', (data, isBinary) =>
      this.boundary.run(
        () => {
          if (isBinary) {
            this.ctx.hub.deliver(origin, parseErrorReply('binary frame refused; expected one JSON meta object per text frame'));
            return;
          }
          const meta = parseMeta(Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]));
          if (meta instanceof EnvelopeError) {
            this.ctx.hub.deliver(origin, parseErrorReply(meta.message));
            return;
          }
          takeMeta(meta, origin, this.ctx, this.forward(), throttle);
        },
        () => this.ctx.hub.deliver(origin, handlerFailedReply()),
        { client: client.id },
      ),
    );
  }
}

/** Answers an upgrade that is not taken with a bare status line, then closes. */
function refuseUpgrade(socket: Duplex, status: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  else socket.destroy();
}
