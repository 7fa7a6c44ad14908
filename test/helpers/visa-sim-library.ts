// Compiles the VISA test library (sim/visa/visa-sim.c) with the system C compiler, once per run.
import { fileURLToPath } from 'node:url';

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const VISA_SIM_SOURCE = fileURLToPath(new URL('../../sim/visa/visa-sim.c', import.meta.url));

export function buildVisaSimLibrary(): string {
  const dir = join(tmpdir(), 'hv-visa-sim');
  mkdirSync(dir, { recursive: true });
  const output = join(dir, `libvisa-sim-${Math.round(statSync(VISA_SIM_SOURCE).mtimeMs)}.so`);
  if (!existsSync(output)) {
    const partial = `${output}.${process.pid}.tmp`;
    execFileSync(process.env.CC ?? 'cc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', partial, VISA_SIM_SOURCE, '-lpthread'], { stdio: 'inherit' });
    execFileSync('mv', [partial, output]);
  }
  return output;
}
