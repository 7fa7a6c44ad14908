// Running the Windows build of the server under Wine: paths between the two systems, node.exe
// programs run to their end, and hv-server started and stopped the way WinSW does it
// (tools/service-launcher.exe), its console captured the way WinSW captures it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

/** Debian's 64-bit loader and server (package wine64; the `wine` wrapper package is not needed). */
export const WINE = '/usr/lib/wine/wine64';
export const WINESERVER = '/usr/lib/wine/wineserver';

export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** What the global setup prepared, as Linux paths. */
export interface WindowsKit {
  prefix: string;
  nodeExe: string;
  launcher: string;
  consoleEvent: string;
  visaDll: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    windows: WindowsKit;
  }
}

export function windowsKit(): WindowsKit {
  return inject('windows');
}

/** A Linux path as Windows programs under Wine see it (drive Z: is the Linux root). */
export function zPath(linuxPath: string): string {
  return `Z:${linuxPath.replace(/\//g, '\\')}`;
}

/** A path on the prefix's drive C:, as Windows and as Linux see it. */
export function cDrive(kit: WindowsKit, windowsRelative: string): { windows: string; linux: string } {
  return { windows: `C:\\${windowsRelative.replace(/\//g, '\\')}`, linux: join(kit.prefix, 'drive_c', windowsRelative.replace(/\\/g, '/')) };
}

/**
 * The environment of a Windows program: this run's prefix, no display (unless `extra` gives one),
 * Wine quiet, no Mono or Gecko, UTF-8 for non-ASCII arguments.
 */
export function wineEnv(kit: Pick<WindowsKit, 'prefix'>, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return { ...env, WINEPREFIX: kit.prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', LANG: 'C.UTF-8', NO_COLOR: '1', ...extra };
}

/** Makes a Wine prefix in `dir` (about 8 s): Windows 10 as the version, which node.exe insists on. */
export function createPrefix(dir: string): void {
  execFileSync(WINE, ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/t', 'REG_SZ', '/d', 'win10', '/f'], { env: wineEnv({ prefix: dir }), stdio: 'ignore' });
}

/** Ends the prefix's wineserver and every Windows program still running in it. */
export function endPrefix(dir: string): void {
  try {
    execFileSync(WINESERVER, ['-k'], { env: wineEnv({ prefix: dir }), stdio: 'ignore' });
  } catch {
    /* no wineserver left running */
  }
}

/** A project file by its Windows path (through Z:). */
export function projectFile(path: string): string {
  return zPath(join(projectRoot, path));
}

export interface WindowsRun {
  code: number | null;
  /** stdout and stderr together: node.exe under Wine needs a file for them (a Linux pipe gives EBADF). */
  output: string;
}

/** Runs a Windows program under Wine to its end. */
export function runWindows(kit: WindowsKit, exe: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<WindowsRun> {
  const dir = mkdtempSync(join(tmpdir(), 'hv-wine-run-'));
  const file = join(dir, 'output.txt');
  const fd = openSync(file, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(WINE, [exe, ...args], { cwd: projectRoot, env: wineEnv(kit, extraEnv), stdio: ['ignore', fd, fd] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const output = readFileSync(file, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`${exe} ${args.join(' ')} did not end within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      closeSync(fd);
      const output = readFileSync(file, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}

/** Runs `bin/<tool>.js` with node.exe under Wine to its end. */
export function runNodeExe(kit: WindowsKit, tool: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs?: number): Promise<WindowsRun> {
  return runWindows(kit, kit.nodeExe, [projectFile(`bin/${tool}.js`), ...args], extraEnv, timeoutMs);
}

/** Waits until `condition` holds, looking every 50 ms: for what another process writes to a file. */
export async function until<T>(condition: () => T | null | undefined | false, what: string, timeoutMs: number, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Ended {
  code: number;
  /** From the stop request to the end, as the launcher measured it (Windows' tick count). */
  ms: number;
  /** GetTickCount64() at the end, to compare with console-event.exe's. */
  tick: number;
  /** The launcher ended it after the stop timeout, as WinSW would. */
  killed: boolean;
}

export interface LaunchedServer {
  /** The Windows process id of node.exe. */
  pid: number;
  tcpPort: number;
  httpPort: number;
  /** From starting the launcher to the server's ready line. */
  readyAfterMs: number;
  /** What the server printed, as WinSW's *.out.log would hold it. */
  console(): string;
  /** Asks the launcher to stop it: 'ctrl-c' as WinSW, or 'wait' while console-event.exe sends an event. */
  stop(how: 'ctrl-c' | 'wait'): Promise<Ended>;
  /** Ends the launcher and the server if a test failed before stopping them. */
  kill(): void;
}

/**
 * Starts hv-server (node.exe bin/hv-server.js `args`) under service-launcher.exe, as WinSW starts
 * the service, and resolves once the server printed its ready line. `stopTimeoutMs` is how long
 * the launcher waits after a stop request before it ends the process (WinSW's stoptimeout).
 */
export async function launchServer(kit: WindowsKit, args: string[], options: { extraEnv?: NodeJS.ProcessEnv; stopTimeoutMs: number; startTimeoutMs?: number }): Promise<LaunchedServer> {
  const startedAt = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'hv-wine-service-'));
  const consoleLog = join(dir, 'hv-server.out.log');
  const child: ChildProcess = spawn(
    WINE,
    [kit.launcher, zPath(consoleLog), String(options.stopTimeoutMs), '--', zPath(kit.nodeExe), projectFile('bin/hv-server.js'), ...args],
    { cwd: projectRoot, env: wineEnv(kit, options.extraEnv), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let reports = '';
  child.stdout!.on('data', (d) => (reports += d));
  child.stderr!.on('data', (d) => (reports += d));
  // 'exit', not 'close': processes the server started and left running (a sync's tree under
  // Wine 8) inherit wine64's stdout and would keep 'close' from ever coming.
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Kept once the launcher has ended and its folder is removed.
  let finalConsole: string | null = null;
  const readConsole = () => finalConsole ?? (existsSync(consoleLog) ? readFileSync(consoleLog, 'utf8') : '');
  const cleanUp = () => {
    finalConsole = readConsole();
    rmSync(dir, { recursive: true, force: true });
  };
  const detail = () => `launcher: ${reports}\nconsole:\n${readConsole()}`;
  let pid: number;
  let ready: RegExpExecArray;
  try {
    pid = Number((await until(() => /started (\d+)/.exec(reports), 'the launcher to start node.exe', 30_000, detail))[1]);
    ready = await until(
      () => /ready: TCP [\d.:a-f]+:(\d+), HTTP http:\/\/[^/]+:(\d+)\//.exec(readConsole()),
      'the server under Wine to print its ready line',
      options.startTimeoutMs ?? 60_000,
      detail,
    );
  } catch (err) {
    child.kill('SIGKILL');
    cleanUp();
    throw err;
  }
  return {
    pid,
    tcpPort: Number(ready[1]),
    httpPort: Number(ready[2]),
    readyAfterMs: Date.now() - startedAt,
    console: readConsole,
    stop: async (how) => {
      child.stdin!.end(`${how}\n`);
      // The launcher itself ends the program after the stop timeout; 20 s more is its own margin.
      const launcherGone = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), options.stopTimeoutMs + 20_000))]);
      if (!launcherGone) throw new Error(`the launcher did not end within ${options.stopTimeoutMs + 20_000} ms of the stop request:\n${detail()}`);
      const end = await until(() => /exited (\d+) (\d+) (\d+)/.exec(reports), 'the launcher’s last report', 5000, detail);
      cleanUp();
      return { code: Number(end[1]), ms: Number(end[2]), tick: Number(end[3]), killed: /killed \d+/.test(reports) };
    },
    kill: () => {
      child.kill('SIGKILL');
      cleanUp();
    },
  };
}

/** Sends a console control event to a Windows process (tools/console-event.exe); resolves with the tick it was sent at. */
export async function sendConsoleEvent(kit: WindowsKit, pid: number, event: 'c' | 'break' | 'close'): Promise<number> {
  const run = await runWindows(kit, kit.consoleEvent, [String(pid), event]);
  const sent = /sent \w+ to \d+ at (\d+)/.exec(run.output);
  if (run.code !== 0 || !sent) throw new Error(`console-event.exe ${pid} ${event} failed (${run.code}): ${run.output}`);
  return Number(sent[1]);
}
