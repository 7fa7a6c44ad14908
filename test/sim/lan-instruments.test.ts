// hv-sim instruments as its own process, driven by hv-server over TCP (raw sockets and a
// Prologix-style adapter); the server survives the simulator being killed and started again.
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommand, HvConnection } from '../../src/hv/client/hv-connection.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hv-lan-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Twelve consecutive free ports, so a restarted simulator can take the same ones again. */
async function freePortRange(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const checks = await Promise.all(Array.from({ length: 12 }, (_, i) => portIsFree(base + i)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error('no free range of 12 ports');
}

function start(bin: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const child = spawn(process.execPath, [join(root, 'bin', bin), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} did not start:\n${output}`)), 15_000);
    const poll = setInterval(() => {
      const match = output.match(ready);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ child, match, output: () => output });
      }
    }, 20);
  });
}

function startSim(base: number) {
  return start('hv-sim.js', ['instruments', '--base-port', String(base), '--prologix-port', String(base + 8), '--control-port', String(base + 9), '--time-scale', '20'], /^(\{.*\})$/m);
}

async function checkUntilOk(conn: HvConnection, voltage: number, deadlineMs: number): Promise<Record<string, unknown>> {
  const until = Date.now() + deadlineMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < until) {
    const answer = conn.answer(10_000);
    conn.send(checkCommand(1, voltage, 0.1, 20));
    last = await answer;
    if (last.status === 'ok') return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

describe.each(['lan-sockets', 'lan-prologix'])('hv-server with examples/%s.yaml and hv-sim in its own process', (example) => {
  it('reads, answers set_voltage_and_check ok, and survives the simulator being killed and restarted', async () => {
    const base = await freePortRange();
    const sim = await startSim(base);
    const ports = JSON.parse(sim.match[1]!) as Record<string, number>;
    expect(Object.keys(ports).sort()).toEqual(['ao', 'calibrator', 'control', 'prologix', 'voltmeter-1', 'voltmeter-2', 'voltmeter-gun']);
    expect(ports).toMatchObject({ calibrator: base, ao: base + 1, prologix: base + 8, control: base + 9 });

    const config = readFileSync(join(root, 'examples', `${example}.yaml`), 'utf8')
      .replace(/5025/g, String(ports.calibrator)).replace(/5026/g, String(ports.ao))
      .replace(/5027/g, String(ports['voltmeter-1'])).replace(/5028/g, String(ports['voltmeter-2']))
      .replace(/1234/g, String(ports.prologix));
    const configFile = join(dir, `${example}.yaml`);
    writeFileSync(configFile, config);
    const server = await start('hv-server.js', ['--config', configFile, '--time-scale', '20', '--tcp-port', '0', '--http-port', '0', '--data-dir', join(dir, example)], /ready: TCP [\d.]+:(\d+), HTTP/);
    const online = await HvConnection.open('127.0.0.1', Number(server.match[1]));

    const first = await checkUntilOk(online, 18600, 15_000);
    expect(first).toMatchObject({ status: 'ok' });
    expect(Math.abs(first.error as number)).toBeLessThanOrEqual(0.1);
    expect(online.received.some((m) => m.answer_type === 'get_voltage' && m.block === 1)).toBe(true);

    sim.child.kill('SIGKILL');
    await new Promise((r) => sim.child.once('exit', r));
    // While the instruments are gone, commands are refused with code 6 and the reason.
    let refused: Record<string, unknown> = {};
    for (let i = 0; i < 50 && refused.error_code !== 6; i++) {
      const answer = online.answer(10_000);
      online.send(checkCommand(1, 18000, 0.1, 20));
      refused = await answer;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(refused).toMatchObject({ error_code: 6 });
    // Code 6, naming the instrument that went away (refused, closed, or a write that failed: it depends on the moment).
    expect(String(refused.description)).toMatch(/(in error|failed): .*(TCPIP|PRLGX-TCPIP)::127\.0\.0\.1::\d+::(SOCKET|INTFC)/);

    await startSim(base);
    const again = await checkUntilOk(online, 18000, 20_000);
    expect(again).toMatchObject({ status: 'ok' });
    expect(server.child.exitCode).toBeNull();
    server.child.kill('SIGTERM');
    expect(await new Promise((r) => server.child.once('exit', r))).toBe(0);
    expect(server.output()).toMatch(/restarted voltmeter-divider-1/);
  }, 60_000);
});
