// The WebSocket connector: `/channel` on the HTTP port, one JSON meta per text frame, the same
// messages as on TCP. `/channel?observe=1` also receives every command and answer (the web page).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { nanoid } from 'nanoid';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ConnectorEvent, ListenAddress } from '../../machines/connector.machine.js';
import { LogThrottle } from '../log/log-throttle.js';
import type { Logger } from '../log/logger.js';
import { parseMeta } from '../protocol/envelope-decoder.js';
import { EnvelopeError } from '../protocol/envelope.js';
import { metaToJson } from '../protocol/envelope-encoder.js';
import type { ClientLink } from './client-hub.js';
import { atMost, type ConnectorServer } from './connector-server.js';
import { parseErrorReply, takeMeta, type ForwardCommand, type IntakeContext } from './message-intake.js';

export const CHANNEL_PATH = '/channel';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface WsConnectorOptions {
  id: string;
  host: string;
  port: number;
  maxMessageBytes: number;
  sendQueueBytes: number;
  maxClients: number;
  whenQuiet: () => Promise<void>;
  /** Everything on the HTTP port that is not the websocket. */
  http: HttpHandler;
}

class WsClient implements ClientLink {
  readonly id = nanoid();
  readonly closed: Promise<void>;

  constructor(
    readonly connector: string,
    readonly remote: string,
    readonly observer: boolean,
    private readonly ws: WebSocket,
    private readonly sendQueueBytes: number,
    private readonly log: Logger,
  ) {
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('error', (err) => log.info({ client: this.id, err: err.message }, 'websocket client error'));
  }

  send(message: Record<string, unknown>): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    let text: string;
    try {
      text = metaToJson(message);
    } catch (err) {
      this.log.error({ client: this.id, message, err: (err as Error).message }, 'message not sent: it cannot be encoded');
      return;
    }
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

export class WsConnector implements ConnectorServer {
  readonly id: string;
  private http: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly clients = new Set<WsClient>();
  private toMachine: ((event: ConnectorEvent) => void) | null = null;

  constructor(
    private readonly options: WsConnectorOptions,
    private readonly ctx: IntakeContext,
  ) {
    this.id = options.id;
  }

  listen(): Promise<ListenAddress> {
    const http = createServer(this.options.http);
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxMessageBytes });
    http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.http = http;
    this.wss = wss;
    return new Promise((resolve, reject) => {
      http.once('error', reject);
      http.listen({ host: this.options.host, port: this.options.port, backlog: 511 }, () => {
        http.off('error', reject);
        http.on('error', (err) => this.toMachine?.({ type: 'SERVE_FAILED', reason: `HTTP server error: ${err.message}` }));
        const address = http.address();
        const port = typeof address === 'object' && address ? address.port : this.options.port;
        this.ctx.log.info({ host: this.options.host, port }, `HTTP and websocket ${CHANNEL_PATH} listening on ${this.options.host}:${port}`);
        resolve({ host: this.options.host, port });
      });
    });
  }

  serve(toMachine: (event: ConnectorEvent) => void): () => void {
    this.toMachine = toMachine;
    return () => {
      this.toMachine = null;
    };
  }

  async close(): Promise<void> {
    const http = this.http;
    if (!http) return;
    http.close();
    await this.options.whenQuiet();
    for (const client of this.clients) client.end('the server is shutting down');
    await atMost(Promise.all([...this.clients].map((c) => c.closed)), 3000);
    for (const client of this.clients) client.destroy();
    this.wss?.close();
    http.closeAllConnections();
    this.http = null;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== CHANNEL_PATH || !this.wss) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (this.clients.size >= this.options.maxClients) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const observer = url.searchParams.get('observe') === '1';
      const client = new WsClient(this.id, `${req.socket.remoteAddress}:${req.socket.remotePort}`, observer, ws, this.options.sendQueueBytes, this.ctx.log);
      this.accept(client, ws);
    });
  }

  private accept(client: WsClient, ws: WebSocket): void {
    this.clients.add(client);
    this.ctx.hub.add(client);
    this.ctx.log.info({ client: client.id, remote: client.remote, observer: client.observer }, 'websocket client connected');
    this.toMachine?.({ type: 'CLIENTS_CHANGED', clients: this.clients.size });
    const origin = { connector: this.id, client: client.id };
    const throttle = new LogThrottle();
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.ctx.hub.deliver(origin, parseErrorReply('binary frame refused; expected one JSON meta object per text frame'));
        return;
      }
      const meta = parseMeta(Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]));
      if (meta instanceof EnvelopeError) {
        this.ctx.hub.deliver(origin, parseErrorReply(meta.message));
        return;
      }
      const toMachine = this.toMachine;
      const forward: ForwardCommand | null = toMachine ? (command, o) => toMachine({ type: 'CLIENT_COMMAND', command, origin: o }) : null;
      takeMeta(meta, origin, this.ctx, forward, throttle);
    });
    void client.closed.then(() => {
      this.clients.delete(client);
      this.ctx.hub.remove(client);
      this.ctx.log.info({ client: client.id, remote: client.remote }, 'websocket client disconnected');
      this.toMachine?.({ type: 'CLIENTS_CHANGED', clients: this.clients.size });
    });
  }
}
