// hv-sim replay: a simulated day in the lab's CSV form, comparable with the real one.
import { fileURLToPath } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRun, parseRun } from '../../src/hv/calibration/calibration-runs.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const day = join(root, 'test/fixtures/calibration/29.11.2022');

describe('hv-sim replay', () => {
  it('writes as many readings as the real run, at the same voltages, and the same bytes for the same seed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-replay-'));
    const run = (out: string, seed: string) =>
      execFileSync(process.execPath, [join(root, 'bin/hv-sim.js'), 'replay', '--sets', join(day, 'voltage_sets.csv'), '--out', out, '--seed', seed], { encoding: 'utf8', stdio: 'pipe' });
    expect(run(join(dir, 'a.csv'), '5')).toMatch(/^\d+ readings over 3\.\d\d h of simulated time written to .*a\.csv/);
    run(join(dir, 'b.csv'), '5');
    run(join(dir, 'c.csv'), '6');
    const a = readFileSync(join(dir, 'a.csv'), 'utf8');
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe(a);
    expect(readFileSync(join(dir, 'c.csv'), 'utf8')).not.toBe(a);
    const simulated = parseRun('sim', readFileSync(join(day, 'voltage_sets.csv'), 'utf8'), a);
    const real = loadRun(day);
    expect(Math.abs(simulated.readings.length / real.readings.length - 1)).toBeLessThan(0.01);
    const last = (r: typeof real) => r.readings.at(-1)!.hv;
    expect(Math.abs(last(simulated) - last(real))).toBeLessThan(0.5);
  });

  it('refuses a schedule it cannot read, with exit code 2', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin/hv-sim.js'), 'replay', '--sets', '/nonexistent.csv', '--out', '/tmp/x.csv'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read \/nonexistent\.csv/);
  });
});
