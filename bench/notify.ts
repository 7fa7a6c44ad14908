// Benchmark: how fast a supply trip reaches a person through the built-in notifications, on a
// server process as the lab runs it (simulated rack, real sockets, real receivers): a JSON
// webhook, a Slack-format webhook and e-mail through a real SMTP server. For each of N trips it
// measures, per channel, the real time from the trip to the receiver accepting the notification and
// from the alarm's raise (its websocket event) to acceptance, and checks the budget: two
// reading cycles plus 2 s from the trip. Beside them, a reference from the same run: a bare POST
// round trip to the same webhook receiver. Then the hard cases: the JSON receiver down for 15 s
// while an alarm is raised (delivered once after it returns), and a server restart with a
// notification still pending (delivered once, from the outbox, by the restarted server).
// Usage: npm run bench:notify [-- --trips N] [-- --scale K] [-- --quick (no outage and restart rounds)]

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCommand, HvConnection } from '../src/hv/client/hv-connection.js';
import { mailAt, observe, post, raisedAt, startServer, stopServer, waitNothingPending, waitPending, whenReady } from './notify-rig.js';
import { Receiver, startSmtp } from './notify-receivers.js';

const READING_CYCLE_MS = 4000;

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const trips = option('--trips', 20);
const scale = option('--scale', 1);
const quick = args.includes('--quick');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const worst = (xs: number[]) => Math.max(...xs);
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function main(): Promise<void> {
  const json = await Receiver.start();
  const slack = await Receiver.start();
  const smtp = await startSmtp();
  const dir = mkdtempSync(join(tmpdir(), 'hv-bench-notify-'));
  const configFile = join(dir, 'rack.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      sim: true,
      time_scale: scale,
      alarms: {
        notify: {
          webhooks: [{ url: json.url, format: 'json' }, { url: slack.url, format: 'slack' }],
          email: { server: `smtp://127.0.0.1:${smtp.port}`, from: 'HV rack <hv@lab.example>', to: ['shift@lab.example'] },
          retry_initial_s: 1,
          retry_max_s: 4,
        },
      },
    }),
  );
  const dataDir = join(dir, 'data');

  // The reference: a bare POST to the same receiver, from this process.
  const bare: number[] = [];
  for (let i = 0; i < 50; i++) {
    const start = performance.now();
    await fetch(json.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reference":true}' });
    bare.push(performance.now() - start);
  }
  const refJson = json.requests.length;

  let server = await startServer(configFile, dataDir);
  await whenReady(server.http);
  const online = await HvConnection.open('127.0.0.1', server.tcp);
  const ok = online.answer(600_000);
  online.send(checkCommand(1, 18500, 2, 300));
  const answer = await ok;
  if (answer.status !== 'ok') throw new Error(`block 1 did not reach 18500 V: ${JSON.stringify(answer)}`);
  let events = observe(server.http);
  await events.opened;

  const budgetMs = (2 * READING_CYCLE_MS) / scale + 2000;
  const fromTrip: Record<string, number[]> = { json: [], slack: [], email: [] };
  const fromRaise: Record<string, number[]> = { json: [], slack: [], email: [] };
  let overBudget = 0;
  for (let i = 0; i < trips; i++) {
    const seen = { json: json.requests.length, slack: slack.requests.length, mail: smtp.mails.length };
    const raised = events.next('raised', 'NO_OUTPUT');
    const start = performance.now();
    await post(server.http, '/api/training', { cmd: 'trip', block: 1 });
    const raise = await raised;
    const [j, s, m] = await Promise.all([raisedAt(json, seen.json), raisedAt(slack, seen.slack), mailAt(smtp, seen.mail)]);
    for (const [name, at] of [['json', j.at], ['slack', s.at], ['email', m.at]] as const) {
      fromTrip[name]!.push(at - start);
      fromRaise[name]!.push(at - raise);
      if (at - start > budgetMs) overBudget++;
    }
    const cleared = events.next('cleared', 'NO_OUTPUT');
    await post(server.http, '/api/training', { cmd: 'trip', block: 1, on: false });
    await cleared;
    await post(server.http, '/api/alarms/acknowledge', { all: true, note: `bench trip ${i + 1}` });
    process.stderr.write(`trip ${i + 1}/${trips}: json ${ms(j.at - start)}, slack ${ms(s.at - start)}, email ${ms(m.at - start)} from the trip\n`);
  }

  const lines = [
    `bench:notify: ${trips} supply trips on the simulated rack at time scale ${scale}, ${process.platform} ${process.arch}, Node ${process.version}`,
    `reference (same run): a bare POST to the webhook receiver, median ${bare.length ? median(bare).toFixed(2) : '?'} ms, worst ${worst(bare).toFixed(2)} ms (${refJson} requests)`,
    `budget: two reading cycles plus 2 s from the trip = ${ms(budgetMs)}; deliveries over it: ${overBudget} of ${trips * 3}`,
    'channel  trip->accepted median / worst     raise->accepted median / worst',
  ];
  for (const name of ['json', 'slack', 'email']) {
    lines.push(`${name.padEnd(8)} ${ms(median(fromTrip[name]!)).padStart(8)} / ${ms(worst(fromTrip[name]!)).padEnd(12)}        ${ms(median(fromRaise[name]!)).padStart(8)} / ${ms(worst(fromRaise[name]!))}`);
  }

  if (!quick) {
    // The JSON receiver down for 15 s of real time while an alarm is raised.
    await json.down();
    const before = json.requests.length;
    const raised = events.next('raised', 'NO_OUTPUT');
    await post(server.http, '/api/training', { cmd: 'trip', block: 1 });
    await raised;
    await new Promise((r) => setTimeout(r, 15_000));
    const upAt = performance.now();
    await json.up('accept');
    const delivered = await raisedAt(json, before);
    const cleared = events.next('cleared', 'NO_OUTPUT');
    await post(server.http, '/api/training', { cmd: 'trip', block: 1, on: false });
    await cleared;
    await post(server.http, '/api/alarms/acknowledge', { all: true, note: 'bench outage' });
    // Once the status shows nothing pending, nothing more can come for this alarm.
    await waitNothingPending(server.http);
    const id = (delivered.body as { id?: string }).id;
    const copies = json.accepted.filter((r) => (r.body as { id?: string }).id === id).length;
    lines.push(`receiver down 15 s while NO_OUTPUT was raised: delivered ${ms(delivered.at - upAt)} after it came back, ${copies} cop${copies === 1 ? 'y' : 'ies'} of notification ${id}`);

    // A restart with a notification pending: the JSON receiver is down, the server stops, the receiver returns, the server starts again.
    await json.down();
    const beforeRestart = json.requests.length;
    const raisedAgain = events.next('raised', 'NO_OUTPUT');
    await post(server.http, '/api/training', { cmd: 'trip', block: 1 });
    await raisedAgain;
    await waitPending(server.http, 'webhook-1');
    events.close();
    await online.close();
    await stopServer(server);
    await json.up('accept');
    const restartAt = performance.now();
    server = await startServer(configFile, dataDir);
    const fromOutbox = await raisedAt(json, beforeRestart);
    await waitNothingPending(server.http);
    const outboxId = (fromOutbox.body as { id?: string }).id;
    const outboxCopies = json.accepted.filter((r) => (r.body as { id?: string }).id === outboxId).length;
    lines.push(`server stopped with a notification pending, receiver back, server started: delivered ${ms(fromOutbox.at - restartAt)} after the start began, ${outboxCopies} cop${outboxCopies === 1 ? 'y' : 'ies'}`);
    events = observe(server.http);
    await events.opened;
  } else {
    await online.close();
  }
  events.close();
  await stopServer(server);
  await Promise.all([json.close(), slack.close(), smtp.close()]);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:notify failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
