// What the kernel says about the server process: resident memory and open file descriptors,
// read from /proc the way an operator would look at them.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** VmRSS in MiB, or null once the process is gone. */
export function rssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Open file descriptors (sockets, files, pipes), or null once the process is gone. */
export function openFds(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/**
 * What each descriptor is open on (`socket`, `pipe`, `anon_inode:[eventpoll]`, a file path), or
 * null once the process is gone: the difference between two of these names a leak.
 */
export function fdTargets(pid: number): string[] | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/^(socket|pipe):\[\d+\]$/, '$1');
      } catch {
        return 'closed meanwhile';
      }
    });
  } catch {
    return null;
  }
}

/** Targets in `after` beyond those in `before`, counted: `socket ×2`, `/data/HV/26-12-02-virtual.tsv`. */
export function addedTargets(before: string[], after: string[]): string[] {
  const left = new Map<string, number>();
  for (const t of before) left.set(t, (left.get(t) ?? 0) + 1);
  const added = new Map<string, number>();
  for (const t of after) {
    const n = left.get(t) ?? 0;
    if (n > 0) left.set(t, n - 1);
    else added.set(t, (added.get(t) ?? 0) + 1);
  }
  return [...added].map(([t, n]) => (n > 1 ? `${t} ×${n}` : t));
}

export interface RssSample {
  /** Simulated ms since the soak started. */
  at: number;
  mib: number;
}

/** Samples RSS every `everyMs` of real time until stopped; keeps every sample for the trend. */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    private readonly now: () => number,
    everyMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  sample(): number | null {
    const mib = rssMiB(this.pid);
    if (mib !== null) this.samples.push({ at: this.now(), mib });
    return mib;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get peak(): number {
    return Math.max(0, ...this.samples.map((s) => s.mib));
  }

  /** The largest sample within [fromSim, toSim). */
  peakBetween(fromSim: number, toSim: number): number | null {
    const within = this.samples.filter((s) => s.at >= fromSim && s.at < toSim).map((s) => s.mib);
    return within.length ? Math.max(...within) : null;
  }
}
