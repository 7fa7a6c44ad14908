// The commands of a simulated day, Online-like: scans of block 1's retarding potential with
// set_voltage_and_check (max_error 5 V, timeout 20 s), block 2 set now and then, block 1 back to 0 V
// (max_error 10 V) at the end of each run. Seeded, so the same seed gives the same day.
// A schedule file (`hv-sim day --schedule FILE`) is an Online scenario (examples/scenario.txt):
// its HV lines are sent in order, again from the top when the day wants more commands.

import type { Command } from '../../schemas/types.js';
import { parseScenario } from '../cli/scenario.js';
import { SeededRandom } from '../../sim/random.js';

/** Online's defaults. */
const MAX_ERROR_V = 5;
const MAX_ERROR_AT_ZERO_V = 10;
const CHECK_TIMEOUT_S = 20;
/** Points per run of a scan, then block 1 goes back to 0 V. */
const RUN_POINTS = 11;

export interface BlockRange {
  id: number;
  min: number;
  max: number;
}

/** `count` commands of an Online-like day on blocks 1 (scans) and 2 (shifts), seeded. */
export function onlineDay(count: number, seed: number, blocks: readonly BlockRange[]): Command[] {
  const rng = new SeededRandom(seed * 7919 + 17);
  const b1 = blocks.find((b) => b.id === 1);
  const b2 = blocks.find((b) => b.id === 2);
  const scan: number[] = [];
  if (b1) for (let v = 14_000; v <= 18_600; v += 100) if (v >= b1.min && v <= b1.max) scan.push(v);
  const shifts: number[] = [];
  if (b2) for (let v = b2.min; v <= b2.max; v += 50) shifts.push(v);
  const commands: Command[] = [];
  let point = Math.floor(rng.next() * Math.max(1, scan.length));
  for (let k = 0; commands.length < count; k++) {
    const inRun = k % (RUN_POINTS + 1);
    if (b1 && inRun === RUN_POINTS) {
      commands.push(check(1, 0, MAX_ERROR_AT_ZERO_V));
    } else if (b2 && (rng.next() < 0.2 || !b1)) {
      commands.push(set(2, shifts[Math.floor(rng.next() * shifts.length)]!));
    } else if (b1) {
      commands.push(check(1, scan[point % scan.length]!, MAX_ERROR_V));
      point += 1 + Math.floor(rng.next() * 3);
    } else break;
  }
  return commands;
}

/** As Online sends them: the block as a string. */
function check(block: number, voltage: number, maxError: number, timeout = CHECK_TIMEOUT_S): Command {
  return { command_type: 'set_voltage_and_check', block, blockAsSent: String(block), voltage, max_error: maxError, timeout };
}

function set(block: number, voltage: number): Command {
  return { command_type: 'set_voltage', block, blockAsSent: String(block), voltage };
}

/** A scenario file's HV lines as commands, repeated until there are `count` (throws ScenarioError on a bad line). */
export function scheduleFromScenario(text: string, count: number): Command[] {
  const steps = parseScenario(text).flatMap((s): Command[] => {
    if (s.kind === 'set') return [set(s.block, s.volts)];
    if (s.kind === 'check') return [check(s.block, s.volts, s.maxError, s.timeout)];
    return [];
  });
  if (steps.length === 0) throw new Error('the schedule has no SET_VOLTAGE or SET_VOLTAGE_AND_CHECK line');
  return Array.from({ length: count }, (_, i) => steps[i % steps.length]!);
}
