// Operators' notes: kept in the audit trail with who wrote them, from a client that has control;
// refused (and the refusal recorded) from one that may only watch; bounded and one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawHttpExchange, statusOf } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

function post(body: string, localAddress?: string): Promise<string> {
  const request = `POST /api/note HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  return rawHttpExchange(t.server.http.port, request, '127.0.0.1', localAddress);
}

describe('notes', () => {
  it('are kept in the audit trail with who wrote them, as one line', async () => {
    const answer = await post(JSON.stringify({ text: 'gun filament changed\nby Anna' }));
    expect(statusOf(answer)).toBe(200);
    const entry = t.server.audit.list().at(-1)!;
    expect(entry).toMatchObject({ connector: 'http', address: '127.0.0.1', action: 'note: gun filament changed by Anna', outcome: 'ok' });
    const feed = (await (await fetch(`http://127.0.0.1:${t.server.http.port}/api/audit`)).json()) as { entries: { action: string }[] };
    expect(feed.entries.at(-1)!.action).toBe('note: gun filament changed by Anna');
  });

  it('are refused from a client that may only watch, and when empty or too long', async () => {
    const before = t.server.audit.list().length;
    expect(statusOf(await post(JSON.stringify({ text: 'hello' }), '127.0.0.2'))).toBe(403);
    expect(t.server.audit.list().at(-1)).toMatchObject({ address: '127.0.0.2', action: 'note', outcome: 'refused' });
    expect(statusOf(await post(JSON.stringify({ text: '  ' })))).toBe(400);
    expect(statusOf(await post(JSON.stringify({ text: 'x'.repeat(501) })))).toBe(400);
    expect(statusOf(await post(JSON.stringify({ note: 'wrong field' })))).toBe(400);
    expect(t.server.audit.list().length).toBe(before + 1);
  });
});
