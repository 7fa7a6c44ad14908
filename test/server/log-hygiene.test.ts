// What clients' bad input costs in log on a live server: a refused 900 KB message is one short line
// (an excerpt and the size), over TCP and the websocket alike; and the throttle counts by address,
// so reconnecting after every refused message does not earn a client more log lines.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';
import { envelopeWithMetaText, openRaw } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer | null = null;
afterEach(async () => {
  await t?.stop();
  t = null;
});

const PAD = 'x'.repeat(900_000);

/** The log lines written while `act` ran and the server answered, with their size as JSON lines. */
async function logged(server: TestServer, act: () => Promise<void>) {
  const before = server.logs.length;
  await act();
  const lines = server.logs.slice(before);
  return { lines, bytes: lines.reduce((n, l) => n + JSON.stringify(l).length + 1, 0) };
}

async function tcpReply(server: TestServer, bytes: Buffer) {
  const raw = await openRaw(server.server.tcp.port);
  raw.socket.write(bytes);
  await server.advanceUntil(() => raw.received.some((m) => m.type === 'reply'), 5000, 10);
  raw.socket.destroy();
  return raw.received.find((m) => m.type === 'reply')!;
}

async function wsReply(server: TestServer, text: string) {
  const ws = new WebSocket(`ws://${server.server.http.host}:${server.server.http.port}/channel`);
  const received: Record<string, unknown>[] = [];
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(text);
  await server.advanceUntil(() => received.some((m) => m.type === 'reply'), 5000, 10);
  ws.close();
  return received.find((m) => m.type === 'reply')!;
}

describe('log hygiene on a live server', () => {
  it('a refused 900 KB message costs under 1 KB of log, over TCP and over the websocket', async () => {
    t = await startTestServer();
    const server = t;
    const meta = { type: 'command', command_type: 'reboot', block: 1, pad: PAD };
    const overTcp = await logged(server, async () => {
      expect(await tcpReply(server, encodeEnvelope(meta))).toMatchObject({ error_code: 9 });
    });
    const overWs = await logged(server, async () => {
      expect(await wsReply(server, JSON.stringify(meta))).toMatchObject({ error_code: 9 });
    });
    // A meta that is not even JSON: the decoder's sentence is cut short too.
    const notJson = await logged(server, async () => {
      expect(await tcpReply(server, envelopeWithMetaText(`{"type": ${PAD}`))).toMatchObject({ error_code: 4 });
    });
    for (const { lines, bytes } of [overTcp, overWs, notJson]) {
      const mentions = lines.filter((l) => JSON.stringify(l).includes('xxxxxxxxxx'));
      expect(mentions.length).toBeGreaterThan(0);
      expect(mentions.reduce((n, l) => n + JSON.stringify(l).length, 0)).toBeLessThan(1024);
      expect(bytes).toBeLessThan(4096); // everything logged meanwhile: connects, readings, the refusal
    }
    const refused = overTcp.lines.find((l) => String(l.msg).startsWith('refused:'))!;
    expect(refused).toMatchObject({ input_bytes: JSON.stringify(meta).length });
    expect(String(refused.input)).toMatch(/^\{"type":"command","command_type":"reboot","block":1,"pad":"x+…$/);
    expect(JSON.stringify(refused).length).toBeLessThan(1024);
  });

  it('throttles by address: reconnecting after each refused message, on TCP or the websocket, earns no more than the free lines', async () => {
    t = await startTestServer();
    const server = t;
    const refusedLines = () => server.logs.filter((l) => String(l.msg).startsWith("refused: field 'type' is \"query\""));
    for (let i = 0; i < 25; i++) await tcpReply(server, encodeEnvelope({ type: 'query', block: 1 }));
    for (let i = 0; i < 5; i++) await wsReply(server, JSON.stringify({ type: 'query', block: 1 }));
    // 30 refusals from 127.0.0.1 over 30 connections: the first 20 are logged, the rest counted.
    expect(refusedLines()).toHaveLength(20);
    expect(refusedLines().every((l) => l.suppressed === 0)).toBe(true);
  });
});
