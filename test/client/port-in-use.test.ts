// A port already taken stops hv-server at start with one sentence and exit 1 (not 2: the config
// is fine, and a service manager should try again once the old server has gone), no stack trace.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-port-'));
let taken: Server;
let port: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => taken.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(root, 'bin/hv-server.js'), '--data-dir', join(dir, 'data'), ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('hv-server on a port in use', () => {
  it.each([
    ['Online’s TCP port', () => ['--tcp-port', String(port), '--http-port', '0'], /cannot listen for Online on 127\.0\.0\.1:\d+ \(EADDRINUSE\); is another server running\?/],
    ['the HTTP port', () => ['--tcp-port', '0', '--http-port', String(port)], /cannot listen for the web pages and websocket on 127\.0\.0\.1:\d+: the port is in use; is another server running\?/],
  ])('%s: exit 1, one sentence, no stack trace', async (_, args, message) => {
    const { code, output } = await run(args());
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).not.toMatch(/sonic boom/i);
    expect(code).toBe(1);
  });
});
