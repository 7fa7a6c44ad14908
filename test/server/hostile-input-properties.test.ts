// Random hostile input thrown at a live server: nested JSON (deep and wide, up to 10,000 levels) on
// every channel, random HTTP request lines, random Envelope frames. Whatever arrives, the answer
// is never a handler failure (code 1, HTTP 5xx), and afterwards the server still serves.
//
// A throw that escaped a handler would end this worker's process, which vitest reports as a failure.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { openRaw } from '../helpers/raw-client.js';
import { rawHttpExchange, statusOf } from '../helpers/raw-http.js';
import { expectServerServes } from '../helpers/server-alive.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

// Bounded so the three properties take a few seconds together.
const RUNS = 60;

/** JSON text nested `depth` levels (arrays or objects), `width` siblings at the innermost level. */
const nestedJson = fc
  .record({
    depth: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 100, max: 10_000 }), fc.constant(10_000)),
    width: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 20_000 })),
    objects: fc.boolean(),
    leaf: fc.jsonValue({ maxDepth: 2 }),
  })
  .map(({ depth, width, objects, leaf }) => {
    const inner = `[${Array.from({ length: width }, () => JSON.stringify(leaf)).join(',')}]`;
    return objects ? '{"k":'.repeat(depth) + inner + '}'.repeat(depth) : '['.repeat(depth) + inner + ']'.repeat(depth);
  });

/** A command with one field replaced by random JSON (or random JSON as the whole meta). */
const hostileMeta = fc.oneof(
  fc.record({ field: fc.constantFrom('type', 'command_type', 'block', 'voltage', 'max_error', 'timeout', 'extra'), value: fc.oneof(nestedJson, fc.jsonValue().map((v) => JSON.stringify(v))) })
    // set_voltage, answered at once: a check with a random timeout could keep the block busy past the liveness check.
    .map(({ field, value }) => `{"type":"command","command_type":"set_voltage","block":"2","voltage":10,"max_error":5,"timeout":1,"${field}":${value}}`),
  nestedJson,
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
);

/** A meta as Online's framing carries it: 30-byte header, then the bytes. */
function envelope(meta: Buffer, fields: { metaType?: number; metaLength?: number; dataLength?: number; data?: Buffer } = {}): Buffer {
  const header = Buffer.alloc(30);
  header.write('#!', 0, 'latin1');
  header.writeUInt32BE(0x00014000, 2);
  header.writeUInt32BE(fields.metaType ?? 0x00010000, 10);
  header.writeUInt32BE(fields.metaLength ?? meta.length, 14);
  header.writeUInt32BE(fields.dataLength ?? fields.data?.length ?? 0, 22);
  header.write('!#\r\n', 26, 'latin1');
  return Buffer.concat([header, meta, fields.data ?? Buffer.alloc(0)]);
}

/** Sends bytes on a new TCP connection, ends it, and returns what came back before the server closed it. */
async function tcpExchange(bytes: Buffer): Promise<Meta[]> {
  const raw = await openRaw(t.server.tcp.port);
  raw.socket.end(bytes);
  // The server reads everything sent before the end, answers, then closes its side too.
  await t.advanceUntil(() => raw.isClosed(), 5000, 10);
  return raw.received;
}

async function wsExchange(text: string): Promise<Meta[]> {
  const ws = new WebSocket(`ws://${t.server.http.host}:${t.server.http.port}/channel`);
  const received: Meta[] = [];
  let closed = false;
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Meta));
  ws.on('error', () => {});
  ws.on('close', () => (closed = true));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(text);
  // Answered, or closed by the server (a frame over the size limit).
  await t.advanceUntil(() => closed || received.some((m) => m.type === 'reply' || m.answer_type === 'set_voltage'), 5000, 10);
  ws.terminate();
  return received;
}

const noHandlerFailure = (received: Meta[]) => expect(received.filter((m) => m.error_code === 1)).toEqual([]);

describe('random hostile input on a live server', () => {
  it('random nested JSON over TCP, the websocket and an HTTP body is refused or served, never a failure', async () => {
    await fc.assert(
      fc.asyncProperty(hostileMeta, fc.constantFrom('tcp', 'websocket', 'http'), async (text, channel) => {
        if (channel === 'tcp') noHandlerFailure(await tcpExchange(envelope(Buffer.from(text))));
        else if (channel === 'websocket') noHandlerFailure(await wsExchange(text));
        else {
          const body = Buffer.from(text);
          const head = `POST /api/training HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
          // 400 (not JSON, too deep, not a training command) or 413 (too large); never a failure.
          expect([400, 413]).toContain(statusOf(await rawHttpExchange(t.server.http.port, Buffer.concat([Buffer.from(head), body]))));
        }
      }),
      { numRuns: RUNS },
    );
    await expectServerServes(t);
  });

  it('random HTTP request lines, upgrades included, are answered below 500 or closed', async () => {
    const oddTarget = fc.oneof(
      fc.constantFrom('//', 'http://', '*', '%zz', '/%zz', '//api/status', 'http://localhost/api/status', 'https://x:99999/', '/api/history?block=%zz&to=1e400', '/channel?observe=%zz', '/web/%2e%2e/%2e%2e/package.json', '/training', ''),
      fc.webUrl(),
      fc.webPath(),
      fc.string({ unit: 'binary', maxLength: 100 }).map((s) => s.replace(/[\r\n ]/g, '')),
      fc.string({ maxLength: 100 }).map((s) => `/${s.replace(/[\r\n ]/g, '')}`),
      fc.integer({ min: 1000, max: 20_000 }).map((n) => `/${'a'.repeat(n)}`),
    );
    const request = fc.oneof(
      fc
        .record({
          method: fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'BREW', 'G\u00e9T'),
          target: oddTarget,
          version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', ''),
          upgrade: fc.boolean(),
        })
        .map(({ method, target, version, upgrade }) => {
          const headers = upgrade ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' : '';
          return Buffer.from(`${method} ${target} ${version}\r\nHost: x\r\n${headers}\r\n`, 'latin1');
        }),
      fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.concat([Buffer.from(bytes), Buffer.from('\r\n\r\n')])),
    );
    await fc.assert(
      fc.asyncProperty(request, async (bytes) => {
        const status = statusOf(await rawHttpExchange(t.server.http.port, bytes));
        if (status !== null) expect(status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
    await expectServerServes(t);
  });

  it('random Envelope frames (headers with random lengths and types, random meta bytes) are refused or served, never a failure', async () => {
    const length = fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 0xffffffff }));
    const frame = fc.oneof(
      fc
        .record({
          meta: fc.oneof(fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)), hostileMeta.map((s) => Buffer.from(s))),
          metaType: fc.oneof(fc.constantFrom(0, 0x00010000, 0x00010007), fc.integer({ min: 0, max: 0xffffffff })),
          metaLength: length,
          dataLength: length,
          data: fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b)),
        })
        .map(({ meta, ...fields }) => envelope(meta, fields)),
      // A DF02 header with random fields, and random bytes around markers.
      fc.tuple(fc.uint8Array({ minLength: 14, maxLength: 14 }), fc.uint8Array({ maxLength: 500 })).map(([fields, rest]) => Buffer.concat([Buffer.from('#~DF02'), Buffer.from(fields), Buffer.from(rest)])),
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)), fc.constantFrom(Buffer.from('#!'), Buffer.from('#~DF02'))), { maxLength: 10 }).map((parts) => Buffer.concat(parts)),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (bytes) => {
        noHandlerFailure(await tcpExchange(bytes));
      }),
      { numRuns: RUNS },
    );
    await expectServerServes(t);
  });
});
