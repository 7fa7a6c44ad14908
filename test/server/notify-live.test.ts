// Notifications from a server process as the lab runs it, to real receivers: a supply trip
// reaches a JSON webhook and a real SMTP server with what happened and what to check; a webhook
// receiver that is down while the alarm is raised gets the notification once after it returns;
// and a notification still pending when the server stops is sent once by the restarted server,
// from the outbox. Waits are on the receivers' requests and the server's status, never on time.
// (How fast it arrives is bench:notify's to measure.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailAt, observe, post, raisedAt, startServer, stopServer, waitNothingPending, waitPending, whenReady, channels, type Server } from '../../bench/notify-rig.js';
import { Receiver, startSmtp } from '../../bench/notify-receivers.js';
import { checkCommand, HvConnection } from '../../src/hv/client/hv-connection.js';

let json: Receiver;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let server: Server;
let configFile: string;
let dataDir: string;

beforeAll(async () => {
  json = await Receiver.start();
  smtp = await startSmtp();
  const dir = mkdtempSync(join(tmpdir(), 'hv-notify-live-'));
  configFile = join(dir, 'rack.json');
  dataDir = join(dir, 'data');
  writeFileSync(
    configFile,
    JSON.stringify({
      sim: true,
      time_scale: 20,
      alarms: {
        guidance: { NO_OUTPUT: 'Call the HV expert on 1234 before switching the FuG back on.' },
        notify: {
          webhooks: [{ url: json.url, format: 'json' }],
          email: { server: `smtp://127.0.0.1:${smtp.port}`, from: 'HV rack <hv@lab.example>', to: ['shift@lab.example'] },
          retry_initial_s: 1,
          retry_max_s: 4,
        },
      },
    }),
  );
  server = await startServer(configFile, dataDir);
  await whenReady(server.http);
  const online = await HvConnection.open('127.0.0.1', server.tcp);
  const answer = online.answer(120_000);
  online.send(checkCommand(1, 18500, 2, 300));
  expect(await answer).toMatchObject({ status: 'ok' });
  await online.close();
}, 120_000);

afterAll(async () => {
  if (server?.child.exitCode === null) await stopServer(server);
  await Promise.all([json?.close(), smtp?.close()]);
});

/** Trips block 1's supply and waits for NO_OUTPUT to be raised; returns a function that brings it back and acknowledges. */
async function trip(): Promise<() => Promise<void>> {
  const events = observe(server.http);
  await events.opened;
  const raised = events.next('raised', 'NO_OUTPUT');
  await post(server.http, '/api/training', { cmd: 'trip', block: 1 });
  await raised;
  return async () => {
    const cleared = events.next('cleared', 'NO_OUTPUT');
    await post(server.http, '/api/training', { cmd: 'trip', block: 1, on: false });
    await cleared;
    await post(server.http, '/api/alarms/acknowledge', { all: true, note: 'supply back' });
    events.close();
  };
}

describe('notifications from a live server', () => {
  it('a supply trip reaches the webhook and the mail server, with the alarm, the lab’s guidance and the server named', async () => {
    const seen = { json: json.requests.length, mail: smtp.mails.length };
    const recover = await trip();
    const [hook, mail] = await Promise.all([raisedAt(json, seen.json), mailAt(smtp, seen.mail)]);
    expect(hook.body).toMatchObject({
      id: expect.any(String),
      server: expect.stringMatching(/^hv on /),
      alarms: expect.arrayContaining([
        expect.objectContaining({ event: 'raised', source: 'block-1', code: 'NO_OUTPUT', severity: 'MAJOR', guidance: 'Call the HV expert on 1234 before switching the FuG back on.' }),
      ]),
    });
    expect(hook.headers['idempotency-key']).toBe((hook.body as { id: string }).id);
    expect(mail.to).toEqual(['shift@lab.example']);
    expect(mail.raw).toMatch(/^Subject: \[hv on .*\] MAJOR block-1 NO_OUTPUT raised/m);
    expect(mail.raw).toContain('What to check first: Call the HV expert on 1234');
    await recover();
  }, 60_000);

  it('a receiver down while the alarm is raised gets the notification once after it returns', async () => {
    await json.down();
    const before = json.requests.length;
    const recover = await trip();
    // Down as long as it takes the server to find it failing: three refused attempts make NOTIFY_FAILING.
    await until(async () => (await channels(server.http)).some((c) => c.name === 'webhook-1' && c.pending > 0 && (c as { failing_since?: number | null }).failing_since != null));
    await until(async () => (await alarmCodes()).includes('NOTIFY_FAILING'));
    await json.up('accept');
    const delivered = await raisedAt(json, before);
    await recover();
    await waitNothingPending(server.http);
    const id = (delivered.body as { id: string }).id;
    expect(json.accepted.filter((r) => (r.body as { id?: string }).id === id)).toHaveLength(1);
    await until(async () => !(await activeCodes()).includes('NOTIFY_FAILING'));
  }, 60_000);

  it('a notification pending when the server stops is sent once by the restarted server, from the outbox', async () => {
    await json.down();
    const before = json.requests.length;
    await trip();
    await waitPending(server.http, 'webhook-1');
    await stopServer(server);
    await json.up('accept');
    server = await startServer(configFile, dataDir);
    const delivered = await raisedAt(json, before);
    await waitNothingPending(server.http);
    const id = (delivered.body as { id: string }).id;
    expect(json.accepted.filter((r) => (r.body as { id?: string }).id === id)).toHaveLength(1);
    // The alarm itself was kept too: listed after the restart, unacknowledged.
    const listed = (await (await fetch(`http://127.0.0.1:${server.http}/api/alarms`)).json()) as { alarms: { code: string; acknowledged: boolean }[] };
    expect(listed.alarms).toContainEqual(expect.objectContaining({ code: 'NO_OUTPUT', acknowledged: false }));
  }, 90_000);
});

async function alarmCodes(): Promise<string[]> {
  const listed = (await (await fetch(`http://127.0.0.1:${server.http}/api/alarms`)).json()) as { alarms: { code: string }[] };
  return listed.alarms.map((a) => a.code);
}

async function activeCodes(): Promise<string[]> {
  const listed = (await (await fetch(`http://127.0.0.1:${server.http}/api/alarms`)).json()) as { alarms: { code: string; active: boolean }[] };
  return listed.alarms.filter((a) => a.active).map((a) => a.code);
}

/** Polls the server until `condition` holds: a wait on its state, bounded by the test's own time-out. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 50));
}
