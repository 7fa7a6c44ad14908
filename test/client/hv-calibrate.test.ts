// hv-calibrate: fits the shipped runs to today's coefficients, and records a run on the simulated rack.
import { fileURLToPath } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Its progress bar (stderr) is kept, not printed: it is in the error when the command fails.
const calibrate = (...args: string[]) => execFileSync(process.execPath, [join(root, 'bin/hv-calibrate.js'), ...args], { encoding: 'utf8', stdio: 'pipe' });

describe('hv-calibrate', () => {
  it('fit: the three shipped runs give coefficients close to today’s (3500.5, 1.26 V), a config snippet and a residual plot', () => {
    const svg = join(mkdtempSync(join(tmpdir(), 'hv-cal-')), 'residuals.svg');
    const out = calibrate('fit', join(root, 'test/fixtures/calibration'), '--svg', svg);
    const perRun = [...out.matchAll(/^(\d\d\.\d\d\.\d{4}) +(3500\.\d+) +(\d\.\d+) V/gm)].map((m) => [Number(m[2]), Number(m[3])]);
    expect(perRun).toHaveLength(3);
    for (const [gain, offset] of perRun) {
      expect(Math.abs(gain! - 3500.5)).toBeLessThan(0.2);
      expect(Math.abs(offset! - 1.26)).toBeLessThan(0.25);
    }
    expect(out).toMatch(/^  output: \{ gain: 3500\.\d{4}, offset: 1\.\d{4} \}$/m);
    const plot = readFileSync(svg, 'utf8');
    expect(plot).toMatch(/^<svg /);
    expect(plot.match(/<circle /g)?.length).toBeGreaterThan(50);
  });

  it('run: steps the simulated calibrator and records both CSVs, which fit reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-cal-run-'));
    const out = calibrate('run', '--block', '1', '--from', '0', '--to', '4000', '--step', '2000', '--dwell', '40', '--discrete-event', '--out', dir);
    expect(out).toMatch(/^3 steps, \d+ readings written to /);
    expect(readFileSync(join(dir, 'voltage_sets.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
    const fit = calibrate('fit', dir);
    const [, gain] = /^\S+ +(3500\.\d+)/m.exec(fit) ?? [];
    expect(Math.abs(Number(gain) - 3500.75)).toBeLessThan(0.5);
  });

  it('run: refuses discrete-event time on real instruments, opening nothing', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin/hv-calibrate.js'), 'run', '--config', join(root, 'examples/rack.yaml'), '--block', '1', '--from', '0', '--to', '2000', '--step', '1000', '--dwell', '1', '--discrete-event', '--out', '/tmp/x'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('hv-calibrate: --discrete-event runs simulated instruments only; this config names real ones (they take their own time)\n');
  });

  it('run: refuses steps outside the block’s range', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin/hv-calibrate.js'), 'run', '--block', '2', '--from', '0', '--to', '5000', '--step', '1000', '--dwell', '1', '--out', '/tmp/x'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/reach 2000 V, outside block 2's 0 to 1000 V/);
  });
});
