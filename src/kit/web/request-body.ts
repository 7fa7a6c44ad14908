// A JSON request body, read with its size and nesting bounded: a body larger than the limit is
// refused from its Content-Length before a byte of it is read, or as soon as it grows past the limit.

import type { IncomingMessage } from 'node:http';
import { parseBoundedJson } from '../protocol/bounded-json.js';

export type JsonBody = { ok: true; value: unknown } | { ok: false; status: 400 | 413; error: string };

export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<JsonBody> {
  const tooLarge = (bytes: number | string): JsonBody => ({
    ok: false,
    status: 413,
    error: `the request body is ${bytes} bytes long; at most ${maxBytes} are accepted`,
  });
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > maxBytes) return Promise.resolve(tooLarge(announced));

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const finish = (result: JsonBody) => {
      req.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      // Stop collecting at once; the answer closes the connection, so the rest is never read.
      if (bytes > maxBytes) finish(tooLarge(`more than ${maxBytes}`));
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      // Decoded once, whole: a character split across two chunks stays one character.
      const parsed = parseBoundedJson(Buffer.concat(chunks).toString('utf8'), { what: 'the request body' });
      // The parser's own message quotes the body: an error answer never echoes what was sent.
      finish(parsed.ok ? parsed : { ok: false, status: 400, error: parsed.kind === 'not-json' ? 'the request body is not valid JSON; expected a JSON object' : parsed.message });
    });
    // A client that goes away mid-body: nobody will read the answer, but the handler must not wait forever.
    req.once('close', () => finish({ ok: false, status: 400, error: 'the request body ended before it was complete' }));
    req.once('error', () => finish({ ok: false, status: 400, error: 'the request body could not be read' }));
  });
}
