// A server process with built-in notifications, as bench:notify and the live notification test
// drive it: started from a config file on port 0, its alarm events followed with the real time
// each arrived, the training back door to trip the simulated supply, and the receivers' requests
// told apart by what they announce.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { Mail, ReceivedRequest, Receiver } from './notify-receivers.js';

/** The project's root, from bench/ (a test, from the sources) or dist/bench/ (the bench, built). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}
const root = projectRoot();

export interface Server {
  child: ChildProcess;
  http: number;
  tcp: number;
  output: () => string;
}

export async function startServer(configFile: string, dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, [join(root, 'bin/hv-server.js'), '--config', configFile, '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--log-level', 'info'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
  });
  // A bench or test that fails half-way must not leave its server running.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  child.once('exit', () => process.off('exit', orphan));
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  for (let i = 0; i < 6000; i++) {
    const ready = /ready: TCP [\d.:a-f]+:(\d+), HTTP http:\/\/[^/]+:(\d+)\//.exec(output);
    if (ready) return { child, tcp: Number(ready[1]), http: Number(ready[2]), output: () => output };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`server did not start:\n${output}`);
}

export async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
}

export async function post(http: number, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** The alarms events of a server, with the real time each arrived. */
export function observe(http: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${http}/channel?observe=1`);
  const events: { change: string; code: string; at: number }[] = [];
  let waiters: { match: (e: { change: string; code: string }) => boolean; resolve: (at: number) => void }[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { event_type?: string; change?: string; alarm?: { code: string } };
    if (m.event_type !== 'alarms' || !m.alarm) return;
    const event = { change: String(m.change), code: m.alarm.code, at: performance.now() };
    events.push(event);
    const due = waiters.filter((w) => w.match(event));
    waiters = waiters.filter((w) => !w.match(event));
    for (const w of due) w.resolve(event.at);
  });
  const opened = new Promise((r) => ws.once('open', r));
  return {
    opened,
    next: (change: string, code: string) => new Promise<number>((resolve) => waiters.push({ match: (e) => e.change === change && e.code === code, resolve })),
    close: () => ws.close(),
  };
}

/** Whether a notification tells of NO_OUTPUT raised: the JSON body's alarms, or the chat text and the mail. */
export const tellsRaise = (text: string) => text.includes('NO_OUTPUT raised');
const bodyRaises = (body: Record<string, unknown>) =>
  Array.isArray(body.alarms) ? (body.alarms as { code?: string; event?: string }[]).some((a) => a.code === 'NO_OUTPUT' && a.event === 'raised') : tellsRaise(String(body.text ?? ''));

/** The first accepted request after the first `from` that tells of NO_OUTPUT raised. */
export async function raisedAt(receiver: Receiver, from: number): Promise<ReceivedRequest> {
  for (let n = from + 1; ; n++) {
    const r = await receiver.request(n);
    if (r.answered === 200 && bodyRaises(r.body)) return r;
  }
}

export async function mailAt(smtp: { mail(n: number): Promise<Mail> }, from: number): Promise<Mail> {
  for (let n = from + 1; ; n++) {
    const m = await smtp.mail(n);
    if (tellsRaise(m.raw)) return m;
  }
}

export interface ChannelState {
  name: string;
  pending: number;
}

export async function channels(http: number): Promise<ChannelState[]> {
  const status = (await (await fetch(`http://127.0.0.1:${http}/api/status`)).json()) as { notifications?: { channels: ChannelState[] } | null };
  return status.notifications?.channels ?? [];
}

export async function waitNothingPending(http: number): Promise<void> {
  while ((await channels(http)).some((c) => c.pending > 0)) await new Promise((r) => setTimeout(r, 50));
}

export async function waitPending(http: number, name: string): Promise<void> {
  while (!(await channels(http)).some((c) => c.name === name && c.pending > 0)) await new Promise((r) => setTimeout(r, 50));
}

/** Resolves once /readyz answers 200: the blocks have read their present output (a command before that is answered busy, 8). */
export async function whenReady(http: number): Promise<void> {
  while ((await fetch(`http://127.0.0.1:${http}/readyz`)).status !== 200) await new Promise((r) => setTimeout(r, 50));
}
