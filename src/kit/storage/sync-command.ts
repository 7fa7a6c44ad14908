// Runs the configured copy-to-storage command (e.g. rclone) every interval and once at shutdown.
// One run at a time; a run that takes too long is killed; the outcome is logged, never thrown.

import { spawn } from 'node:child_process';
import type { Clock } from '../clock/clock.js';
import type { Logger } from '../log/logger.js';
import { killTree } from './kill-tree.js';

export interface SyncResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
}

export class SyncCommand {
  private timer: unknown = null;
  private running: Promise<SyncResult> | null = null;

  constructor(
    private readonly command: string,
    private readonly options: { intervalMs: number; timeoutMs: number; cwd: string },
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(): void {
    const schedule = () => {
      this.timer = this.clock.setTimeout(() => {
        void this.run('periodic').finally(schedule);
      }, this.options.intervalMs);
    };
    schedule();
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Runs the command (or joins the run in progress). Real time, not clock time: it copies real files. */
  run(reason: 'periodic' | 'shutdown'): Promise<SyncResult> {
    if (this.running) return this.running;
    const started = Date.now();
    this.log.info({ command: this.command, reason }, 'sync started');
    this.running = new Promise<SyncResult>((resolve) => {
      // Its own process group on POSIX, so a timeout kills the shell and everything it started
      // (kill-tree.ts). On Windows `detached` would open a console window of its own, and a
      // service has no desktop to show one on: hidden, and the tree ended with taskkill instead.
      const windows = process.platform === 'win32';
      const child = spawn(this.command, { shell: true, cwd: this.options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: !windows, windowsHide: true });
      let output = '';
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const killer = setTimeout(() => {
        killTree(child);
        // 'close' waits for the output pipes, which a grandchild that outlived the kill (a tree
        // kill that failed) would hold open for ever: the run ends with the shell.
        child.stdout.destroy();
        child.stderr.destroy();
      }, this.options.timeoutMs);
      let finished = false;
      const finish = (exitCode: number | null, signal: string | null) => {
        if (finished) return; // 'error' and 'close' can both arrive
        finished = true;
        clearTimeout(killer);
        const result = { exitCode, signal, durationMs: Date.now() - started };
        const fields = { command: this.command, reason, ...result, output: output.trim() };
        if (exitCode === 0) this.log.info(fields, 'sync finished');
        else this.log.error(fields, signal ? `sync killed by ${signal}` : `sync failed with exit code ${exitCode}`);
        resolve(result);
      };
      child.on('error', (err) => {
        output += err.message;
        finish(null, null);
      });
      child.on('close', finish);
    }).finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
