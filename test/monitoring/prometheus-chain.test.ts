// The Prometheus → Alertmanager → webhook path with Debian's real binaries, as a lab runs it:
// examples/prometheus/ checked by promtool and amtool, its rules unit-tested by promtool; then a
// live hv-server on the simulated rack, scraped by Prometheus with the example's rules, alerting
// through Alertmanager with the example's route, to a webhook receiver in this test. The supply
// trips at ×1 and the test waits for the delivery itself and prints the time from trip to it;
// after the supply is back it waits for the "resolved" message. Intervals are the example's
// shortened (scrape and evaluation 1 s, group_wait 1 s); the rules are the example's as they are.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { checkCommand, HvConnection } from '../../src/hv/client/hv-connection.js';
import { AMTOOL, EXAMPLES, PROMTOOL, startAlertmanager, startPrometheus, type Daemon } from '../helpers/prometheus-stack.js';
import { metricNames } from '../helpers/promql.js';
import { root, runToEnd, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/** Alertmanager's webhook body (version 4), the fields the test reads. */
interface WebhookBody {
  version: string;
  receiver: string;
  status: 'firing' | 'resolved';
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string }[];
}

const dir = mkdtempSync(join(tmpdir(), 'hv-prometheus-'));
let receiver: WebhookReceiver;
let server: ServerProcess;
let alertmanager: Daemon & { config: string };
let prometheus: Daemon & { config: string };
let base = '';

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // ×20 while the block is brought to its voltage; the trip itself runs at ×1.
  server = await startServerProcess(['--sim', '--tcp-port', '0', '--http-port', '0', '--data-dir', join(dir, 'hv'), '--time-scale', '20']);
  base = `http://127.0.0.1:${server.httpPort}`;
  alertmanager = await startAlertmanager(dir, receiver.url('/hv-alerts'));
  prometheus = await startPrometheus(dir, `127.0.0.1:${server.httpPort}`, `127.0.0.1:${alertmanager.port}`);
  // Three processes started one after the other, each bounded by its own wait: a bound on a start that never comes.
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await alertmanager?.stop();
  await server?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

const training = (command: unknown) =>
  fetch(`${base}/api/training`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(command) }).then((r) => r.json() as Promise<{ ok: boolean }>);

describe('examples/prometheus', () => {
  it('pass promtool check config and check rules, the rules pass their unit tests, and amtool check-config passes; so do the configurations the test made from them', async () => {
    const runs: [string, string[]][] = [
      [PROMTOOL, ['check', 'config', join(EXAMPLES, 'prometheus.yml')]],
      [PROMTOOL, ['check', 'rules', join(EXAMPLES, 'hv-alerts.yml')]],
      [PROMTOOL, ['test', 'rules', join(root, 'test/monitoring/hv-alerts.promtool.yml')]],
      [AMTOOL, ['check-config', join(EXAMPLES, 'alertmanager.yml')]],
      [PROMTOOL, ['check', 'config', prometheus.config]],
      [AMTOOL, ['check-config', alertmanager.config]],
    ];
    for (const [command, args] of runs) {
      const r = await runToEnd(command, args);
      expect({ run: `${command} ${args.join(' ')}`, code: r.code, out: r.stdout + r.stderr }).toMatchObject({ code: 0, out: expect.stringMatching(/SUCCESS/) });
      expect(r.stdout + r.stderr).not.toMatch(/FAILED/);
    }
  });
});

describe('Prometheus → Alertmanager → webhook', () => {
  it('a supply trip reaches the webhook as HvAlarm NO_OUTPUT with its guidance, grouped by rack; its recovery as resolved', async () => {
    // Prometheus scrapes the server before anything is tripped: the time measured is the alert's, not Prometheus's start.
    await untilTargetUp();

    const online = await HvConnection.open('127.0.0.1', server.tcpPort);
    const answer = online.answer(60_000);
    online.send(checkCommand(1, 1000, 0.5, 30));
    expect(await answer).toMatchObject({ status: 'ok' });
    await online.close();
    expect(await training({ cmd: 'time_scale', value: 1 })).toMatchObject({ ok: true });

    // Every metric the rules query is one Prometheus has scraped from the live server (or its own `up`).
    const rules = parse(readFileSync(join(EXAMPLES, 'hv-alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const queried = new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => metricNames(r.expr))));
    expect([...queried].sort()).toEqual(['hv_alarm_active', 'hv_alarms_unacknowledged', 'hv_block_reading_timestamp_seconds', 'hv_block_state', 'up']);
    const scraped = ((await (await fetch(`http://127.0.0.1:${prometheus.port}/api/v1/label/__name__/values`)).json()) as { data: string[] }).data;
    expect([...queried].filter((name) => name !== 'hv_alarm_active' && !scraped.includes(name))).toEqual([]);

    // When the server raised the alarm, from its observer feed: splits the time into the server's and the chain's.
    const observer = new WebSocket(`ws://127.0.0.1:${server.httpPort}/channel?observe=1`);
    let raisedAt: number | null = null;
    observer.on('message', (d) => {
      const m = JSON.parse(String(d)) as { event_type?: string; change?: string; alarm?: { code: string; source: string } };
      if (m.event_type === 'alarm' && m.change === 'raised' && m.alarm?.code === 'NO_OUTPUT' && m.alarm.source === 'block-1') raisedAt ??= performance.now();
    });
    await new Promise((r) => observer.once('open', r));

    const isNoOutput = (a: WebhookBody['alerts'][number]) => a.labels.alertname === 'HvAlarm' && a.labels.code === 'NO_OUTPUT' && a.labels.source === 'block-1';
    // The measurement starts clean: no NO_OUTPUT has been sent before the trip.
    expect(receiver.deliveries.filter((d) => (d.body as WebhookBody).alerts?.some(isNoOutput))).toEqual([]);
    const trippedAt = performance.now();
    expect(await training({ cmd: 'trip', block: 1 })).toMatchObject({ ok: true });
    // At ×1 the server needs two readings (about 8 s), the rule its 5 s and a scrape and an evaluation, Alertmanager about 1 s:
    // 16 s at most in 14 runs, ten times that allowed.
    const firing = await receiver.next((b) => (b as WebhookBody).alerts?.some((a) => a.status === 'firing' && isNoOutput(a)) ?? false, 160_000);
    const delivered = firing.at;
    const body = firing.body as WebhookBody;
    const alert = body.alerts.find(isNoOutput)!;
    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    // startsAt is when Prometheus's rule fired (its `for` over): splits the chain into Prometheus's part and Alertmanager's.
    const firedToDelivered = firing.wallAt - Date.parse(alert.startsAt);
    console.log(
      `Prometheus → Alertmanager → webhook, supply trip at ×1: trip → webhook ${fmt(delivered - trippedAt)}` +
        (raisedAt === null ? '' : ` (trip → NO_OUTPUT raised ${fmt(raisedAt - trippedAt)}, raised → rule fired ${fmt(delivered - raisedAt - firedToDelivered)}, fired → webhook ${fmt(firedToDelivered)})`),
    );
    expect(raisedAt).not.toBeNull();
    expect(delivered).toBeGreaterThan(raisedAt!);

    expect(firing.path).toBe('/hv-alerts');
    expect(body).toMatchObject({ version: '4', receiver: 'hv-operators', status: 'firing', groupLabels: { rack: 'precision-hv' } });
    expect(body.groupKey).toContain('job="hv-server"');
    expect(((await (await fetch(`http://127.0.0.1:${prometheus.port}/api/v1/label/__name__/values`)).json()) as { data: string[] }).data).toContain('hv_alarm_active');
    expect(alert.labels).toEqual({
      alertname: 'HvAlarm',
      code: 'NO_OUTPUT',
      source: 'block-1',
      severity: 'MAJOR',
      instrument: 'sim::calibrator',
      job: 'hv-server',
      instance: `127.0.0.1:${server.httpPort}`,
      rack: 'precision-hv',
    });
    expect(alert.annotations.summary).toBe('MAJOR alarm NO_OUTPUT on block-1 (precision-hv)');
    expect(alert.annotations.description).toMatch(/^hv-server at 127\.0\.0\.1:\d+ has had the alarm NO_OUTPUT \(MAJOR\) on block-1, instrument sim::calibrator, for longer than a reading cycle\./);
    expect(alert.annotations.guidance).toMatch(/^The HV is far below what the output should give\. Look at the FuG supply first/);
    expect(Date.parse(alert.startsAt)).toBeGreaterThan(0);

    // The supply back (at ×20 again, for speed): the same alert arrives resolved (2 to 3 s; 60 s allowed).
    expect(await training({ cmd: 'time_scale', value: 20 })).toMatchObject({ ok: true });
    const recoveredAt = performance.now();
    expect(await training({ cmd: 'trip', block: 1, on: false })).toMatchObject({ ok: true });
    const resolved = await receiver.next((b) => (b as WebhookBody).alerts?.some((a) => a.status === 'resolved' && isNoOutput(a)) ?? false, 60_000);
    console.log(`supply back at ×20 → resolved message ${fmt(resolved.at - recoveredAt)}`);
    const ended = (resolved.body as WebhookBody).alerts.find(isNoOutput)!;
    expect(Date.parse(ended.endsAt)).toBeGreaterThan(Date.parse(ended.startsAt));
    expect(resolved.at).toBeGreaterThan(delivered);
    observer.close();
  }, 300_000);
});

/** Until Prometheus's target for hv-server is up (its own /api/v1/targets), bounded. */
async function untilTargetUp(timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${prometheus.port}/api/v1/targets?state=active`);
    const targets = ((await res.json()) as { data: { activeTargets: { labels: Record<string, string>; health: string }[] } }).data.activeTargets;
    if (targets.some((t) => t.labels.job === 'hv-server' && t.health === 'up')) return;
    if (performance.now() > deadline) throw new Error(`Prometheus did not scrape hv-server within ${timeoutMs} ms: ${JSON.stringify(targets)}\n${prometheus.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
