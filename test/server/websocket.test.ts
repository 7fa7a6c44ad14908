// The websocket connector: same messages as TCP, one JSON meta per text frame, and the observer feed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { checkCommand, setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

async function openWs(path = '/channel') {
  const ws = new WebSocket(`ws://${t.server.http.host}:${t.server.http.port}${path}`);
  const received: Meta[] = [];
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Meta));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, received };
}

describe('websocket /channel', () => {
  it('takes a command as a text frame and answers the sender', async () => {
    const { ws, received } = await openWs();
    ws.send(JSON.stringify(checkCommand(2, 400, 1, 20)));
    await t.advanceUntil(() => received.some((m) => m.answer_type === 'set_voltage_and_check'), 30_000);
    expect(received.find((m) => m.answer_type === 'set_voltage_and_check')).toMatchObject({ status: 'ok', block: '2' });
    expect(received.some((m) => m.answer_type === 'get_voltage')).toBe(true);
    ws.close();
  });

  it('refuses a binary frame and a frame that is not JSON with code 4', async () => {
    const { ws, received } = await openWs();
    ws.send(Buffer.from([1, 2, 3]));
    ws.send('{oops');
    ws.send('[1]');
    await t.advanceUntil(() => received.filter((m) => m.type === 'reply').length === 3, 5000, 10);
    const replies = received.filter((m) => m.type === 'reply');
    expect(replies.map((r) => r.error_code)).toEqual([4, 4, 4]);
    expect(String(replies[0]!.description)).toMatch(/binary frame refused/);
    expect(String(replies[2]!.description)).toMatch(/meta is an array/);
    ws.close();
  });

  it('gives observers every command and answer of every client, with who sent it', async () => {
    const observer = await openWs('/channel?observe=1');
    const plain = await openWs();
    const online = await t.connect();
    const answer = online.answer();
    online.send(setVoltageCommand(1, 750));
    await t.runUntil(answer, 5000, 10);
    const traffic = () => observer.received.filter((m) => m.type === 'event' && ['command', 'answer', 'reply', 'alarm'].includes(String(m.event_type)));
    const alarms = () => observer.received.filter((m) => m.event_type === 'alarm');
    await t.advanceUntil(() => traffic().length >= 2, 5000, 10);
    const events = traffic();
    // Observers also follow the actors live (the state-chart page).
    expect(observer.received.some((m) => m.event_type === 'inspect' && m.actor === 'block-1' && m.kind === 'snapshot')).toBe(true);
    expect(events[0]).toMatchObject({ event_type: 'command', origin: { connector: 'tcp' }, message: { command_type: 'set_voltage', voltage: 750 } });
    expect(events[1]).toMatchObject({ event_type: 'answer', message: { answer_type: 'set_voltage', status: 'ok' } });
    expect(alarms()).toEqual([]);
    // And the audit trail's entry for it, accepted and then answered.
    await t.advanceUntil(() => observer.received.some((m) => m.event_type === 'audit' && (m.entry as { outcome: string }).outcome === 'ok'), 5000, 10);
    expect(observer.received.filter((m) => m.event_type === 'audit').map((m) => m.entry)).toMatchObject([
      { connector: 'tcp', address: '127.0.0.1', action: 'set_voltage block 1 to 750 V', outcome: 'pending' },
      { connector: 'tcp', address: '127.0.0.1', action: 'set_voltage block 1 to 750 V', outcome: 'ok' },
    ]);
    // The setpoint it set, with when; and readings stamped with the time they were taken.
    await t.advanceUntil(() => observer.received.some((m) => m.event_type === 'setpoint' && m.setpoint === 750), 5000, 10);
    expect(observer.received.find((m) => m.event_type === 'setpoint' && m.setpoint === 750)).toMatchObject({ block: 1, tolerance: null, at: expect.any(Number) });
    await t.advanceUntil(() => observer.received.some((m) => m.event_type === 'reading' && m.block === 'gun'), 10_000, 10);
    const reading = observer.received.find((m) => m.event_type === 'reading' && m.block === 1)!;
    expect(reading).toMatchObject({ voltage: expect.any(Number), at: expect.any(Number) });
    expect(reading.at as number).toBeLessThanOrEqual(t.clock.now());
    // A plain websocket client, like a second Online, sees none of it.
    expect(plain.received.filter((m) => m.type !== 'answer' || m.answer_type !== 'get_voltage')).toEqual([]);
    observer.ws.close();
    plain.ws.close();
    await online.close();
  });

  it('serves a status document over HTTP and 404 elsewhere', async () => {
    const base = `http://${t.server.http.host}:${t.server.http.port}`;
    const status = (await (await fetch(`${base}/api/status`)).json()) as { sim: boolean; actors: { id: string; state: unknown }[] };
    expect(status.sim).toBe(true);
    expect(status.actors.map((a) => a.id)).toEqual(['voltmeter-divider-1', 'voltmeter-divider-2', 'voltmeter-gun', 'block-1', 'block-2', 'tcp', 'ws']);
    expect(status.actors.find((a) => a.id === 'block-1')?.state).toBe('idle');
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });
});
