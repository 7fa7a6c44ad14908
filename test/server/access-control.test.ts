// Who may move the high voltage, over real sockets: a client outside access.control (connected
// from 127.0.0.2, standing for another machine on the lab network) is refused with 9 and changes
// nothing while readings still reach it; 127.0.0.1 is obeyed; a page from another origin cannot open
// the websocket or POST; headers on every answer; tokens, the proxy's X-Forwarded-For, the audit trail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand, setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import type { AuditEntry } from '../../src/kit/access/audit-trail.js';
import { openRaw } from '../helpers/raw-client.js';
import { rawHttpExchange, statusOf } from '../helpers/raw-http.js';
import { openWs as openWsOn, type WsOptions } from '../helpers/ws-upgrade.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const TOKEN = 'a-control-token-for-the-tests-0123456789';
const OTHER = '127.0.0.2';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer((config) => {
    config.access.token = TOKEN;
  });
});
afterAll(async () => {
  await t.stop();
});

const port = () => t.server.http.port;
const base = () => `http://127.0.0.1:${port()}`;
const own = () => `http://127.0.0.1:${port()}`;
const setpoint = (block: number) =>
  (t.server.supervisor.getSnapshot().children[`block-${block}`]?.getSnapshot() as { context: { setpoint: number | null } }).context.setpoint;
const isReply = (m: Meta) => m.type === 'reply';
const isReading = (m: Meta) => m.answer_type === 'get_voltage';
const auditOf = (client: string | null) => t.server.audit.list().filter((e) => e.client === client);

/** The status the upgrade was answered with (101 when the websocket opened), and the socket if it did. */
const openWs = (options: WsOptions = {}) => openWsOn(port(), options);

describe('Online over TCP', () => {
  it('from an address outside access.control: refused with 9 and a sentence, nothing changes, readings still come, logged once', async () => {
    expect(Math.abs(setpoint(1)!)).toBeLessThan(10);
    const raw = await openRaw(t.server.tcp.port, '127.0.0.1', OTHER);
    raw.socket.write(encodeEnvelope({ ...setVoltageCommand(1, 5000), block: '1' }));
    await t.advanceUntil(() => raw.received.some(isReply), 5000, 10);
    expect(raw.received.find(isReply)).toEqual({
      type: 'reply',
      reply_type: 'error',
      error_code: 9,
      error_text_code: 'INCORRECT_MESSAGE_PARAMS',
      description: 'client 127.0.0.2 may not change outputs: its address is not in access.control (hv-server --allow-control); the command was not executed, and readings still come',
    });
    // A second try, and a check: refused too; one log line for all of them.
    raw.socket.write(encodeEnvelope(checkCommand(1, 6000, 1, 20)));
    raw.socket.write(encodeEnvelope(setVoltageCommand(2, 700)));
    await t.advanceUntil(() => raw.received.filter(isReply).length === 3, 5000, 10);
    await t.advanceUntil(() => raw.received.some(isReading), 20_000);
    // Block 1 holds what it read at start (a few volts at most), not 5000 or 6000 V; block 2 not 700.
    expect(Math.abs(setpoint(1)!)).toBeLessThan(10);
    expect(setpoint(2)).not.toBe(700);
    expect(raw.received.filter((m) => m.type === 'answer' && !isReading(m))).toEqual([]);
    const refusals = t.logs.filter((l) => l.component === 'audit' && String(l.msg).startsWith('audit: 127.0.0.2 (tcp)'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 40, msg: expect.stringContaining('set_voltage block 1 to 5000 V: refused, client 127.0.0.2 may not change outputs') });
    const [entry] = t.server.audit.list().filter((e) => e.address === OTHER && e.connector === 'tcp');
    expect(entry).toMatchObject({ outcome: 'refused', code: 9, count: 3, action: 'set_voltage block 1 to 5000 V', command: { command_type: 'set_voltage', block: '1', voltage: 5000 } });
    raw.socket.destroy();
    // Its total is logged when it leaves.
    await t.advanceUntil(() => t.logs.some((l) => String(l.msg).includes('3 requests refused in all')), 5000, 10);
  });

  it('from 127.0.0.1: executed, and recorded with its outcome', async () => {
    const online = await t.connect();
    const answer = online.answer();
    online.send(checkCommand(1, 1500, 1, 20));
    expect(await t.runUntil(answer, 60_000)).toMatchObject({ answer_type: 'set_voltage_and_check', status: 'ok' });
    expect(setpoint(1)).toBe(1500);
    const entry = t.server.audit.list().findLast((e) => e.connector === 'tcp' && e.address === '127.0.0.1')!;
    expect(entry).toMatchObject({ action: 'set_voltage_and_check block 1 to 1500 V (±1 V, 20 s)', outcome: 'ok', code: null, label: null });
    expect(entry.detail).toMatch(/^read 1[45]\d\d\.\d{3} V, error -?\d\.\d{3} V$/);
    expect(entry.answered_at).toBeGreaterThan(entry.at);
    await online.close();
  });

  it('an error reply completes the entry too: a busy block is recorded with its 8', async () => {
    const online = await t.connect();
    const answered = () => online.received.filter((m) => m.type === 'reply' || m.answer_type === 'set_voltage_and_check');
    online.send(checkCommand(2, 300, 0.5, 20));
    online.send(setVoltageCommand(2, 400));
    await t.advanceUntil(() => answered().length === 2, 60_000);
    expect(answered().map((m) => m.error_code ?? m.status)).toEqual([8, 'ok']);
    const entries = t.server.audit.list().slice(-2);
    expect(entries.map((e) => [e.action, e.outcome, e.code])).toEqual([
      ['set_voltage_and_check block 2 to 300 V (±0.5 V, 20 s)', 'ok', null],
      ['set_voltage block 2 to 400 V', 'error', 8],
    ]);
    expect(entries[1]!.detail).toMatch(/^block 2 is busy/);
    await online.close();
  });
});

describe('the websocket upgrade', () => {
  it.each([
    ['a look-alike host', 'http://127.0.0.1.evil.example'],
    ['a look-alike host with the port', 'http://127.0.0.1.evil.example:PORT'],
    ['another port on the same host', 'http://127.0.0.1:OTHER'],
    ['https on the same host and port', 'https://127.0.0.1:PORT'],
    ['a sandboxed frame or file:// page', 'null'],
    ['garbage', 'not an origin'],
  ])('from %s is refused with 403 before the handshake', async (_name, template) => {
    const origin = template.replace('PORT', String(port())).replace('OTHER', String(port() + 1));
    const before = t.server.hub.size;
    const { status } = await openWs({ origin });
    expect(status).toBe(403);
    expect(t.server.hub.size).toBe(before);
  });

  it('a refused page is recorded once per origin, however often it retries', async () => {
    for (let i = 0; i < 5; i++) expect((await openWs({ origin: 'http://attacker.example' })).status).toBe(403);
    const entries = t.server.audit.list().filter((e) => e.label === 'page http://attacker.example');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ connector: 'ws', action: 'websocket connection', outcome: 'refused', count: 5 });
    expect(entries[0]!.detail).toMatch(/^a page from "http:\/\/attacker.example" may not act on this server/);
  });

  it.each([
    ['127.0.0.1', 'http://127.0.0.1:PORT'],
    ['localhost', 'http://localhost:PORT'],
    ['[::1]', 'http://[::1]:PORT'],
    ['no Origin (not a browser)', ''],
  ])('from the server’s own origin (%s) opens', async (_name, template) => {
    const { status, ws } = await openWs({ origin: template.replace('PORT', String(port())) || undefined });
    expect(status).toBe(101);
    ws.close();
  });

  it('from 127.0.0.2 with no Origin: connected as a monitor; its command is refused with 9 and readings come', async () => {
    const before = setpoint(2);
    const { status, ws, received } = await openWs({ localAddress: OTHER });
    expect(status).toBe(101);
    ws.send(JSON.stringify(setVoltageCommand(2, 900)));
    await t.advanceUntil(() => received.some(isReply), 5000, 10);
    expect(received.find(isReply)).toMatchObject({
      error_code: 9,
      description: 'client 127.0.0.2 may not change outputs: its address is not in access.control and it presented no valid control token (hv-server --allow-control); the command was not executed, and readings still come',
    });
    await t.advanceUntil(() => received.some(isReading), 20_000);
    expect(setpoint(2)).toBe(before);
    ws.close();
  });

  it('from 127.0.0.2 with the token as a bearer: control, recorded with how it came', async () => {
    const { status, ws, received } = await openWs({ localAddress: OTHER, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(status).toBe(101);
    ws.send(JSON.stringify(setVoltageCommand(2, 250)));
    await t.advanceUntil(() => received.some((m) => m.answer_type === 'set_voltage'), 5000, 10);
    expect(setpoint(2)).toBe(250);
    expect(t.server.audit.list().findLast((e) => e.connector === 'ws')).toMatchObject({ address: OTHER, action: 'set_voltage block 2 to 250 V', outcome: 'ok' });
    ws.close();
  });

  it('a wrong token gives nothing: the client stays a monitor', async () => {
    const { status, ws, received } = await openWs({ localAddress: OTHER, headers: { authorization: 'Bearer not-the-token-but-long-enough' } });
    expect(status).toBe(101);
    ws.send(JSON.stringify(setVoltageCommand(2, 260)));
    await t.advanceUntil(() => received.some(isReply), 5000, 10);
    expect(received.find(isReply)).toMatchObject({ error_code: 9 });
    ws.close();
  });
});

describe('HTTP', () => {
  const training = (body: string, headers: Record<string, string>) => fetch(`${base()}/api/training`, { method: 'POST', headers, body });
  const faulted = () => (t.server.control!.status()['voltmeter-1'] as { faults?: Record<string, boolean> }).faults?.offline === true;

  it('a cross-site text/plain POST (what a form or a no-cors fetch sends) is refused with 403, and nothing runs', async () => {
    const res = await training('{"cmd":"fault","device":"voltmeter-1","fault":"offline","on":true}', { origin: 'http://127.0.0.1.evil.example', 'content-type': 'text/plain' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ ok: false, error: expect.stringMatching(/^a page from "http:\/\/127.0.0.1.evil.example" may not act on this server/) });
    expect(faulted()).toBe(false);
  });

  it('a cross-site POST declared JSON is refused with 403 as well', async () => {
    const res = await training('{"cmd":"reset"}', { origin: 'http://evil.example', 'content-type': 'application/json' });
    expect(res.status).toBe(403);
  });

  it.each([
    ['text/plain from the page’s own origin', { origin: 'OWN', 'content-type': 'text/plain' }],
    ['text/plain with no Origin', { 'content-type': 'text/plain;charset=UTF-8' }],
    ['a form encoding', { origin: 'OWN', 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', {}],
  ])('%s: 415, and nothing runs', async (_name, headers) => {
    const withOrigin = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === 'OWN' ? own() : v]));
    const res = await training('{"cmd":"fault","device":"voltmeter-1","fault":"offline","on":true}', withOrigin);
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ ok: false, error: 'the request body must be declared Content-Type: application/json' });
    expect(faulted()).toBe(false);
  });

  it('JSON from the page’s own origin runs, and the audit trail says who did it', async () => {
    const res = await training('{"cmd":"noise_burst","device":"voltmeter-1","volts":0.1,"readings":1}', { origin: own(), 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(t.server.audit.list().at(-1)).toMatchObject({ connector: 'http', address: '127.0.0.1', action: 'training: noise_burst voltmeter-1 0.1 1', outcome: 'ok' });
  });

  it('training from an address without control: 403', async () => {
    const answer = await rawHttpExchange(
      port(),
      `POST /api/training HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"cmd":"reset"}`,
      '127.0.0.1',
      OTHER,
    );
    expect(statusOf(answer)).toBe(403);
    expect(answer).toContain('client 127.0.0.2 may not inject faults: the instructor needs control');
  });

  it('every page, script, API answer and error carries the security headers', async () => {
    const paths = ['/', '/debug', '/training', '/web/operator.js', '/web/app.css', '/assets/uplot.js', '/api/status', '/api/audit', '/api/session', '/api/machines', '/nowhere', '/api/history?block=9'];
    for (const path of paths) {
      const res = await fetch(`${base()}${path}`);
      await res.body?.cancel();
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
    }
  });

  it('error bodies never repeat the request', async () => {
    const marker = '<script>alert(1)</script>';
    for (const path of [`/${encodeURIComponent(marker)}`, `/api/history?block=${encodeURIComponent(marker)}`]) {
      const res = await fetch(`${base()}${path}`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      const body = await res.text();
      expect(body).not.toContain('script');
      expect(body).not.toContain('alert');
      expect(res.headers.get('content-type')).toBe('application/json');
    }
    const notJson = await training(`{${marker}`, { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).not.toContain('alert');
    const unknown = await training(`{"cmd":"${marker}"}`, { 'content-type': 'application/json' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).not.toContain('script');
  });
});

describe('the control token from a browser page', () => {
  const session = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base()}/api/session`, { method: 'POST', headers: { origin: own(), 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('a right token is kept in an HttpOnly, SameSite=Strict cookie, which gives the page’s websocket control', async () => {
    const res = await session({ token: TOKEN });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, control: true, via: 'address' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^hv_control=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
    // From an address outside access.control, the cookie is what gives control.
    const { ws, received } = await openWs({ localAddress: OTHER, origin: own(), headers: { cookie: cookie.split(';')[0]! } });
    ws.send(JSON.stringify(setVoltageCommand(2, 120)));
    await t.advanceUntil(() => received.some((m) => m.answer_type === 'set_voltage'), 5000, 10);
    expect(setpoint(2)).toBe(120);
    ws.close();
  });

  it('a wrong token is refused with 403 and the cookie cleared; {token: null} clears it too', async () => {
    const wrong = await session({ token: 'a-wrong-token-of-enough-length' });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ ok: false, error: 'this token is not one of this server’s control tokens' });
    expect(wrong.headers.get('set-cookie')).toMatch(/^hv_control=; .*Max-Age=0$/);
    const dropped = await session({ token: null });
    expect(dropped.status).toBe(200);
    expect(dropped.headers.get('set-cookie')).toMatch(/Max-Age=0$/);
  });

  it('cannot be set by another origin', async () => {
    const res = await session({ token: TOKEN }, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('GET /api/session says what this client may do and why', async () => {
    expect(await (await fetch(`${base()}/api/session`)).json()).toEqual({ address: '127.0.0.1', control: true, via: 'address', label: null, tokens: true });
  });
});

describe('the audit trail', () => {
  it('GET /api/audit lists the entries, oldest first, with the bound the server keeps', async () => {
    const { capacity, entries } = (await (await fetch(`${base()}/api/audit`)).json()) as { capacity: number; entries: AuditEntry[] };
    expect(capacity).toBe(500);
    expect(entries.length).toBeGreaterThan(5);
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => a - b));
    expect(new Set(entries.map((e) => e.outcome))).toEqual(new Set(['ok', 'error', 'refused']));
    expect(auditOf(null).some((e) => e.connector === 'http')).toBe(true);
  });
});
