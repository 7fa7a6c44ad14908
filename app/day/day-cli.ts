// `hv-sim day`: the options of a simulated day and what it prints, kept beside the day itself so
// the CLI entry point only registers the command.

import type { Command as Cli } from 'commander';
import { readFileSync } from 'node:fs';
import { numberArgument } from '../../src/kit/cli/parse-number.js';
import { ScenarioError } from '../cli/scenario.js';
import { formatDay, localMidnight, runDay } from './run-day.js';
import { scheduleFromScenario } from './day-schedule.js';

interface DayFlags {
  date?: string;
  seed: number;
  hours: number;
  schedule?: string;
  commands?: number;
  config?: string;
  dataDir?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  json?: boolean;
}

export function addDayCommand(program: Cli): void {
  program
    .command('day')
    .description('run a simulated day of the whole rack (server, drivers, simulated instruments, readings log) on a discrete-event clock, as fast as the machine allows; print readings expected / published / logged, answers by status and wall time')
    .option('--date <YYYY-MM-DD>', 'the simulated day (local midnight to midnight)', '2026-03-02')
    .option('--seed <n>', 'seed of the simulated instruments and of the commands (same seed, same readings log)', numberArgument('--seed', true), 1)
    .option('--hours <h>', 'simulated hours', numberArgument('--hours'), 24)
    .option('--schedule <file>', 'an Online scenario (SET_VOLTAGE / SET_VOLTAGE_AND_CHECK lines) to send, one command per slot, repeated as needed')
    .option('--commands <n>', 'commands in the day (default: one every 10 simulated minutes)', numberArgument('--commands', true))
    .option('--config <file>', 'a server config (its rack must be simulated: sim:: resources)')
    .option('--data-dir <dir>', 'keep the readings and the JSON log here (default: a temporary directory, removed)')
    .option('--log-level <level>', 'level of the JSON log file', 'info')
    .option('--json', 'print the figures as one JSON object instead')
    .action(async (flags: DayFlags) => {
      const usage = (text: string): never => {
        process.stderr.write(`hv-sim: ${text}\n`);
        process.exit(2);
      };
      if (!(flags.hours > 0)) usage(`--hours is ${flags.hours}; expected a number above 0`);
      if (flags.date) {
        try {
          localMidnight(flags.date);
        } catch (err) {
          usage(`--date: ${(err as Error).message}`);
        }
      }
      const count = flags.commands ?? Math.round(flags.hours * 6);
      let commands;
      if (flags.schedule) {
        try {
          commands = scheduleFromScenario(readFileSync(flags.schedule, 'utf8'), count);
        } catch (err) {
          const text = err instanceof ScenarioError ? err.problems.join('\n') : (err as Error).message;
          process.stderr.write(`hv-sim: schedule ${flags.schedule}: ${text}\n`);
          process.exit(2);
        }
      }
      const report = await runDay({
        seed: flags.seed,
        hours: flags.hours,
        logLevel: flags.logLevel,
        ...(flags.date ? { date: flags.date } : {}),
        ...(commands ? { commands } : {}),
        ...(flags.config ? { config: flags.config } : {}),
        ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
        ...(flags.commands !== undefined && !commands ? { commandCount: flags.commands } : {}),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : `${formatDay(report)}\n`);
      const lost = report.totals.published !== report.totals.expected || report.totals.logged !== report.totals.expected;
      if (lost) process.stderr.write('hv-sim: some readings read out of the voltmeters were not published or not logged\n');
      process.exitCode = lost || report.unanswered > 0 ? 1 : 0;
    });
}
