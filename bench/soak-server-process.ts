// One run of the real server in its own process (`node dist/app/cli/hv-server.js --sim`), on
// ports the system picks, with its console followed in a file and its memory sampled from /proc.

import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleLog, type Endpoint } from './soak-console.js';
import { RssSampler } from './soak-proc.js';
import { realSleep } from './soak-time.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the soak asked for it (SIGTERM at the end); anything else is a crash. */
  requested: boolean;
}

export interface ServerProcessOptions {
  /** 1 for the first server, 2 for the one started after a crash, … */
  index: number;
  dataDir: string;
  consolePath: string;
  configPath: string;
  timeScale: number;
  /** The soak's simulated clock, for time-stamping samples. */
  now: () => number;
}

export class ServerProcess {
  readonly console: ConsoleLog;
  readonly exited: Promise<ExitInfo>;
  readonly rss: RssSampler;
  readonly startedAt: number;
  endpoint: Endpoint | null = null;
  exitInfo: ExitInfo | null = null;
  private stopRequested = false;
  private readonly tail: NodeJS.Timeout;

  private constructor(
    readonly options: ServerProcessOptions,
    private readonly child: ChildProcess,
  ) {
    this.startedAt = options.now();
    this.console = new ConsoleLog(options.consolePath, options.now);
    this.rss = new RssSampler(child.pid!, options.now);
    this.tail = setInterval(() => this.console.poll(), 200);
    this.tail.unref();
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.rss.stop();
        clearInterval(this.tail);
        this.console.poll();
        this.exitInfo = { code, signal, requested: this.stopRequested };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    mkdirSync(options.dataDir, { recursive: true });
    const out = openSync(options.consolePath, 'a');
    const child = spawn(
      process.execPath,
      [
        join(root, 'dist/app/cli/hv-server.js'),
        '--config', options.configPath,
        '--sim',
        '--tcp-port', '0',
        '--http-port', '0',
        '--data-dir', options.dataDir,
        '--time-scale', String(options.timeScale),
      ],
      { cwd: root, stdio: ['ignore', out, out] },
    );
    closeSync(out); // the child holds its own copy
    const server = new ServerProcess(options, child);
    for (let i = 0; i < 300 && server.alive; i++) {
      server.console.poll();
      if (server.console.ready) {
        server.endpoint = server.console.ready;
        return server;
      }
      await realSleep(100);
    }
    const words = server.console.lastWords.join('\n');
    server.child.kill('SIGKILL');
    throw new Error(`server ${options.index} did not start within 30 s${words ? `:\n${words}` : ''}`);
  }

  /** SIGTERM, as an operator would; SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 30_000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.stopRequested = true;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }

  /** Kills a server that stopped answering; counted like a crash (nobody asked it to exit). */
  kill(): void {
    this.child.kill('SIGKILL');
  }
}
