// Every kind of answer and error reply, checked against PROTOCOL.md §4 and §5 on a live server,
// once over TCP (Envelope framing) and once over the websocket: the table is the contract.
//
// §5: bad meta → 4 PARSE_MESSAGE_ERROR; unknown `type` → 7 UNKNOWN_MESSAGE_ERROR; a block still
// executing a command → 8 SERVER_BUSY_ERROR; a command failing the schema (command_type included,
// missing fields, out-of-range voltage, unknown block) → 9 INCORRECT_MESSAGE_PARAMS; a command
// failing while it executes → 6 ALGORITM_ERROR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { topState } from '../../machines/block.machine.js';
import { checkCommand, type HvConnection } from '../../src/hv/client/hv-connection.js';
import { serverMessage } from '../../src/hv/messages/generated/validate-answer.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { envelopeWithMetaText, openRaw } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

interface Channel {
  /** Sends one meta, as its JSON text. */
  send(metaText: string): void;
  received: Meta[];
  close(): void;
}

async function openTcp(): Promise<Channel> {
  const raw = await openRaw(t.server.tcp.port);
  return { send: (text) => raw.socket.write(envelopeWithMetaText(text)), received: raw.received, close: () => raw.socket.destroy() };
}

async function openWebsocket(): Promise<Channel> {
  const ws = new WebSocket(`ws://${t.server.http.host}:${t.server.http.port}/channel`);
  const received: Meta[] = [];
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Meta));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { send: (text) => ws.send(text), received, close: () => ws.close() };
}

const reply = (code: number, textCode: string, description: RegExp) => ({
  type: 'reply',
  reply_type: 'error',
  error_code: code,
  error_text_code: textCode,
  description: expect.stringMatching(description),
});

const command = (fields: Record<string, unknown>) => JSON.stringify({ type: 'command', command_type: 'set_voltage', block: 1, voltage: 1000, ...fields });
const check = (fields: Record<string, unknown>) => command({ command_type: 'set_voltage_and_check', max_error: 1, timeout: 20, ...fields });

const blockOne = () => t.server.supervisor.getSnapshot().children['block-1']?.getSnapshot() as { value?: unknown } | undefined;
const restartsOfBlockOne = () => t.server.supervisor.getSnapshot().context.children['block-1']!.totalRestarts;

let busyHolder: { online: HvConnection; answer: Promise<Meta> } | null = null;
let restartsBefore = 0;

interface Row {
  name: string;
  /** The meta text sent; null sends nothing (for what the server publishes unasked). */
  meta: string | null;
  /** The whole message expected, field by field. */
  expected: Record<string, unknown>;
  /** Which received message is the one checked; by default the first that is not a reading. */
  awaits?: (m: Meta) => boolean;
  before?: () => Promise<void>;
  after?: () => Promise<void>;
}

const rows: Row[] = [
  // §5: meta that does not parse → 4.
  { name: 'meta that is not JSON', meta: '{"type": "command",', expected: reply(4, 'PARSE_MESSAGE_ERROR', /^meta is not valid JSON .*; expected a JSON object$/) },
  { name: 'meta that is a JSON array', meta: '[1, 2]', expected: reply(4, 'PARSE_MESSAGE_ERROR', /^meta is an array; expected a JSON object$/) },
  { name: 'meta nested 100 deep', meta: command({ block: JSON.parse('['.repeat(100) + ']'.repeat(100)) as unknown }), expected: reply(4, 'PARSE_MESSAGE_ERROR', /^meta nests 101 levels deep; at most 64 are accepted$/) },
  // §5: unknown type → 7.
  { name: 'an unknown type', meta: JSON.stringify({ type: 'query', block: 1 }), expected: reply(7, 'UNKNOWN_MESSAGE_ERROR', /^field 'type' is "query"; expected "command"$/) },
  { name: 'no type at all', meta: JSON.stringify({ command_type: 'set_voltage', block: 1, voltage: 5 }), expected: reply(7, 'UNKNOWN_MESSAGE_ERROR', /^field 'type' is missing; expected "command"$/) },
  // §3, §5: a command that fails the schema → 9.
  { name: 'an unknown command_type', meta: command({ command_type: 'reboot' }), expected: reply(9, 'INCORRECT_MESSAGE_PARAMS', /^field 'command_type' is "reboot"; expected one of "set_voltage", "set_voltage_and_check"$/) },
  { name: 'no command_type', meta: JSON.stringify({ type: 'command', block: 1, voltage: 5 }), expected: reply(9, 'INCORRECT_MESSAGE_PARAMS', /^field 'command_type' is missing; expected one of "set_voltage", "set_voltage_and_check"$/) },
  { name: 'set_voltage_and_check without max_error', meta: check({ max_error: undefined }), expected: reply(9, 'INCORRECT_MESSAGE_PARAMS', /^field 'max_error' is missing; expected a tolerance in volts/) },
  { name: 'set_voltage_and_check without timeout', meta: check({ timeout: undefined }), expected: reply(9, 'INCORRECT_MESSAGE_PARAMS', /^field 'timeout' is missing; expected seconds/) },
  { name: 'a voltage that is not a number', meta: command({ voltage: '1000' }), expected: reply(9, 'INCORRECT_MESSAGE_PARAMS', /^field 'voltage' is "1000"; expected a finite number of volts/) },
  { name: 'a voltage out of the block’s range', meta: command({ voltage: 30_000 }), expected: reply(9, 'INCORRECT_MESSAGE_PARAMS', /^field 'voltage' is 30000 V; expected 0 to 25000 V for block 1$/) },
  { name: 'a block that is not configured', meta: command({ block: '3' }), expected: reply(9, 'INCORRECT_MESSAGE_PARAMS', /^field 'block' is "3": block 3 is not configured; expected one of the configured blocks \(1, 2\)$/) },
  // §4: answers.
  { name: 'set_voltage', meta: command({ block: '2', voltage: 300 }), expected: { type: 'answer', answer_type: 'set_voltage', block: '2', status: 'ok' } },
  {
    name: 'set_voltage_and_check met',
    meta: check({ block: '1', voltage: 1000, max_error: 1, timeout: 20 }),
    expected: { type: 'answer', answer_type: 'set_voltage_and_check', block: '1', status: 'ok', voltage: expect.any(Number), error: expect.any(Number) },
  },
  {
    name: 'set_voltage_and_check not met in time',
    meta: check({ block: 2, voltage: 400, max_error: 1e-6, timeout: 5 }),
    expected: { type: 'answer', answer_type: 'set_voltage_and_check', block: 2, status: 'timeout', voltage: expect.any(Number), error: expect.any(Number) },
  },
  { name: 'get_voltage, published unasked', meta: null, awaits: (m) => m.answer_type === 'get_voltage' && m.block === 1, expected: { type: 'answer', answer_type: 'get_voltage', block: 1, voltage: expect.any(Number) } },
  // §5: a block still executing a command → 8.
  {
    name: 'a command to a busy block',
    before: async () => {
      const online = await t.connect();
      const answer = online.answer();
      online.send(checkCommand(1, 2000, 1e-6, 20)); // a tolerance no reading meets: runs its 20 s
      await t.clock.advance(100);
      busyHolder = { online, answer };
    },
    meta: command({ voltage: 2500 }),
    expected: reply(8, 'SERVER_BUSY_ERROR', /^block 1 is busy with set_voltage_and_check to 2000 V/),
    after: async () => {
      expect(await t.runUntil(busyHolder!.answer)).toMatchObject({ status: 'timeout' });
      await busyHolder!.online.close();
    },
  },
  // §5: a command that failed while executing → 6 (Online resumes a paused run only after a 6).
  {
    name: 'a command the instrument refuses',
    before: async () => {
      restartsBefore = restartsOfBlockOne();
      expect(t.server.control!.apply({ cmd: 'push_error', device: 'calibrator', code: -222, text: 'Data out of range' })).toMatchObject({ ok: true });
    },
    meta: command({ voltage: 3000 }),
    expected: reply(6, 'ALGORITM_ERROR', /^block 1: setting 3000 V failed: .*-222,"Data out of range"$/),
    after: async () => {
      // The block is restarted and idle again before the next row.
      await t.advanceUntil(() => restartsOfBlockOne() > restartsBefore && topState(blockOne()?.value ?? '') === 'idle', 30_000);
    },
  },
];

describe.each([
  ['TCP', openTcp],
  ['websocket', openWebsocket],
])('every reply of PROTOCOL.md §4 and §5, over %s', (_transport, open) => {
  it.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await row.before?.();
    const channel = await open();
    const wanted = row.awaits ?? ((m: Meta) => m.answer_type !== 'get_voltage');
    if (row.meta !== null) channel.send(row.meta);
    await t.advanceUntil(() => channel.received.some(wanted), 60_000, 20);
    const message = channel.received.find(wanted)!;
    expect(message).toEqual(row.expected);
    expect(serverMessage(message)).toBe(true);
    channel.close();
    await row.after?.();
  });
});
