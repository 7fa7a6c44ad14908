// The operator page's plot numbers (web/series.js, a plain ES module with no DOM): merge order,
// the setpoint in force, gaps, the deviation and its scale.
import { describe, expect, it } from 'vitest';

type Point = [number, number];
type Setpoint = [number, number, number | null];
interface Series {
  mergeByTime<T extends [number, ...unknown[]]>(into: T[], more: T[]): T[];
  dropBefore<T extends [number, ...unknown[]]>(items: T[], from: number, keepBefore?: boolean): T[];
  setpointAt(setpoints: Setpoint[], at: number): Setpoint | null;
  hvData(points: Point[], setpoints: Setpoint[], tolerance: number): [number[], ...(number | null | undefined)[][]];
  deviationData(points: Point[], setpoints: Setpoint[], tolerance: number): [number[], ...(number | null)[][]];
  deviationRange(devs: (number | null)[]): [number, number];
  deviationText(mv: number | null): [string, string];
  gapThreshold(points: Point[]): number;
}
const series = (await import(new URL('../../web/series.js', import.meta.url).href)) as Series;

const readings = (from: number, n: number, volts = 1000, period = 4000): Point[] => Array.from({ length: n }, (_, i) => [from + i * period, volts]);

describe('plot series', () => {
  it('merges history and live readings in time order, once each, whichever came first', () => {
    const live: Point[] = [[9000, 3], [13000, 4]];
    const history: Point[] = [[1000, 1], [5000, 2], [9000, 3]];
    expect(series.mergeByTime(history, live)).toEqual([[1000, 1], [5000, 2], [9000, 3], [13000, 4]]);
    expect(series.mergeByTime([...live], history)).toEqual([[1000, 1], [5000, 2], [9000, 3], [13000, 4]]);
    // The usual live case: appended.
    const points: Point[] = [[1000, 1]];
    expect(series.mergeByTime(points, [[5000, 2]])).toBe(points);
    expect(points).toEqual([[1000, 1], [5000, 2]]);
  });

  it('keeps the setpoint in force when older points are let go', () => {
    const setpoints: Setpoint[] = [[0, 100, 0.1], [5000, 200, null], [9000, 300, 0.05]];
    expect(series.dropBefore([...setpoints], 6000, true)).toEqual([[5000, 200, null], [9000, 300, 0.05]]);
    expect(series.dropBefore(readings(0, 4), 6000)).toEqual([[8000, 1000], [12000, 1000]]);
    expect(series.setpointAt(setpoints, 4999)).toEqual([0, 100, 0.1]);
    expect(series.setpointAt(setpoints, 5000)).toEqual([5000, 200, null]);
    expect(series.setpointAt(setpoints, -1)).toBeNull();
  });

  it('draws a downtime as a gap, not a ramp between its ends', () => {
    const points = [...readings(0, 5, 1000), ...readings(120_000, 5, 2000)];
    const [xs, hv = []] = series.hvData(points, [[0, 1000, 0.1]], 0.1);
    const gap = hv.indexOf(null);
    expect(gap).toBe(5);
    expect(xs[gap]! > 16 && xs[gap]! < 120).toBe(true);
    expect(hv.filter((v) => v === null)).toHaveLength(1);
    expect(series.deviationData(points, [[0, 1000, 0.1]], 0.1)[1]!.filter((v) => v === null)).toHaveLength(1);
    // Readings 4 s apart, or 8 s apart when thinned, are not gaps.
    expect(series.hvData(readings(0, 10, 1, 8000), [], 0.1)[1]!.includes(null)).toBe(false);
  });

  it('puts the setpoint step where it happened, with the band of its tolerance', () => {
    const points = readings(0, 4, 1000); // 0, 4000, 8000, 12000 ms
    const [xs, hv, sp, hi, lo] = series.hvData(points, [[-50_000, 1000, 0.1], [6000, 1500, 0.5]], 0.1);
    expect(xs).toEqual([0, 4, 6, 8, 12]);
    expect(hv).toEqual([1000, 1000, undefined, 1000, 1000]); // no reading at the step: joined over, not a gap
    expect(sp).toEqual([1000, 1000, 1500, 1500, 1500]);
    expect(hi![0]).toBeCloseTo(1000.1);
    expect(lo![4]).toBeCloseTo(1499.5);
    // A setpoint with no tolerance of its own gets the default band.
    expect(series.deviationData(points, [[0, 999.95, null]], 0.1)).toEqual([
      [0, 4, 8, 12],
      [expect.closeTo(50, 6), expect.closeTo(50, 6), expect.closeTo(50, 6), expect.closeTo(50, 6)],
      [100, 100, 100, 100],
      [-100, -100, -100, -100],
    ]);
  });

  it('scales the deviation so that the band, ±30 mV and a 50 mV step are plain; a trip or ramp widens it only as far as it needs', () => {
    const quiet = Array.from({ length: 200 }, (_, i) => (i % 2 ? 3 : -3));
    expect(series.deviationRange(quiet)).toEqual([-150, 150]);
    // A 50 mV step is a sixth of the plot's height; the band two thirds.
    const [lo, hi] = series.deviationRange([...quiet, ...Array(20).fill(50)]);
    expect(50 / (hi - lo)).toBeGreaterThanOrEqual(1 / 6);
    // A wide band does not widen it.
    expect(series.deviationRange(quiet)).toEqual([-150, 150]);
    // One outlier in a hundred readings does not squash the band.
    expect(series.deviationRange([...quiet, 5000])).toEqual([-150, 150]);
    // A trip (most readings 1000 V off) widens it to hold them.
    expect(series.deviationRange([...quiet.slice(0, 10), ...Array(20).fill(-1_000_000)])).toEqual([-2_000_000, 2_000_000]);
    expect(series.deviationText(12.4)).toEqual(['+12', 'mV']);
    expect(series.deviationText(-998_372)).toEqual(['−998.4', 'V']);
  });
});

describe('deviation scale while settling', () => {
  const series2 = series as Series & { settledDeviations(points: Point[], setpoints: Setpoint[], tolerance: number, from: number, to: number): number[] };
  it('leaves out a ramp to a new setpoint until a reading is within the band, but not a trip', () => {
    const ramp: Point[] = [[0, 0.5], [4000, 500], [8000, 999.94], [12000, 1000.02], [16000, 1000.01], [20000, 3], [24000, 1.5]];
    const mvs = series2.settledDeviations(ramp, [[0, 1000, 0.1]], 0.1, 0, 30_000);
    // The first reading inside the band (−60 mV) is still settling; within 30 mV, settled.
    expect(mvs.map(Math.round)).toEqual([20, 10, -997_000, -998_500]);
    expect(series.deviationRange(mvs)[1]).toBe(2_000_000);
    // Outside the range: not counted.
    expect(series2.settledDeviations(ramp, [[0, 1000, 0.1]], 0.1, 14_000, 18_000).map(Math.round)).toEqual([10]);
  });
});
