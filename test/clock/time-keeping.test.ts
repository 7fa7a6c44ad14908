// Time keeping on a stubbed lag source: whether a scaled clock keeps up, which scale would, and
// the sentence the server shows; nothing here waits for real time.
import { describe, expect, it } from 'vitest';
import { TimeKeeping, timeKeepingStatus, type LagSample, type LagSource, type TimeKeepingVerdict } from '../../src/kit/clock/time-keeping.js';

/** A lag source whose samples the test gives. */
function stubSource(burst: LagSample[]): LagSource & { push(s: LagSample): void; stopped: boolean } {
  let listener: ((s: LagSample) => void) | null = null;
  const source = {
    stopped: false,
    burst: async () => burst,
    start(onSample: (s: LagSample) => void) {
      listener = onSample;
      return () => {
        source.stopped = true;
        listener = null;
      };
    },
    push: (s: LagSample) => listener?.(s),
  };
  return source;
}

const CYCLE_MS = 4020;

describe('TimeKeeping', () => {
  it('at start: ×1000 with 1.5 ms timers does not keep up and names the scale that would; ×20 does', async () => {
    let scale = 1000;
    const changes: TimeKeepingVerdict[] = [];
    const keeping = new TimeKeeping({ scale: () => scale, cycleMs: CYCLE_MS, waitsPerCycle: 4, changed: (v) => changes.push(v) });
    const source = stubSource(Array.from({ length: 8 }, () => ({ timerMs: 1.5, busy: 0.05 })));
    const first = await keeping.start(source);
    expect(first.keepsUp).toBe(false);
    // 4020 / (4020 + 4 × 1.5 × 1000) = 40 % of the readings; 80 % needs 4 × 1.5 × K ≤ 1005, K ≤ 167.
    expect(first.readingsFraction).toBeCloseTo(0.401, 3);
    expect(first.highestScale).toBe(160);
    expect(first.sentence).toBe(
      'time scale ×1000 is more than this machine keeps up with: a timer takes 1.5 ms of real time (×1000: 1.5 s simulated) and the event loop is busy 5 %, ' +
        'so only about 40 % of the readings come; it keeps up to about ×160 (80 % of the readings or more); lower the time scale',
    );
    expect(changes).toHaveLength(1);
    expect(keeping.deadlineFloorMs).toBe(30);

    // The same machine at ×20: told once, when the verdict flips.
    scale = 20;
    source.push({ timerMs: 1.5, busy: 0.05 });
    expect(changes).toHaveLength(2);
    expect(changes[1]!.keepsUp).toBe(true);
    expect(changes[1]!.sentence).toMatch(/^time scale ×20 keeps up: a timer takes 1\.5 ms of real time, the event loop is busy 5 %, 97 % of the readings come; this machine keeps up to about ×160$/);
    source.push({ timerMs: 1.5, busy: 0.05 });
    expect(changes).toHaveLength(2);
    keeping.stop();
    expect(source.stopped).toBe(true);
  });

  it('while running: a loop that gets slow or saturated is no longer keeping up, and recovers', () => {
    const changes: boolean[] = [];
    const keeping = new TimeKeeping({ scale: () => 100, cycleMs: CYCLE_MS, waitsPerCycle: 4, window: 4, changed: (v) => changes.push(v.keepsUp) });
    expect(keeping.sample({ timerMs: 1.1, busy: 0.1 }).keepsUp).toBe(true);
    // Timers 4 ms late on average: 4020 / (4020 + 4 × 4 × 100) = 72 %.
    for (let i = 0; i < 4; i++) keeping.sample({ timerMs: 4, busy: 0.3 });
    expect(keeping.verdict!.keepsUp).toBe(false);
    expect(keeping.verdict!.readingsFraction).toBeCloseTo(0.715, 3);
    // Quick timers but no idle time left: saturated, so not keeping up either, and the highest scale is below the one asked.
    for (let i = 0; i < 4; i++) keeping.sample({ timerMs: 1, busy: 0.99 });
    expect(keeping.verdict!.keepsUp).toBe(false);
    expect(keeping.verdict!.highestScale).toBe(90);
    for (let i = 0; i < 4; i++) keeping.sample({ timerMs: 1, busy: 0.2 });
    expect(keeping.verdict!.keepsUp).toBe(true);
    // Told at each flip only (the window passes through both while it fills with the new samples).
    expect(changes[0]).toBe(true);
    expect(changes.at(-1)).toBe(true);
    expect(changes.every((v, i) => i === 0 || v !== changes[i - 1])).toBe(true);
    expect(timeKeepingStatus(keeping.verdict)).toMatchObject({ time_scale: 100, keeps_up: true, highest_scale: 250, timer_ms: 1, event_loop_busy: 0.2 });
    expect(timeKeepingStatus(null)).toBeNull();
  });
});
