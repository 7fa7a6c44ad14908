// hv-sim instruments as its own process, driven by hv-server over TCP (raw sockets and a
// Prologix-style adapter); the server survives the simulator being killed and started again.
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommand, HvConnection } from '../../src/hv/client/hv-connection.js';
import { freePortRange } from '../helpers/free-ports.js';
import { printedBy, untilReady } from '../helpers/server-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hv-lan-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(bin: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const child = spawn(process.execPath, [join(root, 'bin', bin), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return printedBy(child, () => output, ready).then((match) => ({ child, match, output: () => output }));
}

function startSim(base: number) {
  return start('hv-sim.js', ['instruments', '--base-port', String(base), '--prologix-port', String(base + 8), '--control-port', String(base + 9), '--time-scale', '20'], /^(\{.*\})$/m);
}

/**
 * Once the server says every instrument answers (/readyz), one check. Real time and real sockets
 * between three processes: the check takes about 20 s of the rack's time (1 s here); its timeout
 * (600 s, 30 s here) and the wait for its answer only bound one that never comes, at over 10 times that.
 */
async function checkWhenReady(conn: HvConnection, httpPort: number, voltage: number): Promise<Record<string, unknown>> {
  await untilReady(httpPort);
  const answer = conn.answer(40_000);
  conn.send(checkCommand(1, voltage, 0.1, 600));
  return answer;
}

describe.each(['lan-sockets', 'lan-prologix'])('hv-server with examples/%s.yaml and hv-sim in its own process', (example) => {
  it('reads, answers set_voltage_and_check ok, and survives the simulator being killed and restarted', async () => {
    const base = await freePortRange(12);
    const sim = await startSim(base);
    const ports = JSON.parse(sim.match[1]!) as Record<string, number>;
    expect(Object.keys(ports).sort()).toEqual(['ao', 'calibrator', 'control', 'prologix', 'voltmeter-1', 'voltmeter-2', 'voltmeter-gun']);
    expect(ports).toMatchObject({ calibrator: base, ao: base + 1, prologix: base + 8, control: base + 9 });

    // The instruments answer from another process: at ×20 the default time-outs (a query 2 s, a
    // reading 7.5 s of the rack's time) are a tenth or a third of a second of real time, which a
    // busy machine can miss. At these, 3 s of real time.
    const config = `instruments: { query_timeout_s: 60 }\n${readFileSync(join(root, 'examples', `${example}.yaml`), 'utf8')}`
      .replace(/5025/g, String(ports.calibrator)).replace(/5026/g, String(ports.ao))
      .replace(/5027/g, String(ports['voltmeter-1'])).replace(/5028/g, String(ports['voltmeter-2']))
      .replace(/1234/g, String(ports.prologix))
      .replace(/series: (HV2?) \}/g, 'series: $1, reading_timeout_s: 60 }');
    const configFile = join(dir, `${example}.yaml`);
    writeFileSync(configFile, config);
    const server = await start('hv-server.js', ['--config', configFile, '--time-scale', '20', '--tcp-port', '0', '--http-port', '0', '--data-dir', join(dir, example)], /ready: TCP [\d.]+:(\d+), HTTP http:\/\/[^/]+:(\d+)\//);
    const httpPort = Number(server.match[2]);
    const online = await HvConnection.open('127.0.0.1', Number(server.match[1]));

    const first = await checkWhenReady(online, httpPort, 18600);
    expect(first).toMatchObject({ status: 'ok' });
    expect(Math.abs(first.error as number)).toBeLessThanOrEqual(0.1);
    expect(online.received.some((m) => m.answer_type === 'get_voltage' && m.block === 1)).toBe(true);

    sim.child.kill('SIGKILL');
    await new Promise((r) => sim.child.once('exit', r));
    // While the instruments are gone, commands are refused with code 6 and the reason: sent again,
    // as Online does, until the server has found them gone (a check taken just before that ends in
    // code 6 too, when its write fails).
    let refused: Record<string, unknown> = {};
    while (refused.error_code !== 6) {
      const answer = online.answer(40_000);
      online.send(checkCommand(1, 18000, 0.1, 600));
      refused = await answer;
      if (refused.error_code !== 6) await new Promise((r) => setTimeout(r, 100));
    }
    expect(refused).toMatchObject({ error_code: 6 });
    // Code 6, naming the instrument that went away (refused, closed, or a write that failed: it depends on the moment).
    expect(String(refused.description)).toMatch(/(in error|failed): .*(TCPIP|PRLGX-TCPIP)::127\.0\.0\.1::\d+::(SOCKET|INTFC)/);

    await startSim(base);
    const again = await checkWhenReady(online, httpPort, 18000);
    expect(again).toMatchObject({ status: 'ok' });
    expect(server.child.exitCode).toBeNull();
    server.child.kill('SIGTERM');
    expect(await new Promise((r) => server.child.once('exit', r))).toBe(0);
    expect(server.output()).toMatch(/restarted voltmeter-divider-1/);
  }, 120_000);
});
