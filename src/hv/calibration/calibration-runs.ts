// Calibration runs of the rack as the lab records them: `voltage_sets.csv` (setpoints, HV volts and
// calibrator volts) and `voltage.csv` (voltmeter readings every ~4 s); HV = reading × divider ratio.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const MAIN_DIVIDER_RATIO = -4050.65;

export interface Setpoint {
  /** Seconds since the epoch. */
  at: number;
  hv: number;
  calibratorVolts: number;
}

export interface RunReading {
  at: number;
  /** Volts at the voltmeter. */
  raw: number;
  hv: number;
}

export interface CalibrationRun {
  name: string;
  setpoints: Setpoint[];
  readings: RunReading[];
}

function rows(text: string): string[][] {
  return text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(',').map((field) => field.trim().replace(/^"|"$/g, '')));
}

/** ISO timestamps without a zone are the lab's local time; parsed as UTC here only to get differences right. */
function seconds(timestamp: string): number {
  return Date.parse(`${timestamp}Z`) / 1000;
}

export function parseRun(name: string, setsCsv: string, readingsCsv: string, dividerRatio = MAIN_DIVIDER_RATIO): CalibrationRun {
  const setpoints = rows(setsCsv).map(([at, hv, scaled]) => ({ at: seconds(at!), hv: Number(hv), calibratorVolts: Number(scaled) }));
  const readings = rows(readingsCsv).map(([at, raw]) => ({ at: seconds(at!), raw: Number(raw), hv: Number(raw) * dividerRatio }));
  return { name, setpoints, readings };
}

export function loadRun(dir: string): CalibrationRun {
  return parseRun(basename(dir), readFileSync(join(dir, 'voltage_sets.csv'), 'utf8'), readFileSync(join(dir, 'voltage.csv'), 'utf8'));
}

/** Every run (a folder holding both files) below `dir`, in name order. */
export function loadRuns(dir: string): CalibrationRun[] {
  return readdirSync(dir)
    .sort()
    .map((name) => join(dir, name))
    .filter((path) => existsSync(join(path, 'voltage.csv')) && existsSync(join(path, 'voltage_sets.csv')))
    .map(loadRun);
}

/** Writes readings in the lab's CSV form. */
export function readingsCsv(readings: { at: number; raw: number }[]): string {
  const lines = readings.map((r) => `"${new Date(r.at * 1000).toISOString().slice(0, 23).replace('Z', '')}000","${r.raw.toPrecision(7)}",""`);
  return ['"timestamp","voltage","voltage_scaled"', ...lines].join('\n') + '\n';
}
