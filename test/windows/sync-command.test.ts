// The readings' sync command on Windows (under Wine): run hidden through cmd.exe, and on its
// time-out ended with its whole tree by taskkill /T, not only cmd.exe: a sync whose rclone kept
// running would hold the files and pile up with the next one. Wine 8's taskkill knows no /T (it
// answers "Unknown or invalid command line option"): there the server ends the shell and the run,
// and what cmd.exe started is left running, which this test reports; with a taskkill that knows
// /T (Windows, newer Wine) the whole tree must be gone.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cDrive, launchServer, projectFile, runWindows, until, windowsKit, zPath, type LaunchedServer } from './helpers/windows-kit.js';

const kit = windowsKit();
const work = mkdtempSync(join(tmpdir(), 'hv-wine-sync-'));
const marker = `hv-sync-tree-${process.pid}-${Date.now()}`;
// Real seconds the sync may take. The tree (two node.exe under Wine) is up within about 2 s here;
// up-child proves it was, before the time-out.
const SYNC_TIMEOUT_S = 15;
let server: LaunchedServer | null = null;

afterAll(() => {
  server?.kill();
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
  it('a sync past its time-out is ended with its whole tree (taskkill /T), and the server carries on', async () => {
    const config = cDrive(kit, 'hv config тест/sync.yaml');
    mkdirSync(join(config.linux, '..'), { recursive: true });
    const command = `"${zPath(kit.nodeExe)}" "${projectFile('test/windows/fixtures/sync-tree.cjs')}" "${zPath(work)}" ${marker}`;
    writeFileSync(
      config.linux,
      ['sim: true', 'time_scale: 60', 'readings_log:', `  sync_command: '${command}'`, '  sync_interval_s: 600', `  sync_timeout_s: ${SYNC_TIMEOUT_S}`, ''].join('\n'),
    );
    const data = cDrive(kit, 'hv data тест/sync');
    server = await launchServer(kit, ['--config', config.windows, '--data-dir', data.windows, '--tcp-port', '0', '--http-port', '0'], { stopTimeoutMs: 40_000 });
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
  }, 240_000);
});
