// The lab's Windows rack (examples/rack.yaml) under Wine, on the path the real PC takes: node.exe
// loads koffi, koffi loads visa64.dll from System32 (here the VISA test library, cross-compiled),
// GPIB0::4 and GPIB0::20/21/22 reach the simulated instruments, and ASRL3::INSTR opens COM3, which
// the prefix maps to a socat pseudo-terminal with the simulated ADAM module on its other end. The
// server runs as the service would (service-launcher.exe), with its config and data in folders
// whose names have spaces and Cyrillic letters.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand, HvConnection, setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { SerialInstrumentPort } from '../../sim/adapters/serial-instrument-port.js';
import type { LanInstruments } from '../../sim/lan-instruments.js';
import { serverFlags, startSimulatedRack } from './helpers/simulated-gpib.js';
import { cDrive, launchServer, projectRoot, runNodeExe, until, windowsKit, type LaunchedServer, type WindowsRun } from './helpers/windows-kit.js';

// Five times real time: node.exe and koffi under Wine initialise a 34401A within its 20 s budget
// (at 20 times, 1 s of real time, they did not).
const TIME_SCALE = 5;
const kit = windowsKit();
const ttyDir = mkdtempSync(join(tmpdir(), 'hv-wine-com-'));
let socat: ChildProcess;
let adamPort: SerialInstrumentPort;
let lan: LanInstruments;
let server: LaunchedServer;
let online: HvConnection;
let checked: WindowsRun;

beforeAll(async () => {
  const rack = await startSimulatedRack(TIME_SCALE);
  lan = rack.lan;
  // COM3: one end of a pseudo-terminal pair in the prefix's dosdevices, the ADAM module on the other.
  const hostSide = join(ttyDir, 'com3');
  const moduleSide = join(ttyDir, 'adam');
  socat = spawn('socat', [`pty,raw,echo=0,link=${hostSide}`, `pty,raw,echo=0,link=${moduleSide}`], { stdio: 'ignore' });
  await until(() => existsSync(hostSide) && existsSync(moduleSide), 'socat to create the pseudo-terminals', 10_000);
  rmSync(join(kit.prefix, 'dosdevices/com3'), { force: true });
  symlinkSync(hostSide, join(kit.prefix, 'dosdevices/com3'));
  adamPort = new SerialInstrumentPort(lan.rack.output(2), { clock: rack.clock, latencyMs: 2 });
  await adamPort.open(moduleSide);

  // examples/rack.yaml as it ships: only the addresses the simulators listen on are set.
  const config = cDrive(kit, 'hv config тест/rack.yaml');
  mkdirSync(join(config.linux, '..'), { recursive: true });
  writeFileSync(config.linux, readFileSync(join(projectRoot, 'examples/rack.yaml')));
  const data = cDrive(kit, 'hv data тест');
  // check-config first, as install-service.ps1 runs it, with the gun's voltmeter moved to an
  // address where nothing answers: COM3 is free until the server opens it.
  const absentGun = cDrive(kit, 'hv config тест/rack-absent-gun.yaml');
  writeFileSync(absentGun.linux, readFileSync(config.linux, 'utf8').replace('"GPIB0::22::INSTR"', '"GPIB0::23::INSTR"'));
  checked = await runNodeExe(kit, 'hv-server', ['check-config', absentGun.windows], rack.gpibEnv);
  server = await launchServer(kit, serverFlags(config.windows, data.windows, TIME_SCALE), { stopTimeoutMs: 40_000, extraEnv: rack.gpibEnv });
  online = await HvConnection.open('127.0.0.1', server.tcpPort);
});

afterAll(async () => {
  await online?.close();
  if (server) expect((await server.stop('ctrl-c')).code).toBe(0);
  await adamPort?.close();
  socat?.kill();
  await lan?.close();
  rmSync(ttyDir, { recursive: true, force: true });
});

/** Sends `meta` until it is not refused as busy (code 8: the server is still reading its instruments). */
async function command(meta: Meta, timeoutMs = 60_000): Promise<Meta> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = online.answer(timeoutMs);
    online.send(meta);
    const m = await answer;
    if (m.error_code !== 8 || Date.now() > deadline) return m;
    await online.next((r) => r.answer_type === 'get_voltage', timeoutMs);
  }
}

const calibrator = () => lan.rack.output(1).received;
const adam = () => lan.rack.output(2).received;

describe('the Windows rack under Wine: node.exe, koffi, visa64.dll, COM3', () => {
  it('check-config identifies the instruments through visa64.dll and COM3, and says where Windows lists VISA resources for the one absent', () => {
    const out = checked.output;
    expect(out).toMatch(/^ok +blocks\[0\]\.output .*GPIB0::4::INSTR: FLUKE,5502E,/m);
    expect(out).toMatch(/^ok +blocks\[1\]\.output .*ASRL3::INSTR: !014024/m);
    expect(out).toMatch(/^ok +voltmeters\[0\] .*GPIB0::20::INSTR: HEWLETT-PACKARD,34401A/m);
    expect(out).toMatch(/^FAILED +voltmeters\[2\] .*GPIB0::23::INSTR: .*VI_ERROR_RSRC_NFOUND/m);
    expect(out).toMatch(/4 of 5 instruments identified/);
    expect(out).toMatch(/^hint: VISA resources on this PC: Keysight Connection Expert or NI MAX/m);
    expect(checked.code).toBe(1);
  });

  it('answers set_voltage_and_check ok through visa64.dll at GPIB0::4 (calibrator) and GPIB0::20 (voltmeter)', async () => {
    const answer = await command(checkCommand(1, 18600, 0.1, 40));
    expect(answer).toMatchObject({ status: 'ok' });
    expect(Math.abs(answer.error as number)).toBeLessThanOrEqual(0.1);
    expect(calibrator()).toContain('*IDN?');
    expect(calibrator().some((m) => /^OUT 5\.3131\d\d V;OPER;ERR\?$/.test(m))).toBe(true);
    expect(lan.rack.voltmeter('divider-1').received).toContain('FETC?');
  });

  it('sets block 2 through ASRL3::INSTR: COM3, the pseudo-terminal, the ADAM module', async () => {
    expect(await command(setVoltageCommand(2, 300))).toMatchObject({ status: 'ok' });
    expect(adam()).toContain('$012');
    expect(adam()).toContain('#01+03.000');
  });

  it('a voltmeter that stops answering is a VISA time-out: the check is refused with the reason, and the rack recovers', async () => {
    expect(lan.control.apply({ cmd: 'fault', device: 'voltmeter-1', fault: 'timeout', on: true })).toMatchObject({ ok: true });
    let refused: Meta = {};
    for (let i = 0; i < 20 && refused.error_code !== 6; i++) refused = await command(checkCommand(1, 18000, 0.5, 20));
    expect(refused).toMatchObject({ error_code: 6 });
    expect(String(refused.description)).toMatch(/divider-1.*(VI_ERROR_TMO|within)/);
    expect(lan.control.apply({ cmd: 'fault', device: 'voltmeter-1', fault: 'timeout', on: false })).toMatchObject({ ok: true });
    // Restarted by its supervisor, the voltmeter reads again; then the block checks again.
    await online.next((m) => m.answer_type === 'get_voltage' && m.block === 1, 120_000);
    const recovered = await command(checkCommand(1, 18000, 0.5, 40), 120_000);
    expect(recovered).toMatchObject({ status: 'ok' });
  });

  it('a voltmeter that disappears (off the bus, its connection dropped) fails the block with the VISA reason, and comes back', async () => {
    expect(lan.control.apply({ cmd: 'fault', device: 'voltmeter-1', fault: 'offline', on: true })).toMatchObject({ ok: true });
    expect(lan.control.apply({ cmd: 'drop_connections', device: 'voltmeter-1' })).toMatchObject({ ok: true });
    let refused: Meta = {};
    for (let i = 0; i < 20 && refused.error_code !== 6; i++) refused = await command(checkCommand(1, 17000, 0.5, 20));
    expect(refused).toMatchObject({ error_code: 6 });
    expect(String(refused.description)).toMatch(/divider-1 .*GPIB0::20::INSTR: .*VI_ERROR_(CONN_LOST|RSRC_NFOUND)/);
    expect(lan.control.apply({ cmd: 'fault', device: 'voltmeter-1', fault: 'offline', on: false })).toMatchObject({ ok: true });
    await online.next((m) => m.answer_type === 'get_voltage' && m.block === 1, 120_000);
    expect(await command(checkCommand(1, 17000, 0.5, 40), 120_000)).toMatchObject({ status: 'ok' });
  });
});
