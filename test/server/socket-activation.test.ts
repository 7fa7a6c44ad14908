// Under systemd, deploy/hv-server.socket holds Online's port and the service takes it as
// descriptor 3 (LISTEN_FDS, LISTEN_PID). The port then never closes across a crash, even with
// the unit's RestartSec=2, twice Online's one reconnect delay: the reconnect waits in the socket's
// backlog and the server started 2 s later serves it. Here this process holds the socket as systemd
// would, and starts the real executable on it.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holdListeningSocket, type HeldSocket } from '../../bench/held-socket.js';
import { OnlineLikeClient, PortProbe } from '../../bench/online-like-client.js';
import { eventuallyWithin, sendAsOnline } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-ports.js';
import { root } from '../helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-socket-activation-'));
const running = new Set<ChildProcess>();
let held: HeldSocket | null = null;

afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
  held?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** systemd's RestartSec= in deploy/hv-server.service: the wait before a crashed service is started again. */
const RESTART_SEC_MS = 2000;

interface Started {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startOn(socket: HeldSocket, args: string[]): Started {
  const child = socket.start([process.execPath, join(root, 'bin/hv-server.js'), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (running.delete(child), resolve(code))));
  return { process: child, output: () => output, exited };
}

describe('Online’s port from systemd (LISTEN_FDS)', () => {
  it('is served on descriptor 3, in the service’s own process, whatever port the config names', async () => {
    held = await holdListeningSocket();
    const configPort = await freePort();
    const args = ['--sim', '--tcp-port', String(configPort), '--http-port', '0', '--data-dir', dir, '--time-scale', '10', '--log-level', 'info'];
    const first = startOn(held, args);
    await eventuallyWithin(() => /ready: TCP/.test(first.output()), START_MS, first.output);
    const ready = first.output().match(/ready: TCP 127\.0\.0\.1:(\d+), .*"server_pid":(\d+)/);
    expect(ready, first.output()).not.toBeNull();
    expect(Number(ready![1])).toBe(held.port);
    // No supervising process: systemd holds the port; the pid systemd was told is the server's.
    expect(Number(ready![2])).toBe(first.process.pid);
    expect(first.output()).toMatch(/Online's port 127\.0\.0\.1:\d+ is held by systemd \(socket activation, descriptor 3\)/);
    expect(first.output()).toMatch(new RegExp(`the configured port ${configPort} is not used`));

    const online = new OnlineLikeClient(held.port);
    online.connect();
    await eventuallyWithin(() => online.readings(0, 1).length >= 3, WAIT_MS, first.output);

    // A crash; systemd starts the service again RestartSec later. Nothing is refused meanwhile,
    // and Online's one reconnect, a second after the crash, waits in the backlog.
    const probe = new PortProbe(held.port);
    const crashedAt = Date.now();
    first.process.kill('SIGKILL');
    await first.exited;
    // Online reconnects while no server runs; the service is started again only after that, and
    // no sooner than RestartSec after the crash.
    await eventuallyWithin(() => online.reconnectedAt !== null || online.gaveUp, WAIT_MS);
    expect(online.gaveUp).toBe(false);
    await new Promise((r) => setTimeout(r, Math.max(0, crashedAt + RESTART_SEC_MS - Date.now())));
    const second = startOn(held, args);
    await eventuallyWithin(() => /ready: TCP/.test(second.output()), START_MS, second.output);
    const probed = await probe.stop();
    expect(probed.refused, `${probed.refused} of ${probed.attempts} connection attempts refused across the restart`).toBe(0);

    // The reconnected client is served: a command answered (8 while the server starts; Online sends it again 5 s later), readings.
    const command = { type: 'command', command_type: 'set_voltage', block: '2', voltage: 100 };
    await sendAsOnline(online, command, WAIT_MS, second.output);
    expect(online.answers.at(-1)).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });
    await eventuallyWithin(() => online.readings(1, 1).length >= 3, WAIT_MS, second.output);

    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    online.close();
  }, 300_000);
});

/**
 * A server process gets ready in about 0.5 s on a quiet 2-core machine and in several seconds with
 * other work beside it; this bound is for a machine loaded far beyond that.
 */
const START_MS = 60_000;
/** The same for readings and answers: a few reading periods at --time-scale 10 take about 2 s. */
const WAIT_MS = 60_000;

