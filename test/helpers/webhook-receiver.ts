// A local HTTP receiver for webhook notifications, as a lab's chat bridge would be: records each
// POST's JSON body with the moment it arrived, answers 200, and lets a test wait for the delivery
// it means (a predicate on the body) rather than for a time.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Delivery {
  /** performance.now() when the request's body had arrived. */
  at: number;
  /** Date.now() then, to set against the times in the body. */
  wallAt: number;
  path: string;
  body: unknown;
}

export interface WebhookReceiver {
  url(path: string): string;
  readonly deliveries: readonly Delivery[];
  /** The first delivery, past or future, whose body satisfies `match`; rejects after `timeoutMs` naming what did arrive. */
  next(match: (body: unknown) => boolean, timeoutMs: number): Promise<Delivery>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const waiting = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const wallAt = Date.now();
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = { unparsed: text };
      }
      deliveries.push({ at, wallAt, path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      for (const wake of waiting) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    deliveries,
    next(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = deliveries.find((d) => match(d.body));
          if (!found) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`no matching delivery within ${timeoutMs} ms; received ${deliveries.length}: ${JSON.stringify(deliveries.map((d) => d.body))}`));
        }, timeoutMs);
        waiting.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
