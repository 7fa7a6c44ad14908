// Before the tests: the Debian packages some tests need (socat for the serial tests' pseudo-
// terminals, chromium for the browser tests). On a fresh Debian machine run as root they are
// installed with apt-get; elsewhere the run stops with what to install, rather than skipping the
// tests that need them.

import { execFileSync, execSync } from 'node:child_process';

const NEEDED: Record<string, string> = { socat: 'socat', chromium: 'chromium' };

function has(command: string): boolean {
  try {
    execSync(`command -v ${command}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
}

export default function setup(): void {
  const missing = Object.entries(NEEDED).filter(([command]) => !has(command));
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg);
  if (process.getuid?.() === 0 && has('apt-get')) {
    process.stdout.write(`installing ${packages.join(', ')} with apt-get for the tests\n`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return;
  }
  throw new Error(`the tests need ${packages.join(', ')}: install ${packages.length > 1 ? 'them' : 'it'} (Debian: apt-get install ${packages.join(' ')})`);
}
