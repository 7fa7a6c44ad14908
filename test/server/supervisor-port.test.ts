// hv-server's supervising process binds Online's port itself, before it starts the server's
// process: the port then waits for one Node start, not two. What it reads for that (port-flags.ts,
// early-tcp-settings.ts) is what the server reads, or nothing: then the server binds the port as
// before and says what is wrong. The connections it accepts before the server listens are handed
// to the server unread and served. The process tests hold the server's process before any of its
// code runs (test/fixtures/supervisor/hold-worker.cjs) for as long as they need: nothing depends on
// how fast the machine starts a process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KIT_FLAGS, portFlags } from '../../src/kit/cli/port-flags.js';
import { kitProgram } from '../../src/kit/cli/kit-program.js';
import { FileForWorkers, portToBind } from '../../src/kit/cli/supervise-if-wanted.js';
import { earlyTcpSettings } from '../../src/kit/config/early-tcp-settings.js';
import { readConfigFile } from '../../src/kit/config/read-config-file.js';
import { EnvelopeDecoder } from '../../src/kit/protocol/envelope-decoder.js';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { eventuallyWithin, sendAsOnline } from '../helpers/eventually.js';
import { printedBy, root } from '../helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-supervisor-port-'));
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('what the supervising process reads of the command line', () => {
  it('knows every flag of the server’s command line, each taking a value as the server’s parser does', () => {
    const program = kitProgram({ name: 'hv-server', description: '', version: '0', supervised: true });
    const server = Object.fromEntries(
      program.options.filter((o) => o.long !== '--version').map((o) => [o.long, o.required ? 'value' : 'switch']),
    );
    const ours = Object.fromEntries(Object.entries(KIT_FLAGS).map(([flag, { kind }]) => [flag, kind === 'switch' ? 'switch' : 'value']));
    expect(ours).toEqual(server);
  });

  it('reads the config file and the TCP address, the last one given counting, in both spellings', () => {
    expect(portFlags([])).toEqual({});
    expect(portFlags(['--sim', '--tcp-port', '6000', '--http-port', '0', '--data-dir', 'd', '--time-scale', '10', '--log-level', 'info'])).toEqual({ tcpPort: 6000 });
    expect(portFlags(['--config=rack.yaml', '--tcp-host', '0.0.0.0', '--tcp-port=1', '--tcp-port', '2'])).toEqual({ config: 'rack.yaml', tcpHost: '0.0.0.0', tcpPort: 2 });
    expect(portFlags(['--allow-control', '10.0.0.0/8', '--allow-control=::1'])).toEqual({});
  });

  it.each([
    ['help', ['--help']],
    ['help, short', ['-h']],
    ['the version', ['--version']],
    ['an unknown flag', ['--sim', '--tcp-prot', '6000']],
    ['a port that is not an integer', ['--tcp-port', '55.5']],
    ['a time scale that is not a number', ['--time-scale', 'fast']],
    ['a flag without its value', ['--tcp-port']],
    ['a flag where its value should be', ['--config', '--sim']],
    ['a value given to a switch', ['--sim=yes']],
    ['an argument', ['--sim', 'extra']],
    ['the end of the flags', ['--', '--sim']],
  ])('leaves the command line to the server for %s', (_, argv) => {
    expect(portFlags(argv)).toBeNull();
  });

  it('binds where the server would: the same settings from the same flags and file, none where the file does not do', async () => {
    const yaml = join(dir, 'rack.yaml');
    writeFileSync(yaml, 'tcp: { host: 127.0.0.2, port: 6000, backlog: 64 }\n');
    expect(await portToBind(['--config', yaml])).toEqual(earlyTcpSettings({ config: yaml }, readConfigFile));
    expect(await portToBind(['--config', yaml])).toMatchObject({ host: '127.0.0.2', port: 6000, backlog: 64 });
    expect(await portToBind(['--config', yaml, '--tcp-port', '6001'])).toMatchObject({ host: '127.0.0.2', port: 6001 });
    expect(await portToBind(['--sim'])).toEqual(earlyTcpSettings({}, readConfigFile));
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'tcp: [\n');
    expect(await portToBind(['--config', broken])).toBeNull();
    expect(await portToBind(['--config', join(dir, 'missing.yaml')])).toBeNull();
    expect(await portToBind(['--help'])).toBeNull();
  });

  it('leaves the port to the server on Windows, where stopping accepting would reset a connection matched to this process', async () => {
    expect(await portToBind(['--sim'], undefined, 'linux')).not.toBeNull();
    expect(await portToBind(['--sim'], undefined, 'win32')).toBeNull();
    // The file is still read once there: its document goes to the server, which binds the port.
    const yaml = join(dir, 'windows.yaml');
    writeFileSync(yaml, 'tcp: { port: 6002 }\n');
    const file = new FileForWorkers();
    expect(await portToBind(['--config', yaml], file, 'win32')).toBeNull();
    expect(file.forWorker()).toStrictEqual({ path: yaml, document: { tcp: { port: 6002 } } });
  });
});

interface Started {
  process: ChildProcess;
  output: () => string;
  printed: (pattern: RegExp) => Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** hv-server as a user starts it, with every node process of it noted on stderr and, with `fifo`, its server worker held until the FIFO is written. */
function startHeld(args: string[], fifo?: string): Started {
  const env = { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--require ${join(root, 'test/fixtures/supervisor/hold-worker.cjs')}`, ...(fifo ? { HV_TEST_HOLD_FIFO: fifo } : {}) };
  const child = spawn(process.execPath, [join(root, 'bin/hv-server.js'), ...args], { cwd: root, env });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (running.delete(child), resolve(code))));
  return { process: child, output: () => output, printed: (pattern) => printedBy(child, () => output, pattern), exited };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

/** A client of Online's port: what it received, and whether its connection ended. */
interface Client {
  socket: Socket;
  readings: Meta[];
  answers: Meta[];
  closed: boolean;
}

function connectClient(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const client: Client = { socket, readings: [], answers: [], closed: false };
    const decoder = new EnvelopeDecoder();
    socket.on('data', (chunk) => {
      for (const e of decoder.push(chunk)) {
        if (e.kind !== 'message') continue;
        if (e.envelope.meta.answer_type === 'get_voltage') client.readings.push(e.envelope.meta);
        else client.answers.push(e.envelope.meta);
      }
    });
    socket.on('close', () => (client.closed = true));
    socket.once('error', reject);
    socket.once('connect', () => resolve(client));
  });
}

const setBlock2 = { type: 'command', command_type: 'set_voltage', block: '2', voltage: 100 };

const serverArgs = (port: number) => ['--sim', '--tcp-port', String(port), '--http-port', '0', '--data-dir', join(dir, `data-${port}`), '--time-scale', '10', '--log-level', 'info'];

describe('hv-server binds Online’s port before its server runs', () => {
  it.skipIf(process.platform === 'win32')('accepts while the server’s process is held before any of its code, and the server serves every connection made meanwhile', async () => {
    const fifo = join(dir, 'hold');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const port = await freePort();
    const hv = startHeld(serverArgs(port), fifo);
    const held = await hv.printed(/hv-test: server worker (\d+) held before its code runs/);
    const worker = Number(held[1]);

    // The server's process exists and has run none of its code: the port accepts all the same.
    const clients = [await connectClient(port), await connectClient(port), await connectClient(port)];
    // Online's first words, sent before any server could read them.
    clients[0]!.socket.write(encodeEnvelope(setBlock2));
    expect(hv.output()).not.toMatch(/ready: TCP/);

    await writeFile(fifo, 'go');
    const ready = await hv.printed(/ready: TCP .*"server_pid":(\d+)/);
    expect(Number(ready[1])).toBe(worker);
    expect(hv.output()).toMatch(new RegExp(`Online's port 127\\.0\\.0\\.1:${port} is held by the supervising process \\(pid ${hv.process.pid}\\)`));

    // The command sent before the server ran is answered: busy (8) while the server starts, and Online sends it again.
    await eventuallyWithin(() => clients[0]!.answers.length > 0, 60_000, hv.output);
    expect([clients[0]!.answers[0]]).toEqual([expect.objectContaining({ error_code: 8 }) as unknown]);
    // Every early connection is kept and receives the readings.
    await eventuallyWithin(() => clients.every((c) => c.readings.length >= 2), 60_000, hv.output);
    expect(clients.map((c) => c.closed)).toEqual([false, false, false]);
    // And commands from then on are served as any.
    const online = { answers: clients[1]!.answers, send: (meta: Meta) => clients[1]!.socket.write(encodeEnvelope(meta)) };
    await sendAsOnline(online, setBlock2, 60_000, hv.output);
    expect(online.answers.at(-1)).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });

    for (const c of clients) c.socket.destroy();
    hv.process.kill('SIGTERM');
    expect(await hv.exited).toBe(0);
  }, 120_000);

  it.skipIf(process.platform === 'win32')('gives the server the configuration file as it read it: the file is read and parsed once', async () => {
    const fifo = join(dir, 'hold-config');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const port = await freePort();
    const config = join(dir, 'read-once.yaml');
    writeFileSync(config, 'sim: true\nlog: { console_level: info }\n');
    const hv = startHeld(['--config', config, '--tcp-port', String(port), '--http-port', '0', '--data-dir', join(dir, `data-${port}`), '--time-scale', '10'], fifo);
    await hv.printed(/hv-test: server worker (\d+) held before its code runs/);
    // Read by the supervising process already (it bound the port from it): a server that read the
    // file again now would refuse it (exit 2, not valid YAML).
    writeFileSync(config, 'log: [\n');
    await writeFile(fifo, 'go');
    await hv.printed(/ready: TCP/);
    expect(hv.output()).not.toMatch(/not valid YAML/);
    hv.process.kill('SIGTERM');
    expect(await hv.exited).toBe(0);
  }, 120_000);

  describe('on a port in use', () => {
    let taken: Server;
    let port: number;

    it('exits 1 with the sentence the server would say, and starts no server process', async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      port = (taken.address() as { port: number }).port;
      const hv = startHeld(serverArgs(port));
      expect(await hv.exited).toBe(1);
      expect(hv.output()).toMatch(new RegExp(`^hv-server: cannot listen for Online on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\); is another server running\\?$`, 'm'));
      expect(hv.output()).toMatch(/hv-test: node process \d+ started \(first process\)/);
      expect(hv.output()).not.toMatch(/server worker/);
    });

    it.each([
      ['--help', 0, /Usage: hv-server/],
      ['--tcp-port=abc', 1, /--tcp-port is "abc"; expected an integer/],
    ])('leaves %s to the server, which says so before it would bind the port', async (flag, code, said) => {
      const hv = startHeld([...serverArgs(port), flag]);
      expect(await hv.exited).toBe(code);
      expect(hv.output()).toMatch(said);
      expect(hv.output()).toMatch(/server worker/);
      expect(hv.output()).not.toMatch(/cannot listen/);
    });

    afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  });
});
