// npm run bench:day [-- --hours H] [-- --seed S] [-- --twice] [-- --json FILE]
// A simulated day of the whole rack on the discrete-event clock (`hv-sim day`), with the machine it
// ran on: wall and CPU time, readings read out / published / logged, answers by status. `--twice`
// runs it again and says whether the readings log is the same (determinism for a seed).
// Exit 1 when a reading read out of a voltmeter was not published or not logged, or a must fails.

import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { numberArgument } from '../src/kit/cli/parse-number.js';
import { formatDay, runDay, type DayReport } from '../app/day/run-day.js';

const program = new Command('bench:day')
  .option('--hours <h>', 'simulated hours', numberArgument('--hours'), 24)
  .option('--seed <n>', 'seed', numberArgument('--seed', true), 1)
  .option('--twice', 'run the day twice and compare the readings logs')
  .option('--json <file>', 'also write the figures as JSON')
  .parse();
const opts = program.opts<{ hours: number; seed: number; twice?: boolean; json?: string }>();

/** The figure the issue asks for: a day in 10 s on a 2-core machine. */
const DAY_LIMIT_S = 10;

async function once(): Promise<{ report: DayReport; cpuS: number }> {
  const cpu = process.cpuUsage();
  const report = await runDay({ hours: opts.hours, seed: opts.seed });
  const used = process.cpuUsage(cpu);
  return { report, cpuS: (used.user + used.system) / 1e6 };
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`;
process.stdout.write(`bench:day on ${machine}\n`);
const runs = [await once()];
if (opts.twice) runs.push(await once());
const first = runs[0]!;
process.stdout.write(`${formatDay(first.report)}\nCPU time ${first.cpuS.toFixed(2)} s\n`);
const musts: [string, boolean][] = [
  ['every reading read out of a voltmeter is published', first.report.totals.published === first.report.totals.expected],
  ['every reading published is logged', first.report.totals.logged === first.report.totals.published],
  ['every command answered', first.report.unanswered === 0],
];
if (opts.hours === 24) musts.push([`a day in at most ${DAY_LIMIT_S} s of wall time (${(first.report.wallMs / 1000).toFixed(2)} s)`, first.report.wallMs <= DAY_LIMIT_S * 1000]);
if (runs[1]) {
  process.stdout.write(`second run: ${(runs[1].report.wallMs / 1000).toFixed(2)} s wall, ${runs[1].cpuS.toFixed(2)} s CPU, digest ${runs[1].report.digest}\n`);
  musts.push(['the same seed gives the same readings log', runs[1].report.digest === first.report.digest]);
}
for (const [what, ok] of musts) process.stdout.write(`${ok ? 'PASS' : 'FAIL'} ${what}\n`);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ machine, runs: runs.map((r) => ({ ...r.report, cpuS: r.cpuS })) }, null, 2)}\n`);
process.exitCode = musts.every(([, ok]) => ok) ? 0 : 1;
