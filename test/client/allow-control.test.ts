// `hv-server --allow-control` as a user runs it: the addresses given replace the config's list, so
// Online's host controls and the control PC itself only watches; a bad address or token file
// stops the server at start with exit code 2 and a sentence naming it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { root, runToEnd, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';
import { openRaw } from '../helpers/raw-client.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hv-allow-'));
let server: ServerProcess;
let tcpPort = 0;

const runServer = (args: string[]) =>
  runToEnd(process.execPath, [join(root, 'bin/hv-server.js'), '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, ...args], { ...process.env, NO_COLOR: '1' });

beforeAll(async () => {
  server = await startServerProcess(['--sim', '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--time-scale', '20', '--allow-control', '127.0.0.2', '--allow-control', '10.0.0.0/8,fd00::/8']);
  tcpPort = server.tcpPort;
});

afterAll(async () => {
  // Stopped and gone before its data directory goes: a server killed outright would still be writing in it.
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function answerFrom(localAddress: string) {
  const raw = await openRaw(tcpPort, '127.0.0.1', localAddress);
  raw.socket.write(encodeEnvelope(setVoltageCommand(2, 40)));
  await eventually(() => raw.received.some((m) => m.type === 'reply' || m.answer_type === 'set_voltage'));
  raw.socket.destroy();
  return raw.received.find((m) => m.type === 'reply' || m.answer_type === 'set_voltage');
}

describe('hv-server --allow-control', () => {
  it('gives control to the addresses given, and only to them', async () => {
    expect(await answerFrom('127.0.0.2')).toMatchObject({ answer_type: 'set_voltage', status: 'ok' });
    expect(await answerFrom('127.0.0.1')).toMatchObject({ error_code: 9, description: expect.stringMatching(/^client 127\.0\.0\.1 may not change outputs/) });
  });

  it('an address that cannot be read: exit 2, naming it', async () => {
    const r = await runServer(['--sim', '--allow-control', '127.0.0.1,online-pc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`hv-server: configuration: key 'access.control[1]' is "online-pc"; expected an IP address (127.0.0.1, ::1) or a CIDR block (10.0.0.0/24, fd00::/8); host names are not looked up\n`);
  });

  it('a token file that cannot be read: exit 2, naming it', async () => {
    const config = join(dataDir, 'tokens.yaml');
    writeFileSync(config, `sim: true\naccess:\n  token_file: ${join(dataDir, 'no-such-file')}\n`);
    const r = await runServer(['--config', config, '--log-level', 'fatal']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`cannot start: configuration: token file ${join(dataDir, 'no-such-file')} cannot be read: ENOENT`);
  });
});
