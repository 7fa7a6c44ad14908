// `hv-server check-config` on the lab's own config (examples/rack-linux.yaml), run as the engineer runs
// it, against simulated instruments: the GPIB ones behind the VISA test library, the ADAM module
// on its LAN port (the serial line is the one thing swapped). Every instrument is identified, and
// the simulators prove that nothing but identification was asked: no output can have changed.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/kit/clock/clock.js';
import { loadConfig } from '../../src/hv/config/load-config.js';
import { startLanInstruments, type LanInstruments } from '../../sim/lan-instruments.js';
import { root } from '../helpers/server-process.js';
import { buildVisaSimLibrary } from '../helpers/visa-sim-library.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hv-check-'));
let lan: LanInstruments;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const defaults = loadConfig();
  lan = await startLanInstruments({ host: '127.0.0.1', basePort: 0, prologixPort: 0, controlPort: 0, clock: new ScaledClock(1), blocks: defaults.blocks, voltmeters: defaults.voltmeters });
  env = {
    ...process.env,
    HV_VISA_SIM_GPIB_4: `127.0.0.1:${lan.ports.calibrator}`,
    HV_VISA_SIM_GPIB_20: `127.0.0.1:${lan.ports['voltmeter-1']}`,
    HV_VISA_SIM_GPIB_21: `127.0.0.1:${lan.ports['voltmeter-2']}`,
    HV_VISA_SIM_GPIB_22: `127.0.0.1:${lan.ports['voltmeter-gun']}`,
  };
  const rack = readFileSync(join(root, 'examples', 'rack-linux.yaml'), 'utf8')
    .replace('visa_library: null', `visa_library: ${buildVisaSimLibrary()}`)
    .replace('"ASRL/dev/ttyUSB0::INSTR"', `"TCPIP::127.0.0.1::${lan.ports.ao}::SOCKET"`);
  expect(rack).toContain(`::${lan.ports.ao}::SOCKET`);
  writeFileSync(join(dir, 'rack.yaml'), rack);
  writeFileSync(join(dir, 'bad.yaml'), rack.replace('"GPIB0::21::INSTR"', '"GPIB0::21"'));
  writeFileSync(join(dir, 'absent.yaml'), rack.replace('"GPIB0::22::INSTR"', '"GPIB0::23::INSTR"').replace(`"TCPIP::127.0.0.1::${lan.ports.ao}::SOCKET"`, '"ASRL/dev/ttyNOPE9::INSTR"'));
});

afterAll(async () => {
  await lan.close();
  rmSync(dir, { recursive: true, force: true });
});

const checkConfig = (file: string) =>
  run(process.execPath, [join(root, 'bin/hv-server.js'), 'check-config', file], { cwd: dir, env }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('hv-server check-config', () => {
  it('identifies every instrument of examples/rack-linux.yaml and changes no output', async () => {
    const drives = () => [1, 2].map((block) => lan.rack.plants.get(block)!.drive);
    const before = drives();
    const { code, stdout } = await checkConfig(join(dir, 'rack.yaml'));
    expect(stdout).toMatch(/valid; the real rack \(sim: false\), 2 block\(s\), 3 voltmeter\(s\)/);
    expect(stdout).toMatch(/^ok +blocks\[0\]\.output .*GPIB0::4::INSTR: FLUKE,5502E,/m);
    expect(stdout).toMatch(/^ok +blocks\[1\]\.output .*: !014024/m);
    for (const [i, address] of [20, 21, 22].entries()) expect(stdout).toMatch(new RegExp(`^ok +voltmeters\\[${i}\\] .*GPIB0::${address}::INSTR: HEWLETT-PACKARD,34401A`, 'm'));
    expect(stdout).toMatch(/5 of 5 instruments identified/);
    expect(code).toBe(0);
    // Through the simulators: each was asked who it is, and nothing else.
    expect(lan.rack.output(1).received).toEqual(['*IDN?']);
    expect(lan.rack.output(2).received).toEqual(['$01M']);
    for (const id of ['divider-1', 'divider-2', 'gun']) expect(lan.rack.voltmeter(id).received).toEqual(['*IDN?']);
    expect(drives()).toEqual(before);
  });

  it('exit 1 for instruments that are not there, with where this system lists its serial ports and VISA resources', async () => {
    const { code, stdout } = await checkConfig(join(dir, 'absent.yaml'));
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAILED +blocks\[1\]\.output .*ASRL\/dev\/ttyNOPE9::INSTR/m);
    expect(stdout).toMatch(/^FAILED +voltmeters\[2\] .*GPIB0::23::INSTR/m);
    expect(stdout).toMatch(/3 of 5 instruments identified/);
    expect(stdout).toMatch(/^hint: serial ports on this PC: ls -l \/dev\/serial\/by-id\//m);
    expect(stdout).toMatch(/^hint: VISA resources on this PC: /m);
  });

  it('refuses a bad resource with exit 2 and one sentence naming the key, the value and the choices, opening nothing', async () => {
    const { code, stdout, stderr } = await checkConfig(join(dir, 'bad.yaml'));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim()).toMatch(/^hv-server check-config: configuration: key 'voltmeters\[1\]\.resource' is "GPIB0::21", which is not a resource string; expected one like GPIB0::20::INSTR/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
