// Whether a scaled clock keeps up: a simulated rack run K times faster than real time needs every
// wait to last 1/K of its simulated length, but no wait on the event loop lasts less than what the
// loop can honour (a timer is at least a millisecond late in Node, more when the loop is busy).
// A wait of the simulated bus (2 ms) thus costs K milliseconds of simulated time at the least, and
// each reading cycle (4.02 s, a few such waits) stretches; past some K the voltmeters give only a
// fraction of their readings, and their time-outs, shorter in real time than the loop's delays,
// restart them.
//
// TimeKeeping measures the loop (how long the shortest timer really takes, how busy the loop is),
// from a lag source that the server starts (real timers) and a test stubs, and says whether the
// requested scale keeps up, which scale would, and the real-time floor every time-out should keep.

import { performance } from 'node:perf_hooks';

export interface LagSample {
  /** Real ms the shortest timer (asked for 1 ms) took. */
  timerMs: number;
  /** Share of real time the event loop was busy since the last sample, 0…1. */
  busy: number;
}

/** Where the measurements come from: real timers in the server, a stub in tests. */
export interface LagSource {
  /** Measures `count` shortest timers one after the other, now (at start). */
  burst(count: number): Promise<LagSample[]>;
  /** Samples every so often until the returned function is called. */
  start(onSample: (sample: LagSample) => void): () => void;
}

export interface TimeKeepingOptions {
  /** The time scale asked for now (it may change while running). */
  scale: () => number;
  /** The simulated length of one reading cycle, ms (the voltmeters' 4.02 s). */
  cycleMs: number;
  /** Waits in one cycle that each cost at least one shortest timer (bus writes, the measurement, the reply). */
  waitsPerCycle: number;
  /** Share of the readings a scale must give to count as keeping up (0.8). */
  keepUpFraction?: number;
  /** Samples the verdict is drawn from while running (20). */
  window?: number;
  /** Told whenever the verdict changes (and once at start). */
  changed?: (verdict: TimeKeepingVerdict) => void;
  /** Told of every verdict, changed or not (its figures move with each sample). */
  sampled?: (verdict: TimeKeepingVerdict) => void;
}

export interface TimeKeepingVerdict {
  /** The time scale asked for. */
  timeScale: number;
  keepsUp: boolean;
  /** The highest scale this machine keeps up with now (rounded down to two significant digits). */
  highestScale: number;
  /** Mean real ms of the shortest timer over the window. */
  timerMs: number;
  /** Share of the readings the asked scale gives: one cycle / (one cycle + its waits' delays). */
  readingsFraction: number;
  /** Share of real time the event loop was busy. */
  busy: number;
  /** One sentence: what was asked, what the machine can do, what to do. */
  sentence: string;
}

/** Above this share of busy time the loop has no room left, whatever its timers say. */
const SATURATED = 0.9;

function twoDigitsDown(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 1);
  return Math.max(1, Math.floor(x / magnitude) * magnitude);
}

const shown = (k: number) => (Number.isInteger(k) ? String(k) : k.toFixed(1));

export class TimeKeeping {
  private readonly samples: LagSample[] = [];
  private verdictNow: TimeKeepingVerdict | null = null;
  private stopSampling: (() => void) | null = null;

  constructor(private readonly options: TimeKeepingOptions) {}

  /**
   * Judges at once on the least any timer takes (1 ms: a scale that cannot keep up even so is told
   * before anything else runs), then measures a burst of timers, judges again, and keeps sampling.
   * Resolves with the verdict after the burst.
   */
  async start(source: LagSource, burst = 8): Promise<TimeKeepingVerdict> {
    this.evaluate(true);
    for (const s of await source.burst(burst)) this.add(s);
    const first = this.evaluate(false);
    this.stopSampling = source.start((s) => {
      this.add(s);
      this.evaluate(false);
    });
    return first;
  }

  stop(): void {
    this.stopSampling?.();
    this.stopSampling = null;
  }

  /** The last verdict (null before the first measurement). */
  get verdict(): TimeKeepingVerdict | null {
    return this.verdictNow;
  }

  /** Takes one sample, as a lag source would, and re-evaluates (for tests and custom sources). */
  sample(s: LagSample): TimeKeepingVerdict {
    this.add(s);
    return this.evaluate(false);
  }

  /** The real ms a time-out should last at the least: well beyond what the loop makes a timer wait. */
  get deadlineFloorMs(): number {
    return 20 * (this.verdictNow?.timerMs ?? 1);
  }

  private add(s: LagSample): void {
    this.samples.push(s);
    const window = this.options.window ?? 20;
    if (this.samples.length > window) this.samples.splice(0, this.samples.length - window);
  }

  /** Judges the asked scale on the samples; tells `changed` when the verdict flips (or `always`). */
  evaluate(always = false): TimeKeepingVerdict {
    const k = this.options.scale();
    const n = Math.max(1, this.samples.length);
    const timerMs = Math.max(1, this.samples.reduce((s, x) => s + x.timerMs, 0) / n);
    const busy = this.samples.reduce((s, x) => s + x.busy, 0) / n;
    const { cycleMs, waitsPerCycle } = this.options;
    const keepUp = this.options.keepUpFraction ?? 0.8;
    // Each wait of the cycle is late by at least one shortest timer: timerMs real, K × timerMs simulated.
    const fractionAt = (scale: number) => cycleMs / (cycleMs + waitsPerCycle * timerMs * scale);
    const readingsFraction = Number.isFinite(k) ? fractionAt(k) : 0;
    // What the loop honours when not loaded by this scale's own work: the quickest timer of the window.
    const baseMs = Math.max(1, Math.min(...this.samples.map((x) => x.timerMs), timerMs));
    let highest = (cycleMs * (1 / keepUp - 1)) / (waitsPerCycle * baseMs);
    // A loop with no time left cannot go faster than it goes now.
    if (busy > SATURATED && Number.isFinite(k)) highest = Math.min(highest, (k * SATURATED) / busy);
    const highestScale = twoDigitsDown(highest);
    const keepsUp = k <= 1 || (readingsFraction >= keepUp && !(busy > SATURATED));
    const pct = (x: number) => `${Math.round(x * 100)} %`;
    const sentence = keepsUp
      ? `time scale ×${shown(k)} keeps up: a timer takes ${timerMs.toFixed(1)} ms of real time, the event loop is busy ${pct(busy)}, ${pct(readingsFraction)} of the readings come; this machine keeps up to about ×${highestScale}`
      : `time scale ×${shown(k)} is more than this machine keeps up with: a timer takes ${timerMs.toFixed(1)} ms of real time (×${shown(k)}: ${((timerMs * k) / 1000).toFixed(1)} s simulated) and the event loop is busy ${pct(busy)}, ` +
        `so only about ${pct(readingsFraction)} of the readings come; it keeps up to about ×${highestScale} (${pct(keepUp)} of the readings or more); lower the time scale`;
    const verdict: TimeKeepingVerdict = { timeScale: k, keepsUp, highestScale, timerMs, readingsFraction, busy, sentence };
    const flipped = !this.verdictNow || this.verdictNow.keepsUp !== keepsUp || this.verdictNow.timeScale !== k;
    this.verdictNow = verdict;
    if (flipped || always) this.options.changed?.(verdict);
    this.options.sampled?.(verdict);
    return verdict;
  }
}

/** The status's view of a verdict (snake_case, as /api/status names things). */
export function timeKeepingStatus(v: TimeKeepingVerdict | null): Record<string, unknown> | null {
  if (!v) return null;
  return {
    time_scale: v.timeScale,
    keeps_up: v.keepsUp,
    highest_scale: v.highestScale,
    timer_ms: Math.round(v.timerMs * 100) / 100,
    readings_fraction: Math.round(v.readingsFraction * 1000) / 1000,
    event_loop_busy: Math.round(v.busy * 1000) / 1000,
    sentence: v.sentence,
  };
}

/** Real timers: the shortest timeout's real length, and the loop's busy share between samples. */
export function realLagSource(intervalMs = 250): LagSource {
  const one = (): Promise<number> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      setTimeout(() => resolve(performance.now() - t0), 1).unref();
    });
  return {
    async burst(count) {
      const out: LagSample[] = [];
      let elu = performance.eventLoopUtilization();
      for (let i = 0; i < count; i++) {
        const timerMs = await one();
        const now = performance.eventLoopUtilization();
        out.push({ timerMs, busy: performance.eventLoopUtilization(now, elu).utilization });
        elu = now;
      }
      return out;
    },
    start(onSample) {
      let elu = performance.eventLoopUtilization();
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const next = () => {
        timer = setTimeout(() => {
          void one().then((timerMs) => {
            if (stopped) return;
            const now = performance.eventLoopUtilization();
            onSample({ timerMs, busy: performance.eventLoopUtilization(now, elu).utilization });
            elu = now;
            next();
          });
        }, intervalMs);
        timer.unref();
      };
      next();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      };
    },
  };
}
