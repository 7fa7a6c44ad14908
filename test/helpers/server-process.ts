// A real server executable (hv-server, hv-detector) in its own process, as a user starts it: waits for its
// machine-readable "ready:" line and gives the ports it bound.
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  process: ChildProcess;
  tcpPort: number;
  httpPort: number;
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
}

/** Starts `bin/<tool>.js` (hv-server unless told) with `args` (the data directory and ports among them) and resolves once it is ready. */
export async function startServerProcess(args: string[], timeoutMs = 15_000, tool = 'hv-server'): Promise<ServerProcess> {
  if (!existsSync(join(root, `dist/app/cli/${tool}.js`))) throw new Error('dist/ is missing: npm test builds it first (npm run build)');
  const child = spawn(process.execPath, [join(root, `bin/${tool}.js`), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const ports = await new Promise<[number, number]>((resolve, reject) => {
    const timer = setTimeout(() => (clearInterval(poll), reject(new Error(`server did not start:\n${output}`))), timeoutMs);
    const poll = setInterval(() => {
      const ready = output.match(/ready: TCP [\d.:a-f]+:(\d+), HTTP http:\/\/[^/]+:(\d+)\//);
      if (!ready) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve([Number(ready[1]), Number(ready[2])]);
    }, 20);
  });
  return { process: child, tcpPort: ports[0], httpPort: ports[1], output: () => output };
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
