// hv-client as a script or a shell user meets it: usage errors exit 2 with a sentence in every
// command, a closed pipe ends `watch` quietly, the check progress stays off stdout, a mistyped
// scenario sends nothing, and --help and the README list the same exit codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientConfig, root, runToEnd, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hv-client-usage-'));
const client = join(root, 'bin/hv-client.js');
let server: ServerProcess;
let port = '';

const run = (args: string[], shell?: string) => (shell ? runToEnd('bash', ['-o', 'pipefail', '-c', shell]) : runToEnd(process.execPath, [client, ...args]));

/** The commands the server has been sent since `mark` (its log names each one). */
const commandsSince = (mark: number) => server.output().slice(mark).match(/command set_voltage\w*/g) ?? [];

beforeAll(async () => {
  server = await startServerProcess(['--sim', '--config', patientConfig(dataDir), '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--time-scale', '20']);
  port = String(server.tcpPort);
});

afterAll(async () => {
  // Stopped and gone before its data directory goes: a server killed outright would still be writing in it.
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('hv-client usage', () => {
  it('refuses --max-error, --timeout and --progress without --check (exit 2), sending nothing', async () => {
    const mark = server.output().length;
    for (const [flag, shown] of [
      [['--max-error', '0.1'], '--max-error 0.1'],
      [['--timeout', '30'], '--timeout 30'],
      [['--progress'], '--progress'],
    ] as const) {
      const r = await run(['--port', port, 'set', '2', '100', ...flag]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: ${shown} is only used with --check (set_voltage_and_check); add --check`);
      expect(r.stdout).toBe('');
    }
    expect(commandsSince(mark)).toEqual([]);
  });

  it('exits 2 on every kind of usage error, in every command', async () => {
    const cases: string[][] = [
      [],
      ['bogus'],
      ['--port', 'x', 'set', '1', '2'],
      ['set'],
      ['set', '1', 'ten'],
      ['set', '1', '2', '3'],
      ['set', '1', '2', '--check', '--timeout', 'soon'],
      ['watch', 'extra'],
      ['watch', '--bogus'],
      ['scenario'],
      ['scenario', join(dataDir, 'no-such-file.txt')],
      ['scenario', dataDir],
      ['scenario', 'x', '--busy-retry', 'later'],
    ];
    for (const args of cases) {
      const r = await run(['--port', port, ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    expect((await run(['scenario', join(dataDir, 'no-such-file.txt')])).stderr).toMatch(/^hv-client: cannot read the scenario file .*no-such-file\.txt: ENOENT/);
  });

  it('lists every exit code in --help of every command, and the README says the same', async () => {
    for (const args of [['--help'], ['set', '--help'], ['watch', '--help'], ['scenario', '--help']]) {
      const help = await run(args);
      expect(help.code).toBe(0);
      for (const code of ['0', '1', '2', '3', '4', '5']) expect(help.stdout).toMatch(new RegExp(`^  ${code}  \\S`, 'm'));
    }
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const start = readme.indexOf('`hv-client` exits');
    const paragraph = readme.slice(start, readme.indexOf('\n\n', start)).replace(/\s+/g, ' ');
    for (const phrase of ['0 on `ok`', '1 when', '2 on bad usage', '3 on an error', '4 when the connection', '5 on an unexpected fault']) expect(paragraph).toContain(phrase);
  });

  it('watch --json | head ends quietly with exit 0 once head has its lines', async () => {
    const r = await run([], `node ${JSON.stringify(client)} --port ${port} watch --json | head -n 3`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
    expect(r.code).toBe(0);
  });

  it('shows the progress of a check on stderr with --progress, leaving stdout as scripts expect', async () => {
    // The timeouts (server time, ×20) only bound a check that never comes: over ten times what it takes on a busy machine.
    const r = await run(['--port', port, 'set', '2', '150', '--check', '--max-error', '0.5', '--timeout', '300', '--progress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^set_voltage_and_check block 2: ok at 1(49|50)\.\d{3} V \(error -?0\.\d{3} V\)\n$/);
    expect(r.stderr).toMatch(/^block 2: -?\d+\.\d{3} V, deviation [+-]\d+\.\d{3} V \(max ±0\.5 V\), \d+\.\d s of 300 s$/m);
    // Without --progress and without a terminal, stderr stays empty.
    const quiet = await run(['--port', port, 'set', '2', '160', '--check', '--max-error', '0.5', '--timeout', '300']);
    expect(quiet.stderr).toBe('');
  });

  it('stops a scenario with a mistyped HV line before sending anything, naming its line', async () => {
    const file = join(dataDir, 'typo.txt');
    writeFileSync(file, '# morning run\nSET_VOLTAGE 2 100\nACQUIRE 30\nSET_VOLTAG 1 100\nSET_VOLTAGE 1 abc\n');
    const mark = server.output().length;
    const r = await run(['--port', port, 'scenario', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('hv-client: scenario line 4: "SET_VOLTAG" is not an HV command; did you mean SET_VOLTAGE?');
    expect(r.stderr).toContain('hv-client: scenario line 5: voltage is "abc"; expected a number');
    expect(r.stderr).toContain('nothing was sent');
    expect(commandsSince(mark)).toEqual([]);
  });
});
