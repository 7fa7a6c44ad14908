// The whole server with its GPIB instruments behind VISA (examples/visa.yaml): koffi, the VISA
// test library, the simulated instruments on their LAN ports, and Online's protocol on top.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand, HvConnection } from '../../src/hv/client/hv-connection.js';
import { ScaledClock } from '../../src/kit/clock/clock.js';
import { loadConfig } from '../../src/hv/config/load-config.js';
import { silentLogger } from '../../src/kit/log/logger.js';
import { startServer, type RunningServer } from '../../app/start-server.js';
import { startLanInstruments, type LanInstruments } from '../../sim/lan-instruments.js';
import { untilReady } from '../helpers/server-process.js';
import { buildVisaSimLibrary } from '../helpers/visa-sim-library.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-visa-'));
let lan: LanInstruments;
let server: RunningServer;

beforeAll(async () => {
  const clock = new ScaledClock(20);
  const defaults = loadConfig();
  lan = await startLanInstruments({ host: '127.0.0.1', basePort: 0, prologixPort: 0, controlPort: 0, clock, blocks: defaults.blocks, voltmeters: defaults.voltmeters });
  process.env.HV_VISA_SIM_GPIB_4 = `127.0.0.1:${lan.ports.calibrator}`;
  process.env.HV_VISA_SIM_GPIB_20 = `127.0.0.1:${lan.ports['voltmeter-1']}`;
  process.env.HV_VISA_SIM_GPIB_21 = `127.0.0.1:${lan.ports['voltmeter-2']}`;
  const example = readFileSync(new URL('../../examples/visa.yaml', import.meta.url), 'utf8')
    .replace('visa_library: sim/visa/libvisa-sim.so', `visa_library: ${buildVisaSimLibrary()}`)
    .replace('5026', String(lan.ports.ao));
  writeFileSync(join(dir, 'visa.yaml'), example);
  const config = loadConfig({ config: join(dir, 'visa.yaml'), tcpPort: 0, httpPort: 0, dataDir: dir, timeScale: 20 });
  // VISA waits in real time, a twentieth of these at ×20 (the 2 s default: 100 ms), for instruments
  // this very process answers over TCP: a busy machine can take longer. At these, 3 s of real time.
  config.instruments.query_timeout_s = 60;
  for (const meter of config.voltmeters) meter.reading_timeout_s = 60;
  server = await startServer({ config, clock, log: silentLogger() });
});

afterAll(async () => {
  await server.stop();
  await lan.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hv-server over VISA (examples/visa.yaml)', () => {
  it('answers set_voltage_and_check ok through koffi, the VISA library and GPIB addresses 4 and 20', async () => {
    // Once every instrument has answered (the blocks have read their outputs, the voltmeters a reading), one command.
    await untilReady(server.http.port);
    const online = await HvConnection.open(server.tcp.host, server.tcp.port);
    // Real time and real sockets: the check takes about 20 s of the rack's time (1 s here); its timeout (600 s, 30 s here)
    // and the wait for the answer only bound one that never comes, at over 10 times that.
    const pending = online.answer(30_000);
    online.send(checkCommand(1, 18600, 0.1, 600));
    const answer = await pending;
    expect(answer).toMatchObject({ status: 'ok' });
    expect(Math.abs(answer.error as number)).toBeLessThanOrEqual(0.1);
    expect(lan.rack.output(1).received.some((m) => /^OUT 5\.3131\d\d V;OPER;ERR\?$/.test(m))).toBe(true);
    await online.close();
  }, 40_000);
});
