// npm run bench:day [-- --hours H] [-- --seed S] [-- --runs N] [-- --count-hours H] [-- --json FILE]
// A simulated day of the whole rack on the discrete-event clock (`hv-sim day`), with the machine it
// ran on: wall and CPU time, readings read out / published / logged, answers by status.
//
// A shared machine's speed for this work drifts far more than a tight loop shows, so the day's CPU
// is quoted as a ratio to a fixed XState workload run beside it, in the same run:
// bench/xstate-reference.cjs (20,000 times a promise actor and an event with an assignment), run
// as a child process before the first day and after each day; each day is divided by the mean of
// the reference runs either side of it. `--runs N` runs the day N times (2: and says whether the
// readings log is the same for the seed).
//
// Then a shorter counted day (`--count-hours`, 2 h; 0: none) says what one reading costs end to end:
// actor events and snapshots by kind of actor, actors started, timers, broadcasts, log lines, heap
// bytes allocated (app/day/reading-cost.ts). It runs apart because counting slows the day down.
//
// Exit 1 when a reading read out of a voltmeter was not published or not logged, a command went
// unanswered, the day cost more than 5× the reference, or two runs of a seed logged different readings.

import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { numberArgument } from '../src/kit/cli/parse-number.js';
import { formatDay, runDay, type DayReport } from '../app/day/run-day.js';
import { formatReadingCost } from '../app/day/reading-cost.js';

const program = new Command('bench:day')
  .option('--hours <h>', 'simulated hours', numberArgument('--hours'), 24)
  .option('--seed <n>', 'seed', numberArgument('--seed', true), 1)
  .option('--runs <n>', 'days to run, each with a reference run after it', numberArgument('--runs', true), 2)
  .option('--twice', 'the same as --runs 2 (kept for scripts that say so)')
  .option('--count-hours <h>', 'hours of the counted day that says what one reading costs (0: none)', numberArgument('--count-hours'), 2)
  .option('--json <file>', 'also write the figures as JSON')
  .parse();
const opts = program.opts<{ hours: number; seed: number; runs: number; twice?: boolean; countHours: number; json?: string }>();
const runCount = Math.max(1, opts.twice ? Math.max(2, opts.runs) : opts.runs);

/** The bound: a simulated day costs at most this many times the reference's CPU. */
const RATIO_LIMIT = 5;

/** The package's root, where `xstate` resolves for the reference (this file runs from dist/bench/). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REFERENCE = fileURLToPath(new URL('../../bench/xstate-reference.cjs', import.meta.url));

/** CPU seconds of one reference run, as it prints them. */
function reference(): number {
  const out = execFileSync(process.execPath, [REFERENCE], { cwd: ROOT, encoding: 'utf8' }).trim();
  const s = Number(out);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`bench/xstate-reference.cjs printed ${JSON.stringify(out)}; expected its CPU seconds`);
  return s;
}

async function day(): Promise<{ report: DayReport; cpuS: number }> {
  const cpu = process.cpuUsage();
  const report = await runDay({ hours: opts.hours, seed: opts.seed });
  const used = process.cpuUsage(cpu);
  return { report, cpuS: (used.user + used.system) / 1e6 };
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`;
process.stdout.write(`bench:day on ${machine}\n`);
const refs = [reference()];
process.stdout.write(`reference (bench/xstate-reference.cjs): ${refs[0]!.toFixed(3)} s CPU\n`);
const runs: { report: DayReport; cpuS: number; referenceS: number; ratio: number }[] = [];
for (let i = 0; i < runCount; i++) {
  const run = await day();
  refs.push(reference());
  const referenceS = (refs[i]! + refs[i + 1]!) / 2;
  runs.push({ ...run, referenceS, ratio: run.cpuS / referenceS });
  if (i === 0) process.stdout.write(`${formatDay(run.report)}\n`);
  process.stdout.write(
    `run ${i + 1}: ${(run.report.wallMs / 1000).toFixed(2)} s wall, ${run.cpuS.toFixed(2)} s CPU = ${(run.cpuS / referenceS).toFixed(2)}× the reference (${referenceS.toFixed(3)} s, mean of the runs either side: ${refs[i]!.toFixed(3)}, ${refs[i + 1]!.toFixed(3)})\n`,
  );
}
const ratios = runs.map((r) => r.ratio);
const worst = Math.max(...ratios);
if (runs.length > 1) process.stdout.write(`day / reference over ${runs.length} runs: ${Math.min(...ratios).toFixed(2)}–${worst.toFixed(2)}×\n`);

let counted: DayReport | null = null;
if (opts.countHours > 0) {
  counted = await runDay({ hours: opts.countHours, seed: opts.seed, count: true });
  if (counted.cost) process.stdout.write(`${formatReadingCost(counted.cost)}\n  (a ${opts.countHours} h day, seed ${opts.seed}, counted apart from the timed runs)\n`);
}

const first = runs[0]!;
const musts: [string, boolean][] = [
  ['every reading read out of a voltmeter is published', first.report.totals.published === first.report.totals.expected],
  ['every reading published is logged', first.report.totals.logged === first.report.totals.published],
  ['every command answered', first.report.unanswered === 0],
];
if (opts.hours === 24) musts.push([`a day costs at most ${RATIO_LIMIT}× the reference's CPU (worst run ${worst.toFixed(2)}×)`, worst <= RATIO_LIMIT]);
if (runs.length > 1) musts.push(['the same seed gives the same readings log', runs.every((r) => r.report.digest === first.report.digest)]);
if (counted) musts.push(['the counted day published and logged every reading', counted.totals.published === counted.totals.expected && counted.totals.logged === counted.totals.published]);
for (const [what, ok] of musts) process.stdout.write(`${ok ? 'PASS' : 'FAIL'} ${what}\n`);
if (opts.json) {
  const figures = { machine, references: refs, runs: runs.map((r) => ({ ...r.report, cpuS: r.cpuS, referenceS: r.referenceS, ratio: r.ratio })), cost: counted?.cost ?? null };
  writeFileSync(opts.json, `${JSON.stringify(figures, null, 2)}\n`);
}
process.exitCode = musts.every(([, ok]) => ok) ? 0 : 1;
