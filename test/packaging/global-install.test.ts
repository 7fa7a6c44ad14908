// As the lab engineer installs it on the rack's PC: `npm pack`, then a global install of the
// tarball into a prefix whose path has a space and Cyrillic letters (where URL.pathname used as a
// file path breaks: it is percent-encoded), then the installed `hv-server` serves all three pages.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../helpers/server-process.js';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const dir = mkdtempSync(join(tmpdir(), 'hv-pack-'));
const prefix = join(dir, 'hv тест dir');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack and a global install', () => {
  it('installs under a path with a space and Cyrillic letters, and the installed hv-server serves /, /debug and /training', async () => {
    // prepack builds dist/ (the tarball must carry it, or the install has nothing to run). Here the
    // suite has built it already (npm test), and rebuilding it under the other tests' running
    // servers could hand them a half-written file: so the script is checked, and not run.
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; files: string[] };
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.files).toContain('dist');
    await run(npm, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, shell: process.platform === 'win32' });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    // Offline from the npm cache where it has the dependencies; the registry otherwise.
    await run(npm, ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball!)], { cwd: dir, shell: process.platform === 'win32' });
    const bin = process.platform === 'win32' ? join(prefix, 'hv-server.cmd') : join(prefix, 'bin', 'hv-server');

    const { stdout: version } = await run(bin, ['--version'], { shell: process.platform === 'win32' });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);

    const child = spawn(bin, ['--tcp-port', '0', '--http-port', '0', '--data-dir', join(dir, 'data')], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      const httpPort = await new Promise<number>((resolve, reject) => {
        child.on('exit', (code) => reject(new Error(`hv-server exited (${code}):\n${output}`)));
        const poll = setInterval(() => {
          const ready = /ready: TCP \S+, HTTP http:\/\/[^/]+:(\d+)\//.exec(output);
          if (ready) (clearInterval(poll), resolve(Number(ready[1])));
        }, 20);
      });
      for (const page of ['/', '/debug', '/training']) {
        const res = await fetch(`http://127.0.0.1:${httpPort}${page}`);
        expect(res.status, `${page}\n${output}`).toBe(200);
        expect(await res.text()).toContain('<html');
      }
      // The installed package is not the sources: no warning about compiling them.
      expect(output).not.toContain('sources are newer');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    // A bound on an install that never ends: about 11 s on a quiet 2-core machine, over 90 s in a stress round at load 20.
  }, 180_000);
});
