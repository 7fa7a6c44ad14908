// The Debian root the systemd test boots: bookworm, debootstrap's minbase variant plus systemd,
// built once and cached under /var/cache, keyed by a hash of everything that goes into it. A root
// is booted with --volatile=overlay, so a run never changes the cached tree.
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The host tools the test needs, by the Debian package that has them. */
const TOOLS: Record<string, string> = { 'systemd-nspawn': 'systemd-container', debootstrap: 'debootstrap', nsenter: 'util-linux' };

const CACHE = '/var/cache/hv-server-nspawn';
const SUITE = 'bookworm';
/** systemd-sysv gives /sbin/init; bookworm's nodejs is 18, so Node comes from the host (bind-mounted). */
const INCLUDE = ['systemd', 'systemd-sysv'];

function has(command: string): boolean {
  try {
    execSync(`command -v ${command}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
}

/** Installs systemd-container and debootstrap with apt-get when missing (root on Debian), or says what to install. */
export function ensureTools(): void {
  const missing = [...new Set(Object.entries(TOOLS).filter(([command]) => !has(command)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !has('apt-get')) throw new Error(`the systemd test needs ${missing.join(', ')} (Debian: apt-get install ${missing.join(' ')}), run as root`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
}

/** The Debian mirror the host's own apt uses (deb822 or one-line sources), so debootstrap reaches what apt reaches. */
export function hostMirror(): string {
  const files = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f)) : [])];
  for (const file of files.filter((f) => /\.(list|sources)$/.test(f) && existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    const uri = text.match(/^URIs:\s*(\S+\/debian)\/?\s*$/m) ?? text.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\b/m);
    if (uri) return uri[1]!;
  }
  return 'http://deb.debian.org/debian';
}

export interface BuiltRoot {
  path: string;
  /** Real ms the build took; 0 when the cached root was used. */
  buildMs: number;
}

/**
 * The cached root for this recipe, built with debootstrap when absent (about two minutes here, 240 MB).
 * A half-built root never counts: the build goes to a temporary directory renamed when complete
 * (one left by an interrupted build is removed by hand: /var/cache/hv-server-nspawn/*.tmp).
 */
export function nspawnRoot(): BuiltRoot {
  const mirror = hostMirror();
  const recipe = JSON.stringify({ suite: SUITE, variant: 'minbase', include: INCLUDE, mirror, arch: process.arch, version: 1 });
  const key = createHash('sha256').update(recipe).digest('hex').slice(0, 16);
  const path = join(CACHE, `${SUITE}-${key}`);
  if (existsSync(join(path, 'sbin/init'))) return { path, buildMs: 0 };
  mkdirSync(CACHE, { recursive: true });
  // Per process, so two runs building at once do not share a half-built tree; the first to finish is kept.
  const building = `${path}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  const started = performance.now();
  execFileSync('debootstrap', ['--variant=minbase', `--include=${INCLUDE.join(',')}`, SUITE, building, mirror], { stdio: ['ignore', 'ignore', 'inherit'] });
  // An empty machine-id: each boot gets one of its own, not the one made while building.
  writeFileSync(join(building, 'etc/machine-id'), '');
  writeFileSync(join(building, 'etc/hv-nspawn-recipe.json'), recipe + '\n');
  try {
    renameSync(building, path);
  } catch (error) {
    if (!existsSync(join(path, 'sbin/init'))) throw error;
    rmSync(building, { recursive: true, force: true });
  }
  return { path, buildMs: Math.round(performance.now() - started) };
}
