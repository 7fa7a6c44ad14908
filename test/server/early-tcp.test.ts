// Online's port is bound before the server is loaded: a client that connects while the server is
// starting is told 8 (busy; Online sends the command again 5 s later), keeps its connection, and
// once the server is ready is served like any other, partial message and all.
import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { EarlyTcp, STARTING_DESCRIPTION } from '../../src/kit/connectors/early-tcp.js';
import { EnvelopeDecoder } from '../../src/kit/protocol/envelope-decoder.js';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { eventually as until } from '../helpers/eventually.js';
import { startTestServer } from '../helpers/test-server.js';

function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  const received: Meta[] = [];
  const decoder = new EnvelopeDecoder();
  socket.on('data', (chunk) => {
    for (const e of decoder.push(chunk)) if (e.kind === 'message') received.push(e.envelope.meta);
  });
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received, connected };
}


const command = { type: 'command', command_type: 'set_voltage', block: '2', voltage: 100 };

describe('Online’s port while the server starts', () => {
  it('answers 8 before the server is ready, then hands the same connection over with what it had half-received', async () => {
    const early = await EarlyTcp.open({ host: '127.0.0.1', port: 0, backlog: 16, maxMessageBytes: 1 << 20, maxClients: 10 });
    const online = rawClient(early.address.port);
    await online.connected;
    online.socket.write(encodeEnvelope(command));
    await until(() => online.received.length === 1);
    expect(online.received[0]).toMatchObject({ type: 'reply', error_code: 8, error_text_code: 'SERVER_BUSY_ERROR', description: STARTING_DESCRIPTION });
    // Half a command now, the other half once the server took the port over.
    const bytes = encodeEnvelope(command);
    online.socket.write(bytes.subarray(0, 20));
    await until(() => early.waitingClients === 1);

    const t = await startTestServer(() => {}, { earlyTcp: early });
    expect(t.server.tcp.port).toBe(early.address.port);
    online.socket.write(bytes.subarray(20));
    const answered = () => online.received.some((m) => m.answer_type === 'set_voltage');
    await t.runUntil(until(answered), 60_000, 20);
    expect(online.received.find((m) => m.answer_type === 'set_voltage')).toMatchObject({ status: 'ok', block: '2' });
    // It is a client like any other: readings reach it.
    await t.runUntil(until(() => online.received.some((m) => m.answer_type === 'get_voltage')), 60_000, 20);
    // And new connections go to the server proper.
    const later = await t.connect();
    const reply = later.answer();
    later.send(command);
    expect(await t.runUntil(reply, 60_000, 20)).toMatchObject({ answer_type: 'set_voltage' });
    online.socket.destroy();
    await t.stop();
  });

  it('closes connections beyond its limit while starting, and closes the rest when stopped before ready', async () => {
    const early = await EarlyTcp.open({ host: '127.0.0.1', port: 0, backlog: 16, maxMessageBytes: 1 << 20, maxClients: 1 });
    const a = rawClient(early.address.port);
    const b = rawClient(early.address.port);
    const closed = (c: { socket: { destroyed: boolean } }) => c.socket.destroyed;
    a.socket.on('close', () => {});
    b.socket.on('close', () => {});
    await Promise.all([a.connected, b.connected]);
    await until(() => closed(a) || closed(b));
    expect(early.waitingClients).toBe(1);
    await early.close();
    await until(() => closed(a) && closed(b));
  });
});
