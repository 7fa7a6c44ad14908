// The whole server over real TCP sockets, driven as Online drives it.
import { readFileSync } from 'node:fs';
import { topState } from '../../machines/block.machine.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkCommand, setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import { serverMessage } from '../../src/hv/messages/generated/validate-answer.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.stop();
});

const isReading = (m: Meta) => m.answer_type === 'get_voltage';

describe('a server driven as Online drives it', () => {
  it('answers set_voltage_and_check ok within max_error, on a reading taken after the setpoint', async () => {
    const online = await t.connect();
    const answer = online.answer();
    online.send(checkCommand(1, 18600, 0.1, 20));
    const sentAt = t.clock.now();
    const m = await t.runUntil(answer);
    expect(m).toMatchObject({ type: 'answer', answer_type: 'set_voltage_and_check', block: '1', status: 'ok' });
    expect(Math.abs(m.error as number)).toBeLessThanOrEqual(0.1);
    expect(m.error).toBeCloseTo((m.voltage as number) - 18600, 9);
    // One reading period (4.02 s) at least: the reading that confirms must start after the command.
    expect(t.clock.now() - sentAt).toBeGreaterThan(4000);
    expect(serverMessage(m)).toBe(true);
  });

  it('sends readings to a passive client but none of another client’s answers', async () => {
    const online = await t.connect();
    const passive = await t.connect();
    const answer = online.answer();
    online.send(setVoltageCommand(1, 1000));
    await t.runUntil(answer);
    const refusal = online.answer();
    online.send({ type: 'command', command_type: 'nonsense' });
    expect(await t.runUntil(refusal)).toMatchObject({ error_code: 9 });
    await t.clock.advance(10_000);
    expect(passive.received.filter(isReading).length).toBeGreaterThanOrEqual(2);
    expect(passive.received.filter((m) => !isReading(m))).toEqual([]);
    for (const m of [...passive.received, ...online.received]) expect(serverMessage(m)).toBe(true);
  });

  it('answers a second command to a busy block with code 8, while the other block is not blocked', async () => {
    const online = await t.connect();
    const other = await t.connect();
    const first = online.answer();
    online.send(checkCommand(1, 15000, 0.1, 20));
    await t.clock.advance(100);
    const busy = other.answer();
    other.send(checkCommand('1', 15500, 5, 20));
    expect(await t.runUntil(busy)).toMatchObject({ error_code: 8, error_text_code: 'SERVER_BUSY_ERROR' });
    const shift = other.answer();
    other.send(setVoltageCommand(2, 300));
    expect(await t.runUntil(shift)).toMatchObject({ answer_type: 'set_voltage', block: '2', status: 'ok' });
    expect(await t.runUntil(first)).toMatchObject({ status: 'ok' });
  });

  it('keeps publishing get_voltage for every block during a command, never more than two reading periods apart', async () => {
    const online = await t.connect();
    const arrivals: Record<number, number[]> = { 1: [], 2: [] };
    online.onMessage((m) => {
      if (m.answer_type === 'get_voltage') arrivals[m.block as number]?.push(t.clock.now());
    });
    const answer = online.answer();
    online.send(checkCommand(1, 12000, 0.0001, 20)); // a tolerance no reading meets: the command runs 20 s
    const m = await t.runUntil(answer);
    expect(m).toMatchObject({ status: 'timeout' });
    // Block 1's voltmeter lines its readings up with the settling output (one cycle may stretch);
    // block 2's keeps its 4.02 s cycle.
    for (const block of [1, 2]) {
      const times = arrivals[block]!;
      expect(times.length, `block ${block}`).toBeGreaterThanOrEqual(block === 1 ? 3 : 4);
      const gaps = times.slice(1).map((at, i) => at - times[i]!);
      expect(Math.max(...gaps), `block ${block}`).toBeLessThanOrEqual(2 * 4020 + 100);
    }
  });

  it('answers timeout after the command’s timeout with the last reading', async () => {
    const online = await t.connect();
    const answer = online.answer();
    online.send(checkCommand(1, 5000, 0.0001, 20));
    const sentAt = t.clock.now();
    const m = await t.runUntil(answer, 60_000, 10);
    expect(t.clock.now() - sentAt).toBeGreaterThanOrEqual(20_000);
    expect(t.clock.now() - sentAt).toBeLessThan(20_100);
    expect(m).toMatchObject({ status: 'timeout', block: '1' });
    expect(Math.abs((m.voltage as number) - 5000)).toBeLessThan(1);
    expect(m.error).toBeCloseTo((m.voltage as number) - 5000, 9);
  });

  it('logs one TSV row per reading, in the daily -virtual file', async () => {
    const online = await t.connect();
    await t.clock.advance(4020 * 5 + 250); // init (0.2 s) and five reading periods
    await t.server.readingsLog.flush();
    const path = t.server.readingsLog.pathFor('HV', t.clock.now());
    expect(path).toMatch(/HV\/26-11-23-virtual\.tsv$/);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('timestamp\tHV');
    const rows = lines.slice(1);
    const published = online.received.filter((m) => isReading(m) && m.block === 1);
    expect(rows).toHaveLength(published.length);
    expect(rows.length).toBe(5);
    for (const [i, row] of rows.entries()) {
      expect(row).toMatch(/^12:00:\d\d\.\d{6}\t-?\d+(\.\d+)?(e-?\d+)?$/);
      expect(Number(row.split('\t')[1])).toBe(published[i]!.voltage);
    }
  });

  it('drops the answer of a client that disconnected, and the command still completes', async () => {
    const online = await t.connect();
    online.send(checkCommand(1, 2000, 0.5, 20));
    await t.clock.advance(100);
    await online.close();
    await t.advanceUntil(() => t.logs.some((l) => l.msg === 'answer dropped: its client has disconnected'), 30_000);
    const block = t.server.supervisor.getSnapshot().children['block-1']!.getSnapshot() as { value: string; context: { setpoint: number } };
    expect(topState(block.value)).toBe('idle');
    expect(block.context.setpoint).toBe(2000);
  });
});
