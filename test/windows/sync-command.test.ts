// The readings' sync command on Windows (under Wine): run hidden through cmd.exe, and on its
// time-out ended with its whole tree by taskkill /T, not only cmd.exe: a sync whose rclone kept
// running would hold the files and pile up with the next one. Wine 8's taskkill knows no /T (it
// answers "Unknown or invalid command line option"): there the server ends the shell and the run,
// and what cmd.exe started is left running, which this test reports; with a taskkill that knows
// /T (Windows, newer Wine) the whole tree must be gone.
// No window may appear while it runs: the server's Wine has a display of its own here (Xvfb), and
// xev records every window mapped on it; a console program given a console of its own (cmd's
// `start`) maps one, which shows the record would see it. This test has a prefix of its own, so no
// program of the other tests shares its display.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cDrive, createPrefix, endPrefix, launchServer, projectFile, runWindows, until, windowsKit, zPath, type LaunchedServer } from './helpers/windows-kit.js';

const work = mkdtempSync(join(tmpdir(), 'hv-wine-sync-'));
const kit = { ...windowsKit(), prefix: join(work, 'prefix') };
let display = '';
let xvfb: ChildProcess | null = null;
let xev: ChildProcess | null = null;
let windowEvents = '';
const marker = `hv-sync-tree-${process.pid}-${Date.now()}`;
// Real seconds the sync may take. The tree (two node.exe under Wine) is up within about 2 s here;
// up-child proves it was, before the time-out.
const SYNC_TIMEOUT_S = 15;
let server: LaunchedServer | null = null;

/** A display number nobody uses. */
function freeDisplay(): number {
  for (let n = 90; n < 200; n++) if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  throw new Error('no free X display number between :90 and :199');
}

beforeAll(async () => {
  createPrefix(kit.prefix);
  // Wine's desktop process started headless with the prefix; the next one starts on the display.
  endPrefix(kit.prefix);
  const n = freeDisplay();
  display = `:${n}`;
  xvfb = spawn('Xvfb', [display, '-nolisten', 'tcp'], { stdio: 'ignore' });
  await until(() => existsSync(`/tmp/.X11-unix/X${n}`), `Xvfb to open display ${display}`, 10_000);
  // Line-buffered, so each window event is read as it happens.
  xev = spawn('stdbuf', ['-oL', 'xev', '-display', display, '-root', '-event', 'substructure'], { stdio: ['ignore', 'pipe', 'ignore'] });
  xev.stdout!.on('data', (d) => (windowEvents += d));
  await until(() => windowEvents.length > 0 || xev!.pid, 'xev to start', 5000);
});

const mapped = () => windowEvents.split('\n').filter((line) => line.startsWith('MapNotify')).length;

afterAll(() => {
  server?.kill();
  xev?.kill();
  xvfb?.kill();
  endPrefix(kit.prefix);
  for (const line of treeProcesses()) process.kill(Number(line.split(':')[0]), 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Linux processes (Wine runs each Windows process as one) whose command line carries the marker. */
function treeProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker) && !cmdline.includes('vitest')) found.push(`${pid}: ${cmdline.trim()}`);
    } catch {
      /* ended meanwhile */
    }
  }
  return found;
}

/** Whether this prefix's taskkill.exe can end a process tree. */
async function taskkillKnowsTree(): Promise<boolean> {
  const usage = await runWindows(kit, 'taskkill', ['/?']);
  return /\/t\b/i.test(usage.output);
}

describe('the sync command under Wine', () => {
  it('a sync past its time-out is ended (its whole tree where taskkill knows /T), maps no window, and the server carries on', async () => {
    const config = cDrive(kit, 'hv config тест/sync.yaml');
    mkdirSync(join(config.linux, '..'), { recursive: true });
    const command = `"${zPath(kit.nodeExe)}" "${projectFile('test/windows/fixtures/sync-tree.cjs')}" "${zPath(work)}" ${marker}`;
    writeFileSync(
      config.linux,
      ['sim: true', 'time_scale: 60', 'readings_log:', `  sync_command: '${command}'`, '  sync_interval_s: 600', `  sync_timeout_s: ${SYNC_TIMEOUT_S}`, ''].join('\n'),
    );
    const data = cDrive(kit, 'hv data тест/sync');
    server = await launchServer(kit, ['--config', config.windows, '--data-dir', data.windows, '--tcp-port', '0', '--http-port', '0'], { stopTimeoutMs: 40_000, extraEnv: { DISPLAY: display } });
    const running = server;
    // The periodic sync (600 simulated seconds: 10 s, so the next is well after this one's
    // time-out) starts the tree: cmd.exe, node.exe, node.exe.
    await until(() => existsSync(join(work, 'up-child')), 'the sync command’s grandchild to run', SYNC_TIMEOUT_S * 1000, running.console);
    const tree = treeProcesses();
    expect(tree.filter((p) => /cmd\.exe/i.test(p))).toHaveLength(1);
    expect(tree.filter((p) => /node\.exe/i.test(p)).length).toBeGreaterThanOrEqual(2);
    const alive = (lines: string[]) => lines.filter((line) => existsSync(`/proc/${line.split(':')[0]}`));
    // Its time-out: the server ends the tree (or at least the shell) and logs it.
    await until(() => /sync failed with exit code|sync killed by/.test(running.console()), 'the sync to be ended at its time-out', (SYNC_TIMEOUT_S + 30) * 1000, running.console);
    // (The next periodic sync may start meanwhile: only the processes of this one are looked at.)
    if (await taskkillKnowsTree()) {
      await until(() => alive(tree).length === 0 && 'gone', 'every process of the sync’s tree to end', 10_000, () => alive(tree).join('\n'));
    } else {
      const shell = tree.filter((p) => /cmd\.exe/i.test(p));
      await until(() => alive(shell).length === 0 && 'gone', 'cmd.exe to end', 10_000, () => alive(tree).join('\n'));
      console.log(`taskkill here has no /T: the shell was ended; left running: ${alive(tree).length} process(es) it started`);
    }
    // The next syncs may run and finish at once; the stop runs one more and exits 0.
    writeFileSync(join(work, 'release'), '');
    const ended = await running.stop('ctrl-c');
    server = null;
    expect(ended.code, running.console()).toBe(0);
    expect(running.console()).toMatch(/sync finished/);
    // Two syncs ran (one ended at its time-out), and not one window was mapped on the display.
    expect(mapped(), windowEvents).toBe(0);
    // A console program with a console of its own maps one: the record would have seen it.
    await runWindows(kit, 'cmd', ['/c', 'start', 'cmd', '/c', 'ping -n 2 127.0.0.1'], { DISPLAY: display });
    await until(() => mapped() > 0, 'the window of a console started with its own console', 20_000, () => windowEvents);
  }, 240_000);
});
