// /metrics, /healthz and /readyz as Prometheus and a service manager see them: scraped, parsed,
// and compared with /api/status taken at the same virtual moment.
import { afterEach, describe, expect, it } from 'vitest';
import { setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format, the lines this server writes: `name{a="x",b="y"} value`. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

let t: TestServer | null = null;
afterEach(async () => {
  await t?.stop();
  t = null;
});

describe('/metrics', () => {
  it('has every block, connector and process metric, with values matching /api/status', async () => {
    t = await startTestServer();
    const base = `http://127.0.0.1:${t.server.http.port}`;
    const online = await t.connect();
    const answer = online.answer();
    online.send(setVoltageCommand(1, 1000));
    await t.runUntil(answer);
    const refused = online.answer();
    online.send({ type: 'command', command_type: 'set_voltage', block: 1, voltage: 'high' });
    expect((await t.runUntil(refused)).error_text_code).toBe('INCORRECT_MESSAGE_PARAMS');
    // A reading after the answer, so reading and deviation are there to compare.
    await t.clock.advance(5000);

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parse(await res.text());
    const status = (await (await fetch(`${base}/api/status`)).json()) as {
      alarms: unknown[];
      actors: { kind: string; block?: number; state: string; setpoint: number | null; corrections: number; last_reading: { volts: number; endedAt: number } | null; alarms: unknown[] }[];
    };

    for (const actor of status.actors.filter((a) => a.kind === 'block')) {
      const block = String(actor.block);
      expect(find(samples, 'hv_block_setpoint_volts', { block })[0]?.value ?? null).toBe(actor.setpoint);
      expect(find(samples, 'hv_block_reading_volts', { block })[0]?.value ?? null).toBe(actor.last_reading?.volts ?? null);
      expect(find(samples, 'hv_block_reading_timestamp_seconds', { block })[0]?.value ?? null).toBe(actor.last_reading ? actor.last_reading.endedAt / 1000 : null);
      if (actor.setpoint !== null && actor.last_reading) {
        expect(find(samples, 'hv_block_deviation_volts', { block })[0]!.value).toBeCloseTo(actor.last_reading.volts - actor.setpoint, 9);
      }
      expect(find(samples, 'hv_block_corrections_applied', { block })[0]!.value).toBe(actor.corrections);
      expect(find(samples, 'hv_block_state', { block }).map((s) => [s.labels.state, s.value])).toEqual([[actor.state, 1]]);
      expect(find(samples, 'hv_block_alarms_active', { block }).reduce((n, s) => n + s.value, 0)).toBe(actor.alarms.length);
    }
    expect(find(samples, 'hv_block_setpoint_volts', { block: '1', name: 'main' })[0]!.value).toBe(1000);
    expect(find(samples, 'hv_block_reading_volts', { block: '1' })).toHaveLength(1);
    expect(find(samples, 'hv_block_deviation_volts', { block: '1' })[0]!.value).toBeCloseTo(find(samples, 'hv_block_reading_volts', { block: '1' })[0]!.value - 1000, 9);
    expect(find(samples, 'hv_alarms_active').reduce((n, s) => n + s.value, 0)).toBe(status.alarms.length);
    expect(find(samples, 'hv_connector_clients', { connector: 'tcp' })[0]!.value).toBe(1);
    expect(find(samples, 'hv_connector_clients', { connector: 'ws' })[0]!.value).toBe(0);
    expect(find(samples, 'hv_commands_total', { connector: 'tcp', type: 'set_voltage', outcome: 'ok' })[0]!.value).toBe(1);
    expect(find(samples, 'hv_commands_total', { connector: 'tcp', outcome: 'error' })[0]!.value).toBe(1);
    expect(find(samples, 'hv_error_replies_total', { connector: 'tcp', code: 'INCORRECT_MESSAGE_PARAMS' })[0]!.value).toBe(1);
    // prom-client's process metrics.
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(find(samples, name).length, name).toBeGreaterThan(0);
    }
    await online.close();
  });

  it('a supply trip: one hv_alarm_active series per active alarm, named by source, code, severity and instrument; gone once it clears', async () => {
    t = await startTestServer();
    const base = `http://127.0.0.1:${t.server.http.port}`;
    const online = await t.connect();
    const answer = online.answer();
    online.send(setVoltageCommand(1, 1000));
    await t.runUntil(answer);
    await t.clock.advance(20_000);
    expect(find(parse(await (await fetch(`${base}/metrics`)).text()), 'hv_alarm_active')).toEqual([]);

    expect(t.server.control!.apply({ cmd: 'trip', block: 1 }).ok).toBe(true);
    await t.advanceUntil(() => t!.server.alarms.list().some((a) => a.code === 'NO_OUTPUT'), 10_000);
    const samples = parse(await (await fetch(`${base}/metrics`)).text());
    const active = find(samples, 'hv_alarm_active');
    expect(active).toContainEqual({ name: 'hv_alarm_active', labels: { source: 'block-1', code: 'NO_OUTPUT', severity: 'MAJOR', instrument: 'sim::calibrator' }, value: 1 });
    // The same alarms as the counts by severity, one series each.
    expect(active.map((s) => `${s.labels.source}/${s.labels.code}/${s.labels.severity}`).sort()).toEqual(t.server.alarms.list().map((a) => `${a.source}/${a.code}/${a.severity}`).sort());
    expect(find(samples, 'hv_alarms_active', { severity: 'MAJOR' })[0]!.value).toBe(active.filter((s) => s.labels.severity === 'MAJOR').length);

    expect(t.server.control!.apply({ cmd: 'trip', block: 1, on: false }).ok).toBe(true);
    await t.advanceUntil(() => t!.server.alarms.list().length === 0, 30_000);
    expect(find(parse(await (await fetch(`${base}/metrics`)).text()), 'hv_alarm_active')).toEqual([]);
    await online.close();
  });

  it('/healthz answers alive; /readyz is ready once every voltmeter has read, and names what it waits for while not', async () => {
    t = await startTestServer();
    const base = `http://127.0.0.1:${t.server.http.port}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    await t.clock.advance(5000);
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toEqual({ ready: true, waiting: [] });
    expect(ready.status).toBe(200);
    // The voltmeter stops answering: the server stays alive and is no longer ready.
    expect(t.server.control!.apply({ cmd: 'fault', device: 'voltmeter-1', fault: 'offline', on: true }).ok).toBe(true);
    await t.advanceUntil(() => t!.server.alarms.list().length > 0, 120_000, 500);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { waiting: string[] }).waiting.join('; ')).toMatch(/voltmeter-divider-1|block-1/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('are read routes under the access rules: an address outside access.monitor is refused', async () => {
    t = await startTestServer((config) => {
      config.access.monitor = ['192.0.2.1'];
      config.access.control = ['192.0.2.1'];
    });
    const base = `http://127.0.0.1:${t.server.http.port}`;
    for (const path of ['/metrics', '/healthz', '/readyz']) expect((await fetch(`${base}${path}`)).status, path).toBe(403);
  });
});
