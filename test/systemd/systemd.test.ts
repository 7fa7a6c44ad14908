// hv-server under a real systemd: a minbase Debian bookworm root booted with systemd-nspawn,
// the host's Node and this tree bind-mounted read-only, deploy/hv-server.{service,socket}
// installed as the README says (Deploying on the rack), and the service run on a simulated rack.
// Run by `npm run test:systemd` (root, Debian); not part of `npm test`.
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnlineLikeClient, PortProbe } from '../../bench/online-like-client.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { freePort } from '../helpers/free-ports.js';
import { root as projectRoot } from '../helpers/server-process.js';
import { Container } from './container.js';
import { ensureTools, nspawnRoot } from './nspawn-root.js';

/** The unit's TimeoutStopSec=, read from the file installed. */
const unitText = readFileSync(join(projectRoot, 'deploy/hv-server.service'), 'utf8');
const TIMEOUT_STOP_S = Number(unitText.match(/^TimeoutStopSec=(\d+)/m)![1]);
const RESTART_SEC_S = Number(unitText.match(/^RestartSec=(\d+)/m)![1]);

/**
 * Boot takes 0.6–1.6 s here and a server start about 0.5 s; a readings wait at time_scale 10 about
 * 2 s. These bounds are for a machine loaded far beyond that (>= 10x).
 */
const BOOT_MS = 120_000;
const WAIT_MS = 60_000;

let container: Container;
let port: number;
const figures: Record<string, number | string> = {};

/**
 * The rack of examples/sim.yaml at time_scale 10, Online's port this run's (used only without the
 * socket), the pages on a port of the kernel's choosing.
 */
function simConfig(): string {
  return readFileSync(join(projectRoot, 'examples/sim.yaml'), 'utf8')
    .replace(/^time_scale: 1\b/m, 'time_scale: 10')
    .replace(/^(\s+)port: 5555/m, `$1port: ${port}`)
    .replace(/^(\s+)port: 8080/m, '$1port: 0');
}

async function waitFor(predicate: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}\n${(await container.exec(['journalctl', '-u', 'hv-server', '--no-pager', '-n', '60'])).stdout}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function writeFile(path: string, text: string): Promise<void> {
  await container.run(['sh', '-c', `mkdir -p "$(dirname "$1")" && cat > "$1"`, 'sh', path], text);
}

async function tsvRows(series: string): Promise<string[]> {
  const out = await container.run(['sh', '-c', `cat /var/lib/hv-server/${series}/*.tsv 2>/dev/null || true`]);
  // Each file starts with a header row; the value is the second column.
  return out.split('\n').filter((row) => /^\d/.test(row)).map((row) => row.split('\t')[1]!);
}

function runAt(whole: string[], part: string[], from = 0): number {
  for (let i = from; i + part.length <= whole.length; i++) if (part.every((v, k) => whole[i + k] === v)) return i;
  return -1;
}

const volts = (session: Meta[], block: number) => session.filter((m) => m.block === block).map((m) => String(m.voltage));

/** set_voltage answered ok; code 8 (still starting) is sent again as Online does, 5 s later. */
async function setVoltage(online: OnlineLikeClient, voltage: number): Promise<Meta> {
  for (let tries = 0; ; tries++) {
    const seen = online.answers.length;
    online.send({ type: 'command', command_type: 'set_voltage', block: '2', voltage });
    await waitFor(() => online.answers.length > seen, WAIT_MS, 'an answer to set_voltage');
    if (online.answers[seen]!.error_code !== 8 || tries === 3) return online.answers[seen]!;
    await new Promise((r) => setTimeout(r, 5000));
  }
}

beforeAll(async () => {
  ensureTools();
  const built = nspawnRoot();
  figures.root_build_ms = built.buildMs;
  port = await freePort();
  const booted = await Container.boot(
    { root: built.path, machine: `hv-systemd-${process.pid}`, bindReadOnly: { [realpathSync(process.execPath)]: '/usr/local/bin/node', [projectRoot.replace(/\/$/, '')]: '/opt/hv-server' } },
    BOOT_MS,
  );
  container = booted.container;
  figures.boot_ms = booted.bootMs;

  // The README's install, with the tree bound at /opt/hv-server standing in for `npm install -g`.
  const installStarted = performance.now();
  await container.run(['ln', '-s', '/opt/hv-server/bin/hv-server.js', '/usr/local/bin/hv-server']);
  await container.run(['useradd', '--system', '--home', '/var/lib/hv-server', '--create-home', '--groups', 'dialout', 'hv']);
  await writeFile('/etc/hv-server/rack.yaml', simConfig());
  await container.run(['sh', '-c', 'cp /opt/hv-server/deploy/hv-server.service /opt/hv-server/deploy/hv-server.socket /etc/systemd/system/']);
  // Online's port: one of this run's own, on loopback, instead of the socket's ListenStream=5555.
  await writeFile('/etc/systemd/system/hv-server.socket.d/port.conf', `[Socket]\nListenStream=\nListenStream=127.0.0.1:${port}\n`);
  await container.run(['systemctl', 'daemon-reload']);
  await container.run(['systemctl', 'enable', '--now', 'hv-server.socket', 'hv-server.service']);
  figures.install_ms = Math.round(performance.now() - installStarted);
}, 900_000);

afterAll(async () => {
  console.log(`systemd figures: ${JSON.stringify(figures)}`);
  await container?.stop(60_000);
});

describe('hv-server under systemd (systemd-nspawn, Debian bookworm)', () => {
  it('is active after enable --now and serves Online on the socket systemd holds', async () => {
    await waitFor(async () => (await container.exec(['systemctl', 'is-active', 'hv-server.service'])).stdout.trim() === 'active', WAIT_MS, 'hv-server.service active');
    const online = new OnlineLikeClient(port);
    online.connect();
    await waitFor(() => online.readings(0, 1).length >= 3, WAIT_MS, 'three readings of block 1');
    expect(await setVoltage(online, 100)).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });
    online.close();
    const shown = await container.show('hv-server.service', ['ActiveState', 'User', 'LimitNOFILE', 'NRestarts']);
    expect(shown).toMatchObject({ ActiveState: 'active', User: 'hv', LimitNOFILE: '65536', NRestarts: '0' });
    // What the server process got, which the VM's own limit may lower (the real PC tells).
    const pid = (await container.show('hv-server.service', ['MainPID'])).MainPID!;
    figures.nofile_effective = (await container.run(['sh', '-c', `grep 'Max open files' /proc/${pid}/limits`])).trim().replace(/\s+/g, ' ');
  }, 180_000);

  it('logs to journald: the start, on the socket systemd handed over', async () => {
    const journal = await container.run(['journalctl', '-u', 'hv-server', '--no-pager', '-o', 'cat']);
    expect(journal).toMatch(/held by systemd \(socket activation, descriptor 3\)/);
    expect(journal).toMatch(/ready: TCP 127\.0\.0\.1:\d+/);
  });

  it('after a SIGKILL, is started again RestartSec later and serves Online’s one reconnect, 1 s after the crash, from the socket’s backlog', async () => {
    const online = new OnlineLikeClient(port);
    online.connect();
    await waitFor(() => online.readings(0, 1).length >= 3, WAIT_MS, 'readings before the crash');
    const before = await container.show('hv-server.service', ['MainPID', 'NRestarts']);
    const probe = new PortProbe(port);
    const crashedAt = performance.now();
    await container.run(['sh', '-c', 'kill -KILL "$1"', 'sh', before.MainPID!]);
    await waitFor(async () => {
      const s = await container.show('hv-server.service', ['ActiveState', 'NRestarts', 'MainPID']);
      return s.ActiveState === 'active' && s.NRestarts === String(Number(before.NRestarts) + 1) && s.MainPID !== before.MainPID && s.MainPID !== '0';
    }, WAIT_MS, 'hv-server.service started again');
    figures.crash_to_active_again_ms = Math.round(performance.now() - crashedAt);
    await waitFor(() => online.readings(1, 1).length >= 1 || online.gaveUp, WAIT_MS, 'a reading after the reconnect');
    figures.crash_to_first_reading_ms = Math.round(performance.now() - crashedAt);
    await waitFor(() => online.readings(1, 1).length >= 3 || online.gaveUp, WAIT_MS, 'readings after the reconnect');
    const probed = await probe.stop();
    figures.port_downtime_across_crash_ms = probed.downtimeMs;
    figures.port_probe_attempts = probed.attempts;
    expect(online.gaveUp, 'Online’s one reconnect was refused').toBe(false);
    expect(online.reconnectedAt! - online.lostAt!).toBeGreaterThanOrEqual(1000);
    expect(probed.refused, `${probed.refused} of ${probed.attempts} connection attempts refused across the restart`).toBe(0);
    // Served no sooner than systemd's RestartSec, long after the reconnect: it waited in the backlog meanwhile.
    expect(online.reconnectedAt! - online.lostAt!).toBeLessThan(RESTART_SEC_S * 1000);
    expect(figures.crash_to_active_again_ms).toBeGreaterThanOrEqual(RESTART_SEC_S * 1000);
    expect(await setVoltage(online, 200)).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });
    online.close();
    const journal = await container.run(['journalctl', '-u', 'hv-server', '--no-pager', '-o', 'cat']);
    expect(journal).toMatch(/Main process exited, code=killed, status=9\/KILL/);
  }, 180_000);

  it('stays down after a refused config (exit 2), and says why', async () => {
    await writeFile('/etc/hv-server/rack.yaml', 'blocks: not a list\n');
    const started = await container.exec(['systemctl', 'restart', 'hv-server.service']);
    await waitFor(async () => (await container.show('hv-server.service', ['ActiveState'])).ActiveState === 'failed', WAIT_MS, 'hv-server.service failed');
    // Restart=on-failure would have put it in auto-restart ("activating"); RestartPreventExitStatus=2 made it "failed" at once.
    const shown = await container.show('hv-server.service', ['ActiveState', 'SubState', 'Result', 'ExecMainStatus', 'NRestarts']);
    expect(shown, started.stderr).toMatchObject({ ActiveState: 'failed', SubState: 'failed', Result: 'exit-code', ExecMainStatus: '2' });
    const journal = await container.run(['journalctl', '-u', 'hv-server', '--no-pager', '-o', 'cat', '-n', '40']);
    expect(journal).toMatch(/config file \/etc\/hv-server\/rack\.yaml: key 'blocks' is "not a list"/);
    // Back to the good config.
    await writeFile('/etc/hv-server/rack.yaml', simConfig());
    await container.run(['systemctl', 'reset-failed', 'hv-server.service']);
    await container.run(['systemctl', 'start', 'hv-server.service']);
    await waitFor(async () => (await container.exec(['systemctl', 'is-active', 'hv-server.service'])).stdout.trim() === 'active', WAIT_MS, 'active again');
  }, 180_000);

  it('`systemctl stop` is a clean stop: exit 0 within TimeoutStopSec, every reading Online saw in the TSV', async () => {
    const rowsBefore = (await tsvRows('HV')).length;
    const online = new OnlineLikeClient(port);
    online.connect();
    await waitFor(() => online.readings(0, 1).length >= 3, WAIT_MS, 'readings before the stop');
    const stopStarted = performance.now();
    // The socket too, as for an upgrade: else Online's reconnect would start the service again.
    await container.run(['systemctl', 'stop', 'hv-server.socket', 'hv-server.service']);
    figures.stop_ms = Math.round(performance.now() - stopStarted);
    online.close();
    expect(figures.stop_ms).toBeLessThan(TIMEOUT_STOP_S * 1000);
    const shown = await container.show('hv-server.service', ['ActiveState', 'Result', 'ExecMainCode', 'ExecMainStatus']);
    // ExecMainCode 1 is CLD_EXITED: it exited by itself (2 would be killed by a signal).
    expect(shown).toMatchObject({ ActiveState: 'inactive', Result: 'success', ExecMainCode: '1', ExecMainStatus: '0' });
    const journal = await container.run(['journalctl', '-u', 'hv-server', '--no-pager', '-o', 'cat', '-n', '80']);
    expect(journal).toMatch(/shutting down[\s\S]*readings log flushed and closed/);
    const rows = (await tsvRows('HV')).slice(rowsBefore);
    const seen = volts(online.sessions[0]!, 1);
    expect(runAt(rows, seen), JSON.stringify({ rows, seen })).toBeGreaterThanOrEqual(0);
  }, 180_000);

  it('without the socket (the unit as it was), the port is closed across a crash and Online’s one reconnect is lost', async () => {
    // The same unit without hv-server.socket, and without hv-server's own supervising process: the
    // server binds the config's port itself, as the unit did before the socket.
    const unheld = unitText.replace(/^Requires=hv-server\.socket\n/m, '').replace(/^(ExecStart=.*)$/m, '$1 --no-supervise');
    await writeFile('/etc/systemd/system/hv-server-unheld.service', unheld);
    await container.run(['systemctl', 'daemon-reload']);
    await container.run(['systemctl', 'start', 'hv-server-unheld.service']);
    const online = new OnlineLikeClient(port);
    await waitFor(async () => {
      const up = await new PortProbe(port).stop();
      return up.refused === 0;
    }, WAIT_MS, 'the unheld service listening');
    online.connect();
    await waitFor(() => online.readings(0, 1).length >= 3, WAIT_MS, 'readings before the crash');
    const before = await container.show('hv-server-unheld.service', ['MainPID', 'NRestarts']);
    const probe = new PortProbe(port);
    const crashedAt = performance.now();
    await container.run(['sh', '-c', 'kill -KILL "$1"', 'sh', before.MainPID!]);
    await waitFor(async () => {
      const s = await container.show('hv-server-unheld.service', ['ActiveState', 'NRestarts']);
      return s.ActiveState === 'active' && s.NRestarts === String(Number(before.NRestarts) + 1);
    }, WAIT_MS, 'hv-server-unheld.service started again');
    // Listening again: an attempt accepted after the refused ones.
    await waitFor(async () => (await new PortProbe(port).stop()).refused === 0, WAIT_MS, 'the port open again');
    figures.unheld_crash_to_listening_ms = Math.round(performance.now() - crashedAt);
    const probed = await probe.stop();
    figures.unheld_port_downtime_across_crash_ms = probed.downtimeMs;
    expect(probed.refused).toBeGreaterThan(0);
    expect(probed.downtimeMs).toBeGreaterThanOrEqual(RESTART_SEC_S * 1000 - 100);
    expect(online.gaveUp, 'Online’s one reconnect, 1 s after the crash, was refused').toBe(true);
    await container.run(['systemctl', 'stop', 'hv-server-unheld.service']);
  }, 180_000);
});
