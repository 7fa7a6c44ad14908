// A JSON answer, never cached: every API answer and every error body is one of these.

import type { ServerResponse } from 'node:http';

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** What a client is told for a path with nothing behind it: a fixed sentence, never the path it asked for. */
export const NOT_FOUND = 'nothing is served at this path; the operator page is at /';
