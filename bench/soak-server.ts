// The server under test across the whole soak: started once, watched for a crash (an exit nobody
// asked for) or a wedge (no answer to /api/status, still none 20 s after the last incident ended),
// and started anew — with a
// fresh data directory, so each server's readings files stand on their own — up to a limit.
// Whatever the soak is doing when a server dies is named in the crash record.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Endpoint } from './soak-console.js';
import { ServerProcess, type ExitInfo } from './soak-server-process.js';
import { realSleep } from './soak-time.js';
import { rssMiB } from './soak-proc.js';

export interface CrashRecord {
  instance: number;
  /** Simulated ms since the soak started. */
  at: number;
  /** What the soak was doing (attack classes, the disk-full episode), or nothing. */
  during: string[];
  reason: string;
  exit: string;
}

export interface HealthCounts {
  probes: number;
  answered: number;
  /** Probes a live server did not answer within 5 s. */
  unanswered: number;
  slowestMs: number;
  /** Each unanswered probe: when (the server's clock), how it failed, and the incidents running meanwhile. */
  missed: { at: number; failure: string; during: string[] }[];
}

export interface ServerUnderTestOptions {
  workDir: string;
  dataRoot: string;
  timeScale: number;
  now: () => number;
  maxRestarts: number;
  /** Told of each crash before a new server starts; returns false to give up instead. */
  onCrash: (crash: CrashRecord) => boolean;
}

const WEDGED_AFTER_PROBES = 8;
/** How long a server may take to exit after an uncaught exception (it stops within 5 s). */
const STOPPING_GRACE_MS = 7000;
/** Real time a server gets after an incident ends (the disk freed, say) to answer again. */
const RECOVERY_MS = 20_000;

export class ServerUnderTest {
  readonly instances: ServerProcess[] = [];
  readonly crashes: CrashRecord[] = [];
  /** RSS (MiB) of each server a second after it was ready, by index − 1. */
  readonly startRss: (number | null)[] = [];
  readonly health: HealthCounts = { probes: 0, answered: 0, unanswered: 0, slowestMs: 0, missed: [] };
  gaveUp: string | null = null;
  private readonly activities = new Map<string, number>();
  private readonly starters: ((server: ServerProcess) => void)[] = [];
  private waiters: (() => void)[] = [];
  private stopping = false;
  private wedgeKills = new Set<ServerProcess>();
  private readonly configPath: string;
  private probeTimer: NodeJS.Timeout | null = null;
  private failedProbesInARow = 0;
  /** What was running when the present run of unanswered probes began: a wedge is put down to it. */
  private streakBlame: string[] = [];
  /** When the last incident ended (real ms): a server gets time to recover from one before it is called wedged. */
  private quietSince = performance.now();

  constructor(private readonly options: ServerUnderTestOptions) {
    // JSON console lines: the `ready:` line carries the ports, and every line can be counted.
    this.configPath = join(options.workDir, 'hv-server.json');
    writeFileSync(this.configPath, `${JSON.stringify({ sim: true, log: { pretty: false, console_level: 'info' } }, null, 2)}\n`);
  }

  get current(): ServerProcess | null {
    const last = this.instances.at(-1);
    return last?.alive ? last : null;
  }

  async start(): Promise<ServerProcess> {
    const index = this.instances.length + 1;
    const server = await ServerProcess.start({
      index,
      dataDir: join(this.options.dataRoot, `server-${index}`),
      consolePath: join(this.options.workDir, `console-${index}.log`),
      configPath: this.configPath,
      timeScale: this.options.timeScale,
      now: this.options.now,
    });
    this.instances.push(server);
    void server.exited.then((info) => this.exited(server, info));
    // Its memory at the start: a second after it is ready, once its first readings are out.
    void realSleep(1000).then(() => (this.startRss[index - 1] = rssMiB(server.pid)));
    for (const s of this.starters) s(server);
    for (const w of this.waiters) w();
    this.waiters = [];
    this.probeTimer ??= setInterval(() => void this.probe(), 2000);
    return server;
  }

  /** Called with every server started from now on (and not with the present one). */
  onStart(listener: (server: ServerProcess) => void): void {
    this.starters.push(listener);
  }

  /** The live server's address; waits through a restart; null once the soak is over or given up. */
  async endpoint(signal?: AbortSignal): Promise<Endpoint | null> {
    for (;;) {
      if (this.stopping || this.gaveUp || signal?.aborted) return null;
      const live = this.current;
      if (live?.endpoint) return live.endpoint;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /**
   * Runs `work` as `label`: a crash meanwhile (or within `graceMs` of real time after, for the
   * last bytes it sent) is put down to it.
   */
  async during<T>(label: string, work: () => Promise<T>, graceMs = 500): Promise<T> {
    this.activities.set(label, (this.activities.get(label) ?? 0) + 1);
    try {
      return await work();
    } finally {
      await realSleep(graceMs);
      const n = (this.activities.get(label) ?? 1) - 1;
      if (n <= 0) this.activities.delete(label);
      else this.activities.set(label, n);
      if (this.activities.size === 0) this.quietSince = performance.now();
    }
  }

  /** No more health probes (before the last count of descriptors, so none of theirs is counted). */
  stopProbes(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
  }

  /** Ends the soak: SIGTERM to the live server; its exit is not a crash. */
  async stop(): Promise<ExitInfo | null> {
    this.stopping = true;
    this.stopProbes();
    for (const w of this.waiters) w();
    this.waiters = [];
    const live = this.current;
    return live ? live.stop() : null;
  }

  private exited(server: ServerProcess, info: ExitInfo): void {
    if (info.requested) return;
    const wedged = this.wedgeKills.has(server);
    const crash: CrashRecord = {
      instance: server.options.index,
      at: this.options.now(),
      during: [...new Set([...(wedged ? this.streakBlame : []), ...this.activities.keys()])],
      reason: wedged
        ? `no answer to GET /api/status for ${WEDGED_AFTER_PROBES} probes in a row, nor ${RECOVERY_MS / 1000} s after the last incident ended; killed`
        : server.console.lastWords.join(' | ') || 'no last words',
      exit: info.signal ? `signal ${info.signal}` : `exit code ${info.code}`,
    };
    this.crashes.push(crash);
    const goOn = this.options.onCrash(crash);
    if (this.stopping) return;
    if (!goOn || this.crashes.length > this.options.maxRestarts) {
      this.gaveUp = `gave up after ${this.crashes.length} crash${this.crashes.length === 1 ? '' : 'es'}`;
      for (const w of this.waiters) w();
      this.waiters = [];
      return;
    }
    this.start().catch((err: Error) => {
      this.gaveUp = `could not start server ${this.instances.length + 1}: ${err.message}`;
      for (const w of this.waiters) w();
    });
  }

  /** One GET /api/status, as a watchdog would; a live server that stops answering is wedged. */
  private async probe(): Promise<void> {
    const server = this.current;
    if (!server?.endpoint || this.stopping) return;
    this.health.probes++;
    const started = performance.now();
    const at = this.options.now();
    const runningAtStart = [...this.activities.keys()];
    let ok = false;
    let failure = '';
    try {
      const res = await fetch(`http://${server.endpoint.host}:${server.endpoint.httpPort}/api/status`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      ok = res.status === 200;
      if (!ok) failure = `HTTP ${res.status}`;
    } catch (err) {
      ok = false;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      failure = `${(err as Error).name}: ${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}, after ${Math.round(performance.now() - started)} ms`;
    }
    if (!server.alive) return; // died meanwhile: a crash, counted as one
    if (ok) {
      this.health.answered++;
      this.health.slowestMs = Math.max(this.health.slowestMs, performance.now() - started);
      this.failedProbesInARow = 0;
      return;
    }
    // A server stopping after an uncaught exception closes its ports a few seconds before it
    // exits: a probe it missed then belongs to that crash, not to a live server's service.
    if (this.failedProbesInARow++ === 0) this.streakBlame = [...new Set([...runningAtStart, ...this.activities.keys()])];
    if (this.failedProbesInARow >= WEDGED_AFTER_PROBES && this.activities.size === 0 && performance.now() - this.quietSince >= RECOVERY_MS) {
      this.failedProbesInARow = 0;
      this.wedgeKills.add(server);
      server.kill();
      return;
    }
    await realSleep(STOPPING_GRACE_MS);
    if (!server.alive || this.wedgeKills.has(server)) return;
    this.health.unanswered++;
    this.health.missed.push({ at, failure, during: [...new Set([...runningAtStart, ...this.activities.keys()])] });
  }
}
