// Start-up never changes the high voltage; shutdown ends commands, flushes readings, closes clients;
// a voltmeter that drops out comes back on its own, and the log tells the story.
import { readFileSync } from 'node:fs';
import { topState } from '../../machines/block.machine.js';
import { describe, expect, it } from 'vitest';
import { checkCommand, setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import { startTestServer } from '../helpers/test-server.js';

describe('server life cycle', () => {
  it('adopts the calibrator’s present output as the setpoint at start and sends it nothing', async () => {
    const t = await startTestServer((c) => {
      c.blocks[0]!.simulation.initial_output_volts = 5; // the rack was left at about 17.5 kV
    });
    const block = t.server.supervisor.getSnapshot().children['block-1']!.getSnapshot() as { context: { setpoint: number } };
    expect(block.context.setpoint).toBeCloseTo(3500.5 * 5 + 1.26, 6);
    // The calibrator was asked what it does, and told nothing.
    const calibrator = t.server.rack!.output(1);
    expect(calibrator.received).toEqual(['*IDN?', 'OPER?', 'OUT?', 'ERR?']);
    /** Only questions: who it is, whether it operates, what it puts out, any error (asked every few seconds while idle). */
    const onlyQuestions = () => calibrator.received.every((m) => ['*IDN?', 'OPER?', 'OUT?', 'ERR?'].includes(m));
    // And the readings show the voltage still there.
    const online = await t.connect();
    const reading = online.next((m) => m.answer_type === 'get_voltage' && m.block === 1);
    expect(Math.abs(((await t.runUntil(reading)).voltage as number) - 17503.76)).toBeLessThan(0.5);
    // Holding, it keeps what it found as measured: a minute later the calibrator has still been told nothing.
    await t.clock.advance(60_000);
    const block1 = () => t.server.supervisor.getSnapshot().children['block-1']!.getSnapshot() as { context: { setpoint: number; adopting: boolean } };
    expect(block1().context.adopting).toBe(false);
    expect(Math.abs(block1().context.setpoint - 17503.76)).toBeLessThan(0.5);
    await t.stop();
    expect(calibrator.received.length).toBeGreaterThan(3);
    expect(onlyQuestions()).toBe(true);
  });

  it('at shutdown ends a check in flight with code 6, flushes every reading and closes every client', async () => {
    const t = await startTestServer();
    const online = await t.connect();
    const answer = online.answer();
    online.send(checkCommand(1, 3000, 0.0001, 20));
    await t.clock.advance(9000);
    const stopped = t.runUntil(t.server.stop('SIGTERM'), 60_000, 10);
    const m = await answer;
    expect(m).toMatchObject({ error_code: 6 });
    expect(String(m.description)).toMatch(/shutting down/);
    await stopped;
    await online.closed;
    const published = online.received.filter((r) => r.answer_type === 'get_voltage' && r.block === 1).length;
    const rows = readFileSync(t.server.readingsLog.pathFor('HV', t.clock.now()), 'utf8').trim().split('\n').length - 1;
    expect(rows).toBe(published);
    expect(t.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['readings log flushed and closed', 'stopped']));
  });

  it('lets a set_voltage being sent at shutdown finish and answers it ok', async () => {
    const t = await startTestServer();
    const online = await t.connect();
    const answer = online.answer();
    online.send(setVoltageCommand(1, 1000));
    const blockState = () => (t.server.supervisor.getSnapshot().children['block-1']!.getSnapshot() as { value: string }).value;
    await t.advanceUntil(() => topState(blockState()) === 'ramping', 1000, 1);
    const stopped = t.runUntil(t.server.stop('SIGINT'), 60_000, 5);
    expect(await answer).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });
    await stopped;
  });

  it('recovers from a voltmeter that drops out for a minute, refusing checks with code 6 meanwhile', async () => {
    const t = await startTestServer();
    const meter = t.server.rack!.voltmeter('divider-1');
    const online = await t.connect();
    await t.runUntil(online.next((m) => m.answer_type === 'get_voltage' && m.block === 1));
    meter.faults.offline = true;
    const offlineAt = t.clock.now();
    const status = () => t.server.supervisor.getSnapshot().context.children['voltmeter-divider-1']!;
    // The driver gives FETC? what is left of reading_timeout_s (6 s), then the supervisor steps in:
    // a dead meter is known within two reading periods.
    await t.advanceUntil(() => status().status === 'restarting', 30_000);
    expect(t.clock.now() - offlineAt).toBeLessThanOrEqual(2 * 4020);
    const refused = online.answer();
    online.send(checkCommand(1, 1000, 1, 20));
    const reply = await t.runUntil(refused, 5000, 10);
    expect(reply).toMatchObject({ error_code: 6, error_text_code: 'ALGORITM_ERROR' });
    expect(String(reply.description)).toMatch(
      /^block 1 cannot check its voltage: voltmeter divider-1 is in error: (reading|initialisation) failed: sim::voltmeter-1: no answer ending in "\\n" within \d+ ms; restarting in \d/,
    );
    await t.clock.advance(offlineAt + 60_000 - t.clock.now()); // offline for a whole minute
    expect(t.server.supervisor.getSnapshot().context.children['voltmeter-divider-1']!.status).toBe('restarting');
    meter.faults.offline = false;
    await t.advanceUntil(() => {
      const s = t.server.supervisor.getSnapshot().context.children['voltmeter-divider-1']!;
      return s.status === 'running' && online.received.filter((m) => m.answer_type === 'get_voltage' && m.block === 1).length > 0;
    }, 120_000, 100);
    const story = t.logs.filter((l) => l.component === 'supervisor' && l.child === 'voltmeter-divider-1').map((l) => l.msg);
    expect(story[0]).toMatch(/voltmeter-divider-1 failed \(reading failed: .*\); restarting in 1 s/);
    expect(story).toContain('restarted voltmeter-divider-1');
    const answer = online.answer();
    online.send(checkCommand(1, 1000, 1, 20));
    expect(await t.runUntil(answer)).toMatchObject({ status: 'ok' });
    await t.stop();
  });

  it('leaves a block whose calibrator is gone in error after the restart limit, with code 6 and the reason', async () => {
    const t = await startTestServer((c) => {
      c.supervisor.max_restarts_per_minute = 2;
    });
    const calibrator = t.server.rack!.output(1);
    calibrator.faults.offline = true;
    const online = await t.connect();
    const first = online.answer();
    online.send(setVoltageCommand(1, 1000));
    expect(await t.runUntil(first, 5000, 10)).toMatchObject({ error_code: 6, description: expect.stringMatching(/^block 1: setting 1000 V failed: sim::calibrator: no answer ending in "\\n" within 2000 ms$/) });
    await t.advanceUntil(() => t.server.supervisor.getSnapshot().context.children['block-1']!.status === 'failed', 60_000, 100);
    const later = online.answer();
    online.send(setVoltageCommand(1, 1000));
    const reply = await t.runUntil(later, 5000, 10);
    expect(String(reply.description)).toMatch(/^block 1 is out of service after 2 restarts within a minute; last fault: reading the present output failed/);
    // Block 2 is not affected.
    const other = online.answer();
    online.send(setVoltageCommand(2, 10));
    expect(await t.runUntil(other, 5000, 10)).toMatchObject({ status: 'ok' });
    await t.stop();
  });
});

describe('electron-gun voltmeter', () => {
  it('is published as get_voltage with block "gun", and logged to its own series', async () => {
    const t = await startTestServer();
    const online = await t.connect();
    const gun = await t.runUntil(online.next((m) => m.answer_type === 'get_voltage' && m.block === 'gun'));
    expect(Math.abs((gun.voltage as number) - 18000)).toBeLessThan(0.5);
    await t.clock.advance(4100);
    await t.server.readingsLog.flush();
    const rows = readFileSync(t.server.readingsLog.pathFor('GUN', t.clock.now()), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('timestamp\tHV');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    // Read-only: it is no block, so a command for it is refused.
    const refused = online.answer();
    online.send({ type: 'command', command_type: 'set_voltage', block: 'gun', voltage: 1 });
    expect(await t.runUntil(refused)).toMatchObject({ error_code: 9 });
    await t.stop();
  });
});
