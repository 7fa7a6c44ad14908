// The real executables, as a user runs them: hv-server in its own process at --time-scale 20,
// driven by hv-client; exit codes, SIGTERM and the readings it leaves behind.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientConfig, printedBy, root, runToEnd, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-'));
let server: ServerProcess;
let tcpPort = 0;

const run = (bin: string, args: string[]) => runToEnd(process.execPath, [join(root, 'bin', bin), ...args]);

/** A port nobody listens on: one this process has just had and closed (a fixed one, even 1, may be taken on a shared machine). */
async function closedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

/** The simulators' back door of the server under test. */
async function training(command: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await fetch(`http://127.0.0.1:${server.httpPort}/api/training`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(command) });
  return (await r.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  server = await startServerProcess(['--sim', '--config', patientConfig(dataDir), '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--time-scale', '20']);
  tcpPort = server.tcpPort;
});

afterAll(async () => {
  // Stopped and gone before its data directory goes: a server killed outright would still be writing in it.
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('hv-server and hv-client', () => {
  it('set --check answers ok within max_error and exits 0', async () => {
    // The timeout (server time, ×20) only bounds a check that never comes: ten times what it takes on a busy machine.
    const r = await run('hv-client.js', ['--port', String(tcpPort), 'set', '1', '18600', '--check', '--max-error', '0.1', '--timeout', '600']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^set_voltage_and_check block 1: ok at 1(8599\.9|8600\.0)\d\d V \(error -?0\.0\d\d V\)\n$/);
    expect(r.code).toBe(0);
  });

  it('exits 3 with the reason on an error reply, and 1 on a check that timed out', async () => {
    const refused = await run('hv-client.js', ['--port', String(tcpPort), 'set', '1', '30000']);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/error 9 INCORRECT_MESSAGE_PARAMS: field 'voltage' is 30000 V; expected 0 to 25000 V for block 1/);
    const timedOut = await run('hv-client.js', ['--port', String(tcpPort), 'set', '2', '50', '--check', '--max-error', '0.000001', '--timeout', '5']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stdout).toMatch(/set_voltage_and_check block 2: timeout at/);
  });

  it('exits 4 when there is no server, and 2 on bad usage', async () => {
    expect((await run('hv-client.js', ['--port', String(await closedPort()), 'set', '1', '10'])).code).toBe(4);
    expect((await run('hv-client.js', ['set', '1', 'ten'])).code).toBe(2);
  });

  it('runs an Online scenario, retrying a busy block after the pause as Online does', async () => {
    const file = join(dataDir, 'scenario.txt');
    // The checks' timeouts (server time, ×20) only bound an answer that never comes: ten times what they take on a busy machine.
    writeFileSync(file, '# warm-up\nSET_VOLTAGE 2 100\nSET_VOLTAGE_AND_CHECK 1 14000 1 600\nACQUIRE 30\nSET_VOLTAGE_AND_CHECK 2 200 0.5 600\n');
    // Another client keeps block 1 busy with a check that cannot end by itself (1 µV, 600 s of
    // server time), so the scenario meets code 8 however long it takes to start.
    const mark = server.output().length;
    const busy = run('hv-client.js', ['--port', String(tcpPort), 'set', '1', '1000', '--check', '--max-error', '0.000001', '--timeout', '600']);
    // Until the server has taken that command, the scenario would find block 1 free.
    await server.printed(/command set_voltage_and_check block 1 to 1000 V/, mark);
    const scenario = spawn(process.execPath, [join(root, 'bin/hv-client.js'), '--port', String(tcpPort), 'scenario', file, '--busy-retry', '0.2'], { cwd: root });
    let stdout = '';
    scenario.stdout.on('data', (d) => (stdout += d));
    const ended = once(scenario, 'close') as Promise<[number | null]>;
    // Once the scenario has met code 8, the calibrator goes to standby, as at the front panel: the
    // busy check stops with code 6 and block 1 takes the next retry, which switches it on again.
    await printedBy(scenario, () => stdout, /error 8 SERVER_BUSY_ERROR: block 1 is busy/);
    expect(await training({ cmd: 'standby', device: 'calibrator' })).toMatchObject({ ok: true });
    const stopped = await busy;
    expect(stopped.stdout).toMatch(/error 6 ALGORITM_ERROR: block 1: set_voltage_and_check to 1000 V stopped/);
    const [code] = await ended;
    const r = { stdout, code };
    expect(r.stdout).toMatch(/line 2: SET_VOLTAGE 2 100\n.*set_voltage block 2: ok/);
    expect(r.stdout).toMatch(/error 8 SERVER_BUSY_ERROR: block 1 is busy/);
    expect(r.stdout).toMatch(/set_voltage_and_check block 1: ok at 1[34]\d{3}\.\d{3} V \(error -?0\.\d{3} V\)/);
    expect(r.stdout).toMatch(/line 4: skipped, not an HV command: ACQUIRE 30/);
    expect(r.stdout).toMatch(/set_voltage_and_check block 2: ok at (199|200)\.\d{3} V/);
    expect(r.code).toBe(0);
  });

  it('watch prints readings as they come, and JSON lines with --json', async () => {
    for (const [args, pattern] of [
      [[], /^\d\d:\d\d:\d\d\.\d{3}  reading  block 1  -?\d+\.\d{3} V$/m],
      [['--json'], /^\{"type":"answer","answer_type":"get_voltage","block":1,"voltage":-?[\d.e-]+\}$/m],
    ] as const) {
      const watch = spawn(process.execPath, [join(root, 'bin/hv-client.js'), '--port', String(tcpPort), 'watch', ...args], { cwd: root });
      let seen = '';
      watch.stdout.on('data', (d) => (seen += d));
      await printedBy(watch, () => seen, pattern);
      const exited = new Promise((r) => watch.on('exit', r));
      watch.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });

  it('stops on SIGTERM with exit code 0, leaving the readings in the daily -virtual TSV', async () => {
    expect(await server.stop()).toBe(0);
    expect(server.output()).toMatch(/readings log flushed and closed/);
    const files = readdirSync(join(dataDir, 'HV'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d\d-\d\d-\d\d-virtual\.tsv$/);
    const rows = readFileSync(join(dataDir, 'HV', files[0]!), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('timestamp\tHV');
    expect(rows.length).toBeGreaterThan(5);
    // The JSON log rolls (hv-server.<date>.<n>.log); current.log links to the file being written,
    // which the flush at exit has written to the end.
    expect(readdirSync(join(dataDir, 'logs'))).toEqual(expect.arrayContaining([expect.stringMatching(/^hv-server\.\d{4}-\d\d-\d\d\.1\.log$/), 'current.log']));
    const logLines = readFileSync(join(dataDir, 'logs/current.log'), 'utf8').trim().split('\n');
    expect(JSON.parse(logLines.at(-1)!)).toMatchObject({ msg: 'stopped' });
  });
});
