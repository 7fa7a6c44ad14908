// Before the tests: the Debian packages some tests need (socat for the serial tests' pseudo-
// terminals, chromium for the browser tests, prometheus and prometheus-alertmanager for the
// Prometheus → Alertmanager test, which also uses their promtool and amtool). On a fresh Debian
// machine run as root they are installed with apt-get; elsewhere the run stops with what to
// install, rather than skipping the tests that need them.

import { execFileSync, execSync } from 'node:child_process';

interface Needed {
  pkg: string;
  /** Installed without its recommended packages: prometheus's would add node-exporter, another service. */
  lean?: boolean;
}

/** By the command each package provides. */
const NEEDED: Record<string, Needed> = {
  socat: { pkg: 'socat' },
  chromium: { pkg: 'chromium' },
  prometheus: { pkg: 'prometheus', lean: true },
  'prometheus-alertmanager': { pkg: 'prometheus-alertmanager', lean: true },
};

function has(command: string): boolean {
  try {
    execSync(`command -v ${command}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
}

export default function setup(): void {
  const missing = Object.entries(NEEDED)
    .filter(([command]) => !has(command))
    .map(([, needed]) => needed);
  if (missing.length === 0) return;
  const packages = missing.map((m) => m.pkg);
  if (process.getuid?.() === 0 && has('apt-get')) {
    process.stdout.write(`installing ${packages.join(', ')} with apt-get for the tests\n`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const lean of [false, true]) {
      const group = missing.filter((m) => (m.lean ?? false) === lean).map((m) => m.pkg);
      if (group.length > 0) execFileSync('apt-get', ['install', '-y', '-qq', ...(lean ? ['--no-install-recommends'] : []), ...group], { stdio: 'inherit', env });
    }
    return;
  }
  throw new Error(`the tests need ${packages.join(', ')}: install ${packages.length > 1 ? 'them' : 'it'} (Debian: apt-get install ${packages.join(' ')})`);
}
