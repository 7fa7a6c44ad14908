// Bad input, each tried on a live server: the specified error reply or a logged disconnect,
// and every other client keeps being served.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { envelopeWithMetaText, openRaw, type RawClient } from '../helpers/raw-client.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer((c) => {
    c.limits.client_send_queue_bytes = 4096;
    // The 1000 clients below, from one address: far more than Online's connector takes by default.
    c.limits.tcp = { max_connections: 1100, max_per_address: 1100 };
  });
});
afterAll(async () => {
  await t.stop();
});

async function replyTo(bytes: Buffer, client?: RawClient) {
  const raw = client ?? (await openRaw(t.server.tcp.port));
  const before = raw.received.length;
  raw.socket.write(bytes);
  await t.advanceUntil(() => raw.received.slice(before).some((m) => m.type === 'reply' || m.answer_type === 'set_voltage') || raw.isClosed(), 5000, 10);
  return { raw, reply: raw.received.slice(before).find((m) => m.type === 'reply' || m.answer_type === 'set_voltage') };
}

/** A healthy client can still set a voltage: the server kept serving. */
async function serverStillServes() {
  const online = await t.connect();
  const answer = online.answer();
  online.send(setVoltageCommand(2, 100));
  expect(await t.runUntil(answer, 5000, 10)).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });
  await online.close();
}

const command = (fields: Record<string, unknown>) => encodeEnvelope({ type: 'command', command_type: 'set_voltage', block: 1, voltage: 1000, ...fields });

describe('bad input on a live server', () => {
  it.each([
    ['meta that is not JSON', envelopeWithMetaText('{not json'), 4, /meta is not valid JSON/],
    ['NaN in the meta (not JSON either)', envelopeWithMetaText('{"type":"command","command_type":"set_voltage","block":1,"voltage":NaN}'), 4, /not valid JSON/],
    ['a JSON array as meta', envelopeWithMetaText('[1, 2, 3]'), 4, /meta is an array; expected a JSON object/],
    ['a Qt QDataStream meta', envelopeWithMetaText('\u0000\u0001', 0x00010007), 4, /meta type 0x00010007 \(Qt QDataStream\) is not supported/],
    ['voltage "abc"', command({ voltage: 'abc' }), 9, /field 'voltage' is "abc"; expected a finite number/],
    ['voltage "NaN"', command({ voltage: 'NaN' }), 9, /field 'voltage' is "NaN"/],
    ['voltage 1e9', command({ voltage: 1e9 }), 9, /field 'voltage' is 1000000000 V; expected 0 to 25000 V for block 1/],
    ['voltage -5', command({ voltage: -5 }), 9, /field 'voltage' is -5 V; expected 0 to 25000 V/],
    ['voltage 1e999 (Infinity once parsed)', envelopeWithMetaText('{"type":"command","command_type":"set_voltage","block":1,"voltage":1e999}'), 9, /field 'voltage' is Infinity/],
    ['an unknown type', encodeEnvelope({ type: 'query', block: 1 }), 7, /field 'type' is "query"; expected "command"/],
    ['an unknown command_type', command({ command_type: 'reboot' }), 9, /field 'command_type' is "reboot"; expected one of "set_voltage", "set_voltage_and_check"/],
    ['a missing voltage', encodeEnvelope({ type: 'command', command_type: 'set_voltage', block: 1 }), 9, /field 'voltage' is missing/],
    ['a missing block', encodeEnvelope({ type: 'command', command_type: 'set_voltage', voltage: 5 }), 9, /field 'block' is missing/],
    ['a block that does not exist', command({ block: '7' }), 9, /field 'block' is "7": block 7 is not configured; expected one of the configured blocks \(1, 2\)/],
  ])('%s gets code %i', async (_name, bytes, code, description) => {
    const { raw, reply } = await replyTo(bytes);
    expect(reply).toMatchObject({ type: 'reply', reply_type: 'error', error_code: code });
    expect(String(reply!.description)).toMatch(description);
    // The connection stays usable: the next good command on it is answered.
    const next = await replyTo(encodeEnvelope(setVoltageCommand(2, 10)), raw);
    expect(next.reply).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });
    raw.socket.destroy();
  });

  it('refuses a header announcing 4 GiB at once with code 4, and closes that connection', async () => {
    const header = Buffer.from('2321000140000000000000010000ffffffff000000000000000021230d0a', 'hex');
    const { raw, reply } = await replyTo(header);
    expect(reply).toMatchObject({ error_code: 4 });
    expect(String(reply!.description)).toMatch(/announces 4294967295 bytes of meta .* expected at most 1048576 bytes/);
    await t.advanceUntil(() => raw.isClosed(), 5000, 10);
    await serverStillServes();
  });

  it('skips random bytes, logs how many, and decodes the command that follows', async () => {
    const garbage = Buffer.from([...randomBytes(64 * 1024)].map((b) => (b === 0x23 ? 0x00 : b)));
    const { raw, reply } = await replyTo(Buffer.concat([garbage, encodeEnvelope(setVoltageCommand(2, 20))]));
    expect(reply).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });
    expect(raw.received.filter((m) => m.type === 'reply')).toEqual([]);
    const skipped = t.logs.filter((l) => typeof l.msg === 'string' && /skipped \d+ bytes of garbage/.test(l.msg)).reduce((n, l) => n + (l.bytes as number), 0);
    expect(skipped).toBeGreaterThanOrEqual(garbage.length);
    raw.socket.destroy();
  });

  it('survives random bytes with markers in them and keeps serving others', async () => {
    const raw = await openRaw(t.server.tcp.port);
    for (let i = 0; i < 50; i++) {
      raw.socket.write(Buffer.concat([randomBytes(300), Buffer.from('#!'), randomBytes(40), Buffer.from('#~DF02'), randomBytes(40)]));
    }
    await t.clock.advance(100);
    await serverStillServes();
    raw.socket.destroy();
  });

  it('accepts the DF02 header on input', async () => {
    const meta = Buffer.from(JSON.stringify(setVoltageCommand(2, 30), null, 4) + '\r\n\r\n');
    const header = Buffer.alloc(20);
    header.write('#~DF02JS', 0, 'latin1');
    header.writeUInt32BE(meta.length, 8);
    header.writeUInt32BE(0, 12);
    header.write('~#\r\n', 16, 'latin1');
    const { reply } = await replyTo(Buffer.concat([header, meta]));
    expect(reply).toMatchObject({ answer_type: 'set_voltage', block: '2', status: 'ok' });
  });

  it('drops a client that stops reading once its send queue passes the limit; nobody else notices', async () => {
    const watcher = await t.connect();
    const slow = await openRaw(t.server.tcp.port);
    slow.socket.pause(); // never reads again
    const flood = Buffer.concat(Array.from({ length: 2000 }, () => encodeEnvelope({ type: 'nonsense' })));
    for (let i = 0; i < 40 && !slow.isClosed(); i++) {
      slow.socket.write(flood);
      await t.clock.advance(10);
    }
    await t.advanceUntil(() => slow.isClosed(), 5000, 10);
    // Tens of thousands of refusals, but the log holds a bounded number of lines about them.
    const refusals = t.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('refused: field \'type\' is "nonsense"')).length;
    expect(refusals).toBeGreaterThanOrEqual(20);
    expect(refusals).toBeLessThan(200);
    const drop = t.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('client dropped:'));
    expect(drop).toMatchObject({ limit: 4096 });
    const readingsBefore = watcher.received.length;
    await t.clock.advance(8100);
    expect(watcher.received.length).toBeGreaterThan(readingsBefore);
    await serverStillServes();
    await watcher.close();
  });

  it('takes 1000 clients connecting at once, serves them all, and closes every connection they close', async () => {
    const before = t.server.hub.size;
    const clients = await Promise.all(Array.from({ length: 1000 }, () => t.connect()));
    await t.advanceUntil(() => t.server.hub.size === before + 1000, 10_000, 10);
    await t.advanceUntil(() => clients.every((c) => c.received.some((m) => m.answer_type === 'get_voltage')), 10_000, 100);
    await serverStillServes();
    await Promise.all(clients.map((c) => c.close()));
    // A socket the peer closed but we did not would still count here (CLOSE-WAIT).
    await t.advanceUntil(() => t.server.hub.size === before, 10_000, 10);
    expect(t.server.hub.size).toBe(before);
  });
});
