// Real receivers of the server's alarm notifications, on 127.0.0.1 and port 0, for the tests and
// bench:notify: an HTTP webhook receiver that can refuse connections (down), answer 500, hold its
// answer or accept, noting when each request arrived; and a real SMTP server (smtp-server) that can
// refuse the next messages with a 451.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** What it was answered: 200, 500, or 0 when the answer was held back. */
  answered: number;
  /** performance.now() when it arrived. */
  at: number;
}

/** How the receiver answers: accept (200), error (500), hold (no answer until it closes). */
export type ReceiverMode = 'accept' | 'error' | 'hold';

/** A webhook receiver on 127.0.0.1, port 0; `down()` closes its port (connections refused) and `up()` opens the same port again. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  mode: ReceiverMode = 'accept';
  private server: Server;
  private held: ServerResponse[] = [];
  private waiters: { n: number; resolve: (r: ReceivedRequest) => void }[] = [];
  port = 0;

  private constructor() {
    this.server = this.create();
  }

  static async start(mode: ReceiverMode = 'accept'): Promise<Receiver> {
    const r = new Receiver();
    r.mode = mode;
    await r.listen(0);
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/secret-token`;
  }

  /** Requests answered 2xx: the notifications accepted. */
  get accepted(): ReceivedRequest[] {
    return this.requests.filter((r) => r.answered === 200);
  }

  /** Resolves with the n-th request (1-based) once it has arrived. */
  request(n: number): Promise<ReceivedRequest> {
    const got = this.requests[n - 1];
    if (got) return Promise.resolve(got);
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async down(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held = [];
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async up(mode: ReceiverMode): Promise<void> {
    this.mode = mode;
    this.server = this.create();
    await this.listen(this.port);
  }

  close(): Promise<void> {
    return this.server.listening ? this.down() : Promise.resolve();
  }

  private create(): Server {
    return createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answered = this.mode === 'accept' ? 200 : this.mode === 'error' ? 500 : 0;
        const request = { headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, answered, at: performance.now() };
        this.requests.push(request);
        if (answered === 0) this.held.push(res);
        else res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'broken');
        for (const w of this.waiters.filter((w) => w.n === this.requests.length)) w.resolve(request);
        this.waiters = this.waiters.filter((w) => w.n !== this.requests.length);
      });
    });
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} was taken by another program while the receiver was down; run the test again`) : err),
      );
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  /** performance.now() when it was accepted. */
  at: number;
}

/** A real SMTP server (smtp-server) on 127.0.0.1, port 0, without TLS or AUTH; `refuse` answers the next n messages 451. */
export async function startSmtp(): Promise<{ port: number; mails: Mail[]; mail(n: number): Promise<Mail>; refused: number; refuse: number; close(): Promise<void> }> {
  const waiters: { n: number; resolve: (m: Mail) => void }[] = [];
  const state = { refuse: 0, refused: 0 };
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.refuse > 0) {
          state.refuse--;
          state.refused++;
          const err = Object.assign(new Error('mailbox busy, try again later'), { responseCode: 451 });
          callback(err);
          return;
        }
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          at: performance.now(),
        };
        mails.push(mail);
        callback();
        for (const w of waiters.filter((w) => w.n === mails.length)) w.resolve(mail);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    mail: (n) => (mails[n - 1] ? Promise.resolve(mails[n - 1]!) : new Promise((resolve) => waiters.push({ n, resolve }))),
    get refused() {
      return state.refused;
    },
    set refuse(n: number) {
      state.refuse = n;
    },
    get refuse() {
      return state.refuse;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
