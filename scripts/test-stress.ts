// `npm run test:stress [-- --rounds N] [-- --load K] [-- --slow-io MS] [files…]`: the suite (or the
// files named) run N times over, with K processes keeping the CPU busy beside it, as on a lab PC
// doing other work, and with --slow-io every file request of the test processes held up to MS (a
// busy disk: test/setup/slow-thread-pool.ts). A test that passes only on an idle machine races
// something; this finds it. Every failure is
// printed with its round and test name, then one line per round and a total; each round's whole
// output is kept under test-output/stress/. The busy processes stop with this script, on Ctrl+C
// too (and by themselves if it is killed outright). Exit 0 when every round passed.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = join(root, 'test-output', 'stress');

const USAGE =
  'usage: npm run test:stress [-- --rounds N] [-- --load K] [-- --slow-io MS] [test files…]  (N rounds, default 3; K busy processes, default 2; file requests held up to MS, default 0)';

/** A busy process: spins 50 ms at a time and, in between, notices when this script is gone (its IPC channel closes). */
const BUSY = "process.on('disconnect', () => process.exit(0)); const spin = () => { const until = Date.now() + 50; while (Date.now() < until); setImmediate(spin); }; spin();";

interface Options {
  rounds: number;
  load: number;
  /** Up to how long each file request of the test processes waits for a thread of the pool, ms (0: as it comes). */
  slowIoMs: number;
  files: string[];
}

function count(name: string, text: string | undefined, fallback: number, least: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < least) throw new Error(`--${name} is "${text}"; expected a whole number, ${least} or more`);
  return n;
}

function options(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { rounds: { type: 'string' }, load: { type: 'string' }, 'slow-io': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return { rounds: count('rounds', values.rounds, 3, 1), load: count('load', values.load, 2, 0), slowIoMs: count('slow-io', values['slow-io'], 0, 0), files: positionals };
}

/** What one round of vitest's JSON report holds that is read here. */
interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { ancestorTitles: string[]; title: string; status: string; failureMessages: string[] }[];
  }[];
}

interface Round {
  passed: number;
  failed: number;
  skipped: number;
  /** One line per failure: the test's file and name, and the first line of why. */
  failures: string[];
  seconds: number;
  log: string;
}

const firstLine = (text: string | undefined) => (text ?? '').replace(/\u001b\[[0-9;]*m/g, '').trim().split('\n')[0] ?? '';

function failuresIn(report: Report): string[] {
  const lines: string[] = [];
  for (const file of report.testResults) {
    const name = relative(root, file.name);
    const failed = file.assertionResults.filter((t) => t.status === 'failed');
    for (const t of failed) lines.push(`${name} > ${[...t.ancestorTitles, t.title].join(' > ')}: ${firstLine(t.failureMessages[0])}`);
    // A file that failed outside any test (it did not load, a hook threw).
    if (file.status === 'failed' && failed.length === 0) lines.push(`${name}: ${firstLine(file.message) || 'failed outside its tests'}`);
  }
  return lines;
}

const running = new Set<ChildProcess>();

function stopAll(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

function startLoad(k: number): void {
  for (let i = 0; i < k; i++) running.add(spawn(process.execPath, ['-e', BUSY], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }));
}

function runRound(n: number, files: string[], slowIoMs: number): Promise<Round> {
  const json = join(outDir, `round-${n}.json`);
  const log = join(outDir, `round-${n}.log`);
  rmSync(json, { force: true });
  const fd = openSync(log, 'w');
  const started = Date.now();
  const vitest = spawn(
    process.execPath,
    [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=./test/helpers/summary-reporter.ts', '--reporter=json', `--outputFile.json=${json}`, ...files],
    { cwd: root, stdio: ['ignore', fd, fd], env: { ...process.env, NO_COLOR: '1', ...(slowIoMs > 0 ? { HV_SLOW_IO_MS: String(slowIoMs) } : {}) } },
  );
  running.add(vitest);
  return new Promise((resolve) => {
    vitest.on('close', (code, signal) => {
      running.delete(vitest);
      closeSync(fd);
      const seconds = (Date.now() - started) / 1000;
      if (!existsSync(json)) {
        resolve({ passed: 0, failed: 1, skipped: 0, failures: [`vitest ended (${signal ?? `exit code ${code}`}) without a report`], seconds, log });
        return;
      }
      const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
      const failures = failuresIn(report);
      resolve({ passed: report.numPassedTests, failed: Math.max(report.numFailedTests, failures.length), skipped: report.numPendingTests + report.numTodoTests, failures, seconds, log });
    });
  });
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = options(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`test:stress: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  mkdirSync(outDir, { recursive: true });
  const what = opts.files.length > 0 ? opts.files.join(' ') : 'the whole suite';
  const slowIo = opts.slowIoMs > 0 ? `, file requests held up to ${opts.slowIoMs} ms` : '';
  process.stdout.write(`${what}, ${opts.rounds} round(s), ${opts.load} busy process(es) beside it${slowIo}; each round's output in ${relative(root, outDir)}/\n`);
  startLoad(opts.load);
  const rounds: Round[] = [];
  for (let n = 1; n <= opts.rounds; n++) {
    const round = await runRound(n, opts.files, opts.slowIoMs);
    rounds.push(round);
    for (const failure of round.failures) process.stdout.write(`round ${n}  FAIL  ${failure}\n`);
    const where = round.failed > 0 ? `  (${relative(root, round.log)})` : '';
    process.stdout.write(`round ${n}/${opts.rounds}: ${round.passed} passed, ${round.failed} failed, ${round.skipped} skipped in ${round.seconds.toFixed(0)} s${where}\n`);
  }
  stopAll();
  const sum = (key: 'passed' | 'failed' | 'skipped') => rounds.reduce((s, r) => s + r[key], 0);
  const failedRounds = rounds.map((r, i) => (r.failed > 0 ? i + 1 : 0)).filter((n) => n > 0);
  process.stdout.write(
    `total: ${opts.rounds} round(s) with ${opts.load} busy process(es)${slowIo}: ${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped; ` +
      `${failedRounds.length === 0 ? 'every round passed' : `round(s) ${failedRounds.join(', ')} failed`}\n`,
  );
  return failedRounds.length === 0 ? 0 : 1;
}

// The busy processes never outlive this script: on its exit, and on Ctrl+C or a stop (the test run stops too).
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    stopAll();
    process.stdout.write(`\ntest:stress: stopped (${signal})\n`);
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    stopAll();
    process.stderr.write(`test:stress: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
