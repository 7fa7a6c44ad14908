// On real instruments the training back door does not exist: its page, script and API answer 404,
// whoever asks, and the operator page hides the link.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/kit/clock/clock.js';
import { loadConfig } from '../../src/hv/config/load-config.js';
import { silentLogger } from '../../src/kit/log/logger.js';
import { startServer } from '../../app/start-server.js';
import { startLanInstruments } from '../../sim/lan-instruments.js';

describe('training controls on real instruments', () => {
  it('answer 404, page, script and API alike, and are reported as absent', async () => {
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
    const refused = await fetch(`${base}/api/training`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"cmd":"reset"}' });
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain('training');
    for (const path of ['/training', '/web/training.html', '/web/training.js', '/web/training-faults.js', '/web/training-presets.js', '/api/training']) expect((await fetch(`${base}${path}`)).status).toBe(404);
    // The pages that do exist still answer.
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect(((await (await fetch(`${base}/api/status`)).json()) as { training: boolean }).training).toBe(false);
    await server.stop();
    await lan.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
