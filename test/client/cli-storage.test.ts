// The real hv-server process on bad storage: a data directory it cannot write stops it with one
// sentence and exit code 2; a log file on a disk that refuses it (ENOSPC) is an alarm, and the
// server still serves and stops on SIGTERM at once, where it used to hang in the log's flush.
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function startServer(dataDir: string) {
  const child = spawn(process.execPath, [join(root, 'bin/hv-server.js'), '--sim', '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--time-scale', '20'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  /** Resolves once the output matches `pattern` (real process, real time: bounded by `ms`). */
  const waitFor = (pattern: RegExp, ms = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in:\n${output}`)), ms);
      const check = () => {
        if (!pattern.test(output)) return;
        clearTimeout(timer);
        resolve();
      };
      check();
      child.stdout.on('data', check);
      child.stderr.on('data', check);
    });
  return { child, exited, waitFor, output: () => output };
}

describe('hv-server on bad storage', () => {
  it('exits 2 with one sentence when the data directory cannot be written', async () => {
    expect(existsSync(join(root, 'dist/app/cli/hv-server.js')), 'npm test builds dist/ first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'hv-cli-storage-'));
    writeFileSync(join(dir, 'data'), ''); // a file where the directory should be
    const s = startServer(join(dir, 'data'));
    expect(await s.exited).toBe(2);
    expect(s.output()).toMatch(/cannot start: key 'data_dir' is "[^"]+\/data", which is a file, not a directory; expected a directory this user can create files in, on a disk with free space/);
    expect(s.output()).not.toMatch(/\n\s+at /); // no stack trace
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs with a log file on a full disk: alarm raised, and SIGTERM ends it promptly with exit code 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-storage-'));
    const d = new Date();
    mkdirSync(join(dataDir, 'logs'));
    symlinkSync('/dev/full', join(dataDir, 'logs', `hv-server.${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}.1.log`));
    const s = startServer(dataDir);
    await s.waitFor(/ready: TCP/);
    await s.waitFor(/alarm raised: log-file STORAGE_FAULT \(MAJOR\): log lines could not be written to .* \(ENOSPC: no space left on device\)/);
    const asked = performance.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    // Real time: a clean stop takes well under a second; the hang it guards against lasted for ever. Over 10 times the first.
    expect(performance.now() - asked).toBeLessThan(10_000);
    expect(s.output()).toMatch(/stopped/);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
