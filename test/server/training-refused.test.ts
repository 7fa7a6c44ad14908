// On real instruments there are no training controls: the server refuses them and the page hides them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/clock/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/log/logger.js';
import { startServer } from '../../src/server.js';
import { startLanInstruments } from '../../sim/lan-instruments.js';

describe('training controls on real instruments', () => {
  it('are refused with 403 and reported as absent', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-real-'));
    const clock = new ScaledClock(1);
    const defaults = loadConfig();
    // Instruments reached over TCP stand for the real rack: the server has no simulator of its own.
    const lan = await startLanInstruments({ host: '127.0.0.1', basePort: 0, prologixPort: 0, controlPort: 0, clock, blocks: defaults.blocks, voltmeters: defaults.voltmeters });
    const config = loadConfig({ sim: false, tcpPort: 0, httpPort: 0, dataDir });
    config.blocks[0]!.output.resource = `TCPIP::127.0.0.1::${lan.ports.calibrator}::SOCKET`;
    config.blocks[1]!.output.resource = `TCPIP::127.0.0.1::${lan.ports.ao}::SOCKET`;
    config.voltmeters[0]!.resource = `TCPIP::127.0.0.1::${lan.ports['voltmeter-1']}::SOCKET`;
    config.voltmeters[1]!.resource = `TCPIP::127.0.0.1::${lan.ports['voltmeter-2']}::SOCKET`;
    config.voltmeters[2]!.resource = `TCPIP::127.0.0.1::${lan.ports['voltmeter-gun']}::SOCKET`;
    const server = await startServer({ config, clock, log: silentLogger() });
    const base = `http://127.0.0.1:${server.http.port}`;
    const refused = await fetch(`${base}/api/training`, { method: 'POST', body: '{"cmd":"reset"}' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ ok: false, error: 'training controls exist only in simulation; this server drives the real rack' });
    expect(((await (await fetch(`${base}/api/status`)).json()) as { training: boolean }).training).toBe(false);
    await server.stop();
    await lan.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
