// Issue-level precision over TCP, on the fitted plant: 0.05 V at 18.6 kV, and the benchmark's report.
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/hv/client/hv-connection.js';
import { startTestServer } from '../helpers/test-server.js';

describe('precision', () => {
  it('answers set_voltage_and_check ok with |error| ≤ 0.05 V for a 0.05 V tolerance at 18,600 V', async () => {
    const t = await startTestServer();
    const online = await t.connect();
    const warm = online.answer();
    online.send(checkCommand(1, 18000, 0.1, 20));
    await t.runUntil(warm);
    const answer = online.answer();
    online.send(checkCommand(1, 18600, 0.05, 20));
    const m = await t.runUntil(answer);
    expect(m).toMatchObject({ status: 'ok' });
    expect(Math.abs(m.error as number)).toBeLessThanOrEqual(0.05);
    await t.stop();
  });

  // The whole benchmark: about 10 s of work on a quiet machine, over a minute on a heavily loaded
  // one; the test's bound (180 s) is 18 times the first.
  it('bench:settle runs and writes a well-formed report', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hv-bench-')), 'settle.json');
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const text = execFileSync(process.execPath, [join(root, 'dist/bench/settle.js'), '--json', out, '--seed', '2'], { encoding: 'utf8', stdio: 'pipe' });
    expect(text).toMatch(/\(c\) ours/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { seed: number; strategies: Record<string, Record<string, unknown>> };
    expect(report.seed).toBe(2);
    expect(Object.keys(report.strategies)).toEqual(['none', 'half', 'ours']);
    for (const m of Object.values(report.strategies)) {
      for (const key of ['median_s_to_0_1', 'p95_s_to_0_1', 'median_s_to_0_03', 'p95_s_to_0_03']) {
        expect(m[key] === null || typeof m[key] === 'number', key).toBe(true);
      }
      for (const key of ['ok_fraction_0_1', 'hold_rms_v', 'reading_noise_v', 'reached_0_1', 'reached_0_03']) expect(typeof m[key], key).toBe('number');
    }
  }, 180_000);
});
