// The detector example served by the kit, over real sockets: the same Envelope TCP connector and
// websocket as the HV rack, its own commands and publications, its module restarted by the kit's
// supervisor, its machines on /debug. It proves the seam: nothing here comes from the HV manager.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startDetectorServer, type RunningDetector } from '../../app/start-detector.js';
import { loadDetectorConfig } from '../../detector/detector-config.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { createLogger } from '../../src/kit/log/logger.js';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { runWithIo } from '../helpers/clock-and-io.js';
import { eventually } from '../helpers/eventually.js';
import { openRaw, type RawClient } from '../helpers/raw-client.js';

let server: RunningDetector;
let clock: ManualClock;
let dataDir: string;
let online: RawClient;

function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    get({ host: server.http.host, port: server.http.port, path }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    }).on('error', reject);
  });
}

/** Sends a command over TCP and advances the clock until its answer (or reply) arrives. */
async function command(meta: Meta): Promise<Meta> {
  const before = online.received.length;
  online.socket.write(encodeEnvelope({ type: 'command', ...meta }));
  const answered = () => online.received.slice(before).find((m) => m.type === 'reply' || m.answer_type === meta.command_type);
  for (let i = 0; i < 400 && !answered(); i++) await clock.advance(5);
  const found = answered();
  if (!found) throw new Error(`no answer to ${JSON.stringify(meta)}`);
  return found;
}

const rates = (client: { received: Meta[] }) => client.received.filter((m) => m.answer_type === 'count_rate');

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'detector-test-'));
  const config = loadDetectorConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir });
  config.detector.modules = [
    { id: 'det-1', interval_s: 1, rate_limit_hz: 5000, simulation: { rate_hz: 1200, seed: 7 } },
    { id: 'det-2', series: 'veto', interval_s: 2, rate_limit_hz: 100_000, simulation: { rate_hz: 30, seed: 8 } },
  ];
  config.supervisor.backoff_initial_s = 1;
  clock = new ManualClock(new Date(2026, 10, 23, 12, 0, 0).getTime());
  const sink = new Writable({ write: (_c, _e, done) => done() });
  const { logger } = await createLogger({ consoleLevel: 'info', fileLevel: 'silent', pretty: false, console: sink, now: () => clock.now() });
  server = await startDetectorServer({ config, clock, log: logger });
  online = await openRaw(server.tcp.port, server.tcp.host);
});

afterAll(async () => {
  online?.socket.destroy();
  // The stop closes the readings log: real file I/O, finished between steps of the clock.
  await runWithIo(clock, server.stop('test finished'), 10_000, 50);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the detector example on the kit', () => {
  it('answers get_status, starts an acquisition, and publishes a count rate each interval to TCP and websocket clients', async () => {
    expect(await command({ command_type: 'get_status', module: 'det-1' })).toMatchObject({ type: 'answer', answer_type: 'get_status', module: 'det-1', status: 'ok', state: 'idle' });
    const ws = new WebSocket(`ws://${server.http.host}:${server.http.port}/channel`);
    const wsReceived: Meta[] = [];
    ws.on('message', (data) => wsReceived.push(JSON.parse(data.toString()) as Meta));
    await new Promise((r) => ws.once('open', r));

    expect(await command({ command_type: 'start_acquisition', module: 'det-1', interval_s: 0.5 })).toMatchObject({ answer_type: 'start_acquisition', status: 'ok' });
    for (let i = 0; i < 100; i++) await clock.advance(50); // 5 s: ten intervals
    const published = rates(online);
    expect(published.length).toBeGreaterThanOrEqual(9);
    expect(published[0]).toMatchObject({ type: 'answer', module: 'det-1', interval_s: 0.5 });
    const mean = published.reduce((s, m) => s + (m.rate_hz as number), 0) / published.length;
    expect(mean).toBeGreaterThan(1000); // Poisson around 1200 Hz
    expect(mean).toBeLessThan(1400);
    await eventually(() => rates({ received: wsReceived }).length >= published.length);
    expect(rates({ received: wsReceived }).length).toBe(published.length);

    // Busy while acquiring: code 8, as Online knows it from the HV server.
    expect(await command({ command_type: 'start_acquisition', module: 'det-1' })).toMatchObject({ type: 'reply', reply_type: 'error', error_code: 8 });
    expect(await command({ command_type: 'get_status', module: 'det-1' })).toMatchObject({ state: 'acquiring' });
    expect(await command({ command_type: 'stop_acquisition', module: 'det-1' })).toMatchObject({ answer_type: 'stop_acquisition', status: 'ok', state: 'stopped' });
    const after = rates(online).length;
    for (let i = 0; i < 40; i++) await clock.advance(50);
    expect(rates(online).length).toBe(after);
    ws.close();
  });

  it('ends an acquisition with a duration by itself', async () => {
    const before = rates(online).filter((m) => m.module === 'det-2').length;
    await command({ command_type: 'start_acquisition', module: 'det-2', duration_s: 6 });
    for (let i = 0; i < 200; i++) await clock.advance(50); // 10 s
    expect(rates(online).filter((m) => m.module === 'det-2').length - before).toBe(3);
    expect(await command({ command_type: 'get_status', module: 'det-2' })).toMatchObject({ state: 'idle', intervals: 3 });
  });

  it('refuses what its own schema refuses, naming the field, before any module sees it', async () => {
    expect(await command({ command_type: 'start_acquisition', module: 'det-9' })).toMatchObject({ error_code: 9, description: expect.stringMatching(/field 'module' is "det-9"; expected one of the configured modules \(det-1, det-2\)/) });
    expect(await command({ command_type: 'start_acquisition', module: 'det-1', interval_s: 0 })).toMatchObject({ error_code: 9, description: expect.stringMatching(/interval_s/) });
    expect(await command({ command_type: 'set_voltage', module: 'det-1' })).toMatchObject({ error_code: 9, description: expect.stringMatching(/command_type/) });
    expect(await command({ command_type: 'stop_acquisition', module: 'det-1', duration_s: 3 })).toMatchObject({ error_code: 9 });
  });

  it('restarts a module whose counter fails, with an alarm meanwhile, through the kit supervisor', async () => {
    expect(server.simulator.apply({ cmd: 'fault', module: 'det-1', on: true })).toEqual({ ok: true });
    await command({ command_type: 'start_acquisition', module: 'det-1', interval_s: 0.5 });
    for (let i = 0; i < 20; i++) await clock.advance(50);
    const status = await getJson('/api/status');
    const alarms = status.body.alarms as { source: string; code: string }[];
    expect(alarms).toContainEqual(expect.objectContaining({ source: 'module-det-1', code: 'DEVICE_FAULT' }));
    expect(await command({ command_type: 'get_status', module: 'det-1' })).toMatchObject({ error_code: 6, description: expect.stringMatching(/module det-1 is in error: counter read failed: module det-1 does not answer/) });
    server.simulator.apply({ cmd: 'fault', module: 'det-1', on: false });
    for (let i = 0; i < 40; i++) await clock.advance(50);
    expect(await command({ command_type: 'get_status', module: 'det-1' })).toMatchObject({ state: 'idle' });
    expect((await getJson('/api/status')).body.alarms).toEqual([]);
  });

  it('raises RATE_HIGH while a module counts above its limit', async () => {
    server.simulator.apply({ cmd: 'rate', module: 'det-1', hz: 20_000 });
    await command({ command_type: 'start_acquisition', module: 'det-1', interval_s: 1 });
    for (let i = 0; i < 30; i++) await clock.advance(50);
    const alarms = (await getJson('/api/status')).body.alarms as { code: string; severity: string; status: string }[];
    expect(alarms).toContainEqual(expect.objectContaining({ code: 'RATE_HIGH', severity: 'MINOR', status: 'HIGH' }));
    await command({ command_type: 'stop_acquisition', module: 'det-1' });
    server.simulator.apply({ cmd: 'rate', module: 'det-1', hz: 1200 });
  });

  it('serves its machines to /debug, its status, and logs every published rate in its series', async () => {
    const machines = (await getJson('/api/machines')).body as unknown as { machine: string; nodes: { label: string }[] }[];
    expect(machines.map((m) => m.machine).sort()).toEqual(['connector', 'module', 'supervisor']);
    expect(machines.find((m) => m.machine === 'module')!.nodes.map((n) => n.label)).toEqual(expect.arrayContaining(['idle', 'acquiring', 'counting', 'reading', 'error']));
    const status = (await getJson('/api/status')).body;
    expect(status).toMatchObject({ sim: true, training: true, modules: ['det-1', 'det-2'] });
    expect((status.actors as { id: string }[]).map((a) => a.id)).toEqual(['module-det-1', 'module-det-2', 'tcp', 'ws']);
    await server.readingsLog.flush();
    const series = (name: string) => readdirSync(join(dataDir, name)).flatMap((f) => readFileSync(join(dataDir, name, f), 'utf8').trim().split('\n'));
    const det1 = series('det-1');
    expect(det1[0]).toBe('timestamp\trate_hz');
    expect(det1.length - 1).toBe(rates(online).filter((m) => m.module === 'det-1').length);
    expect(series('veto').length - 1).toBe(rates(online).filter((m) => m.module === 'det-2').length);
  });
});
