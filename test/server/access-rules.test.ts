// The access rules a lab sets in its config, over real sockets: access.monitor keeping strangers
// out altogether, a token file naming who holds each token, and a reverse proxy whose
// X-Forwarded-For names the client (so a page behind the proxy is not taken for the local host).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import { openRaw } from '../helpers/raw-client.js';
import { rawHttpExchange, statusOf } from '../helpers/raw-http.js';
import { openWs } from '../helpers/ws-upgrade.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ANNA = 'anna-holds-this-token-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'hv-tokens-'));
const tokenFile = join(dir, 'tokens');
writeFileSync(tokenFile, `# who holds which control token\nAnna Petrova ${ANNA}\n\nshift-laptop-token-fedcba9876543210\n`, { mode: 0o600 });

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer((config) => {
    config.access.monitor = ['127.0.0.1', '127.0.0.3', '10.0.0.0/24'];
    config.access.token_file = tokenFile;
    config.access.proxies = ['127.0.0.3'];
    config.access.origins = ['https://hv.lab.example'];
  });
});
afterAll(async () => {
  await t.stop();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: string, from: string) => rawHttpExchange(t.server.http.port, `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`, '127.0.0.1', from);

/** GET /api/session as seen from `from`, with `headers`: its JSON body. */
function session(from: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port: t.server.http.port, path: '/api/session', localAddress: from, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
    }).on('error', reject);
  });
}

const upgrade = (from: string, headers: Record<string, string> = {}) => openWs(t.server.http.port, { localAddress: from, headers });

describe('access.monitor', () => {
  it('an address outside it is closed at once over TCP, with one log line however often it comes back', async () => {
    for (let i = 0; i < 3; i++) {
      const raw = await openRaw(t.server.tcp.port, '127.0.0.1', '127.0.0.2');
      await t.advanceUntil(() => raw.isClosed(), 5000, 10);
    }
    expect(t.logs.filter((l) => String(l.msg).startsWith('audit: 127.0.0.2 (tcp) connection: refused'))).toHaveLength(1);
    expect(t.server.audit.list().find((e) => e.connector === 'tcp' && e.address === '127.0.0.2')).toMatchObject({ count: 3, detail: 'address 127.0.0.2 may not connect to this server: it is not in access.monitor' });
  });

  it('and is answered 403 over HTTP and on the websocket', async () => {
    expect(statusOf(await get('/api/status', '', '127.0.0.2'))).toBe(403);
    expect((await upgrade('127.0.0.2')).status).toBe(403);
  });

  it('an address on it may watch; a token holder may also come from outside it', async () => {
    expect(statusOf(await get('/api/status', '', '127.0.0.1'))).toBe(200);
    const { status, ws } = await upgrade('127.0.0.2', { authorization: `Bearer ${ANNA}` });
    expect(status).toBe(101);
    ws.close();
  });
});

describe('a token file', () => {
  it('names who holds the token in the audit trail', async () => {
    const { ws, received } = await upgrade('127.0.0.2', { authorization: `Bearer ${ANNA}` });
    ws.send(JSON.stringify(setVoltageCommand(2, 50)));
    await t.advanceUntil(() => received.some((m) => m.answer_type === 'set_voltage'), 5000, 10);
    expect(t.server.audit.list().at(-1)).toMatchObject({ connector: 'ws', address: '127.0.0.2', label: 'Anna Petrova', action: 'set_voltage block 2 to 50 V', outcome: 'ok' });
    expect(t.logs.some((l) => String(l.msg) === 'audit: Anna Petrova at 127.0.0.2 (ws) set_voltage block 2 to 50 V: ok')).toBe(true);
    ws.close();
  });

  it('a token on a line of its own gives control with no name', async () => {
    expect(await session('127.0.0.2', { authorization: 'Bearer shift-laptop-token-fedcba9876543210' })).toEqual({ address: '127.0.0.2', control: true, via: 'token', label: null, tokens: true });
  });
});

describe('behind a reverse proxy (access.proxies)', () => {
  it('the client is the last X-Forwarded-For address, so a remote page gets no control from the proxy’s address', async () => {
    expect(await session('127.0.0.3', { 'x-forwarded-for': '10.0.0.7' })).toMatchObject({ address: '10.0.0.7', control: false, via: null });
  });

  it('what a client wrote into X-Forwarded-For itself is not believed: only the proxy’s last entry counts', async () => {
    expect(await session('127.0.0.3', { 'x-forwarded-for': '127.0.0.1, 10.0.0.8' })).toMatchObject({ address: '10.0.0.8', control: false });
  });

  it('from an address that is no proxy, X-Forwarded-For is ignored', async () => {
    const answer = await get('/api/session', 'X-Forwarded-For: 127.0.0.1\r\n', '127.0.0.2');
    expect(statusOf(answer)).toBe(403); // 127.0.0.2 may not even watch
  });

  it('the proxy’s public origin is accepted on the websocket, and a command through it needs the token', async () => {
    const refused = await upgrade('127.0.0.3', { origin: 'https://hv.lab.example', 'x-forwarded-for': '10.0.0.9' });
    expect(refused.status).toBe(101);
    refused.ws.send(JSON.stringify(setVoltageCommand(2, 60)));
    await t.advanceUntil(() => refused.received.some((m) => m.type === 'reply'), 5000, 10);
    expect(refused.received.find((m) => m.type === 'reply')).toMatchObject({ error_code: 9, description: expect.stringMatching(/^client 10\.0\.0\.9 may not change outputs/) });
    refused.ws.close();
    const { ws, received } = await upgrade('127.0.0.3', { origin: 'https://hv.lab.example', 'x-forwarded-for': '10.0.0.9', cookie: `hv_control=${ANNA}` });
    ws.send(JSON.stringify(setVoltageCommand(2, 70)));
    await t.advanceUntil(() => received.some((m) => m.answer_type === 'set_voltage'), 5000, 10);
    expect(t.server.audit.list().at(-1)).toMatchObject({ address: '10.0.0.9', label: 'Anna Petrova', outcome: 'ok' });
    ws.close();
  });

  it('another origin through the proxy is still refused', async () => {
    expect((await upgrade('127.0.0.3', { origin: 'https://evil.example', 'x-forwarded-for': '10.0.0.9' })).status).toBe(403);
  });
});
