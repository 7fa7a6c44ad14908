// A booted systemd-nspawn container, reached the way this kind of host allows: it has no systemd
// or dbus of its own, so the container is not registered (--register=no --keep-unit) and
// machinectl and `systemctl -M` cannot reach it; commands run inside with `nsenter -a` on the
// container's PID 1. It shares the host's network namespace, so a port it listens on is a host
// port and the test's clients connect to 127.0.0.1 from outside.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface BootOptions {
  root: string;
  /** host path → container path, mounted read-only. */
  bindReadOnly: Record<string, string>;
  machine: string;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export class Container {
  private console = '';
  private exitCode: number | null = null;
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly nspawn: ChildProcess,
    readonly pid1: number,
  ) {
    nspawn.stdout!.on('data', (d) => (this.console += d));
    nspawn.stderr!.on('data', (d) => (this.console += d));
    this.exited = new Promise((resolve) => nspawn.on('exit', (code) => resolve((this.exitCode = code))));
  }

  /** Boots the root with systemd, over a tmpfs overlay (the root itself stays as built), and waits until systemd has started. */
  static async boot(options: BootOptions, waitMs: number): Promise<{ container: Container; bootMs: number }> {
    const started = performance.now();
    const binds = Object.entries(options.bindReadOnly).map(([host, inside]) => `--bind-ro=${host}:${inside}`);
    const nspawn = spawn(
      'systemd-nspawn',
      ['--quiet', '--boot', '--register=no', '--keep-unit', '--volatile=overlay', '--console=read-only', `--machine=${options.machine}`, '-D', options.root, ...binds],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    nspawn.stdout!.on('data', (d) => (output += d));
    nspawn.stderr!.on('data', (d) => (output += d));
    const until = Date.now() + waitMs;
    let pid1: number | null = null;
    while (pid1 === null) {
      if (nspawn.exitCode !== null || Date.now() > until) throw new Error(`systemd-nspawn did not start a container:\n${output}`);
      pid1 = containerInit(nspawn.pid!);
      if (pid1 === null) await new Promise((r) => setTimeout(r, 20));
    }
    const container = new Container(nspawn, pid1);
    container.console = output;
    // `is-system-running --wait` returns once start-up is over: "running", or "degraded" when a unit
    // the container cannot run failed (which this test does not depend on).
    for (;;) {
      const state = await container.exec(['systemctl', 'is-system-running', '--wait']);
      if (/^(running|degraded)/.test(state.stdout)) break;
      if (Date.now() > until) throw new Error(`the container's systemd did not finish starting (${state.stdout.trim()}):\n${container.console}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { container, bootMs: Math.round(performance.now() - started) };
  }

  /** Runs a command inside the container (all its namespaces); never throws on a non-zero exit. */
  exec(argv: string[], input?: string): Promise<Result> {
    return new Promise((resolve) => {
      const child = execFile('nsenter', ['-t', String(this.pid1), '-a', '--', ...argv], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
      if (input !== undefined) child.stdin!.end(input);
    });
  }

  /** Like exec, but a non-zero exit is an error naming the command and what it said. */
  async run(argv: string[], input?: string): Promise<string> {
    const result = await this.exec(argv, input);
    if (result.code !== 0) throw new Error(`${argv.join(' ')} exited ${result.code} in the container: ${result.stderr.trim() || result.stdout.trim()}`);
    return result.stdout;
  }

  /** `systemctl show -p` values of a unit, as a record. */
  async show(unit: string, properties: string[]): Promise<Record<string, string>> {
    const out = await this.run(['systemctl', 'show', unit, ...properties.map((p) => `--property=${p}`)]);
    return Object.fromEntries(out.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  }

  /** Powers the container off (SIGTERM to systemd-nspawn asks its systemd to shut down) and waits. */
  async stop(waitMs: number): Promise<void> {
    if (this.exitCode !== null || this.nspawn.exitCode !== null) return;
    this.nspawn.kill('SIGTERM');
    const timer = setTimeout(() => this.nspawn.kill('SIGKILL'), waitMs);
    await this.exited;
    clearTimeout(timer);
  }

  output(): string {
    return this.console;
  }
}

/** The container's PID 1 as the host sees it: the child of systemd-nspawn whose own pid namespace numbers it 1. */
function containerInit(nspawnPid: number): number | null {
  let children: number[];
  try {
    children = readFileSync(`/proc/${nspawnPid}/task/${nspawnPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return null;
  }
  for (const pid of children) {
    try {
      const nspid = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^NSpid:\s*(.*)$/m)?.[1]?.trim().split(/\s+/);
      if (nspid && nspid.length > 1 && nspid.at(-1) === '1') return pid;
    } catch {
      // gone meanwhile
    }
  }
  return null;
}
