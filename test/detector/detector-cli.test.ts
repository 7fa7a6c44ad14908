// hv-detector, the executable: started as a user starts it, it binds its ports, answers Online's
// framing, publishes count rates, and stops on SIGTERM with exit 0 and its rates on disk.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../src/kit/protocol/envelope-encoder.js';
import { eventually } from '../helpers/eventually.js';
import { openRaw } from '../helpers/raw-client.js';
import { startServerProcess } from '../helpers/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hv-detector-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('hv-detector', () => {
  it('serves a start over TCP, publishes rates, and stops cleanly on SIGTERM', async () => {
    const server = await startServerProcess(['--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--time-scale', '20', '--log-level', 'info'], undefined, 'hv-detector');
    const online = await openRaw(server.tcpPort);
    online.socket.write(encodeEnvelope({ type: 'command', command_type: 'start_acquisition', module: 'det-1', interval_s: 1 }));
    await eventually(() => online.received.filter((m) => m.answer_type === 'count_rate').length >= 3);
    expect(online.received[0]).toMatchObject({ type: 'answer', answer_type: 'start_acquisition', module: 'det-1', status: 'ok' });
    const rates = online.received.filter((m) => m.answer_type === 'count_rate');
    expect(rates.length).toBeGreaterThanOrEqual(3);
    expect(await server.stop()).toBe(0);
    online.socket.destroy();
    const rows = readdirSync(join(dataDir, 'det-1')).flatMap((f) => readFileSync(join(dataDir, 'det-1', f), 'utf8').trim().split('\n').slice(1));
    expect(rows.length).toBeGreaterThanOrEqual(rates.length);
    expect(server.output()).toMatch(/server started .*"manager":"detector"/);
  });
});
