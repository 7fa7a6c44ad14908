// A real server executable (hv-server, hv-detector) in its own process, as a user starts it: waits for its
// machine-readable "ready:" line and gives the ports it bound.
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_VOLTMETERS } from '../../src/hv/config/default-config.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A config file (in `dir`) for the simulated rack whose instruments' time-outs are 60 s of the rack's
 * time: at ×20, 3 s of real time. The defaults (a query 2 s, a reading 7.5 s) are a tenth or a third
 * of a second there, and a process that a busy machine leaves waiting longer than that would take its
 * own simulated instruments for failed. Returns the file's path, for --config.
 */
export function patientConfig(dir: string): string {
  const file = join(dir, 'patient-instruments.json');
  const voltmeters = DEFAULT_VOLTMETERS.map((meter) => ({ ...meter, reading_timeout_s: 60 }));
  writeFileSync(file, JSON.stringify({ sim: true, instruments: { query_timeout_s: 60 }, voltmeters }));
  return file;
}

export interface ServerProcess {
  process: ChildProcess;
  tcpPort: number;
  httpPort: number;
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
  /** Resolves once what it printed from `from` on (a length of output()) matches `pattern`; rejects if it exits first. */
  printed(pattern: RegExp, from?: number): Promise<RegExpMatchArray>;
  /**
   * Stops it as an operator does (SIGTERM, which the supervising process passes to the server) and resolves with its exit
   * code once it has exited: after this nothing of it writes in its data directory any more, so the directory can go.
   */
  stop(): Promise<number | null>;
}

/**
 * Resolves once `text()` from `from` on matches `pattern`, looking again each time `child` prints:
 * a wait on what the process says, never on how fast it says it. Rejects, with what it printed,
 * if the process ends first.
 */
export function printedBy(child: ChildProcess, text: () => string, pattern: RegExp, from = 0): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const look = (): boolean => {
      const found = text().slice(from).match(pattern);
      if (!found) return false;
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('close', onClose);
      resolve(found);
      return true;
    };
    // Listeners added after the caller's own, so text() already holds the chunk that arrived.
    const onData = () => void look();
    const onClose = () => {
      if (!look()) reject(new Error(`the process ended (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${text().slice(from)}`));
    };
    if (look()) return;
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('close', onClose);
  });
}

/** Resolves once the server's /readyz answers 200: every actor runs and every voltmeter has read (so the blocks have started). */
export async function untilReady(httpPort: number): Promise<void> {
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    await res.body?.cancel();
    if (res.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts `bin/<tool>.js` (hv-server unless told) with `args` (the data directory and ports among them) and resolves once it
 * has printed its "ready:" line and its /readyz says ready, as a client that sends a command at once needs. `timeoutMs`
 * only bounds a start that never comes: a server is ready in about a second on a quiet machine, and took over 15 s in a
 * stress round on 2 cores at load 16-20, so the default is 40 s (still inside a hook's 60 s, so the error names the cause).
 */
export async function startServerProcess(args: string[], timeoutMs = 40_000, tool = 'hv-server'): Promise<ServerProcess> {
  if (!existsSync(join(root, `dist/bundle/${tool}.js`))) throw new Error('dist/bundle/ is missing: npm test builds it first (npm run build)');
  const child = spawn(process.execPath, [join(root, `bin/${tool}.js`), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const text = () => output;
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    printedBy(child, text, /ready: TCP [\d.:a-f]+:(\d+), HTTP http:\/\/[^/]+:(\d+)\//).then(async (found) => {
      await untilReady(Number(found[2]));
      return found;
    }),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`server did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs))),
  ])
    .catch((err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    })
    .finally(() => clearTimeout(timer));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { process: child, tcpPort: Number(ready[1]), httpPort: Number(ready[2]), output: text, printed: (pattern, from) => printedBy(child, text, pattern, from), stop };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `args` from the project's root to its end: its exit code and what it printed. */
export function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
