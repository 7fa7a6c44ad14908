#!/usr/bin/env node
// hv-client: talks to hv-server as Online does. Exit codes say what happened (see EXIT below).

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { numberArgument } from '../../src/kit/cli/parse-number.js';
import { checkCommand, HvConnection, setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';
import { parseScenario, type ScenarioStep } from './scenario.js';
import { whenStdoutCloses } from './closed-stdout.js';
import { showCheckProgress } from './check-progress.js';
import { acknowledgeAlarms, alarmLine, AlarmRequestError, listAlarms, type AlarmServer } from '../../src/kit/client/alarm-requests.js';

export const EXIT = {
  ok: 0,
  /** set_voltage_and_check answered `timeout` (or a scenario had one). */
  checkTimedOut: 1,
  usage: 2,
  /** The server refused or failed a command (an error reply). */
  errorReply: 3,
  /** No connection, or it was lost. */
  connection: 4,
  /** A fault in hv-client itself (a bug): never mistaken for a timed-out check (1). */
  internal: 5,
} as const;

const EXIT_HELP = `
Exit codes:
  0  ok (watch: also when interrupted, or when its reader closed stdout, e.g. | head)
  1  set --check or a scenario step answered timeout (the reading stayed outside max_error)
  2  bad usage: unknown command or option, a value that is not a number, --max-error,
     --timeout or --progress without --check, a scenario file that cannot be read or
     has a line that looks like an HV command but does not parse (nothing is sent then)
  3  the server answered an error reply, or refused an alarm action (its code and
     reason are printed)
  4  no connection to the server (for alarms and ack: to its web port), or it was lost
  5  an unexpected fault in hv-client itself (please report it)`;

/** Ends with a usage error (exit 2): one sentence, then the command's help, as commander does. */
function usageError(cmd: Command, message: string): never {
  cmd.error(`error: ${message}`, { exitCode: EXIT.usage, code: 'hv-client.usage' });
}

/** Options that only mean something with --check, refused without it rather than ignored. */
function refuseWithoutCheck(cmd: Command, opts: { check?: boolean }): void {
  if (opts.check) return;
  for (const [key, flag] of [['maxError', '--max-error'], ['timeout', '--timeout'], ['progress', '--progress']] as const) {
    if (cmd.getOptionValueSource(key) !== 'cli') continue;
    const value = cmd.getOptionValue(key) as unknown;
    const given = value === true ? flag : `${flag} ${String(value)}`;
    usageError(cmd, `${given} is only used with --check (set_voltage_and_check); add --check, or leave ${flag} out for a plain set_voltage`);
  }
}

/** Whether to show the progress line: on a terminal by default, elsewhere only when asked. */
const wantProgress = (asked: boolean | undefined) => asked === true || process.stderr.isTTY === true;


const now = () => new Date().toISOString().slice(11, 23);

function describe(m: Meta): string {
  if (m.type === 'reply') return `error ${String(m.error_code)} ${String(m.error_text_code)}: ${String(m.description)}`;
  if (m.answer_type === 'get_voltage') return `reading  block ${String(m.block)}  ${Number(m.voltage).toFixed(3)} V`;
  if (m.answer_type === 'set_voltage') return `set_voltage block ${String(m.block)}: ${String(m.status)}`;
  const reading = typeof m.voltage === 'number' ? ` at ${m.voltage.toFixed(3)} V (error ${Number(m.error).toFixed(3)} V)` : '';
  return `set_voltage_and_check block ${String(m.block)}: ${String(m.status)}${reading}`;
}

async function open(host: string, port: number): Promise<HvConnection> {
  try {
    return await HvConnection.open(host, port);
  } catch (err) {
    process.stderr.write(`hv-client: ${(err as Error).message}\n`);
    process.exit(EXIT.connection);
  }
}

/** Sends one command and waits for its answer; resolves with the exit code it means. */
async function runCommand(conn: HvConnection, meta: Meta, waitMs: number, progress: boolean): Promise<{ code: number; answer?: Meta }> {
  const answer = conn.answer(waitMs);
  conn.send(meta);
  const stopProgress =
    progress && meta.command_type === 'set_voltage_and_check'
      ? showCheckProgress(
          { block: String(meta.block), volts: Number(meta.voltage), maxError: Number(meta.max_error), timeout: Number(meta.timeout) },
          (l) => conn.onMessage(l),
          process.stderr,
        )
      : () => {};
  try {
    const m = await answer;
    if (m.type === 'reply') return { code: EXIT.errorReply, answer: m };
    return { code: m.status === 'ok' ? EXIT.ok : EXIT.checkTimedOut, answer: m };
  } catch (err) {
    stopProgress();
    process.stderr.write(`hv-client: ${(err as Error).message}\n`);
    return { code: EXIT.connection };
  } finally {
    stopProgress();
  }
}

const program = new Command('hv-client')
  .description('Sends HV commands to hv-server over TCP, as Online does, and prints what comes back.')
  .option('--host <host>', 'server address', '127.0.0.1')
  .option('--port <port>', 'server TCP port', numberArgument('--port'), 5555)
  .option('--http <url>', "the server's web port, for alarms and ack", 'http://127.0.0.1:8080')
  .option('--token <token>', 'a control token for ack, when the server asks for one (or HV_CONTROL_TOKEN)')
  // 'afterAll': `hv-client set --help` lists them too, where a script's author looks.
  .addHelpText('afterAll', EXIT_HELP)
  .showHelpAfterError()
  // Usage errors exit 2, like other Unix tools, instead of commander's 1 (which means "timed out" here).
  .exitOverride();

program
  .command('set')
  .description('set a block’s voltage; with --check, wait until a reading confirms it')
  .argument('<block>', 'block number (1 main, 2 shift)')
  .argument('<volts>', 'HV-side volts', numberArgument('volts'))
  .option('--check', 'send set_voltage_and_check instead of set_voltage')
  .option('--max-error <volts>', 'tolerance for --check', numberArgument('--max-error'), 5)
  .option('--timeout <seconds>', 'timeout for --check', numberArgument('--timeout'), 20)
  .option('--progress', 'show the progress line (reading, deviation, elapsed) on stderr even when it is not a terminal')
  .action(async (block: string, volts: number, opts: { check?: boolean; maxError: number; timeout: number; progress?: boolean }, cmd: Command) => {
    refuseWithoutCheck(cmd, opts);
    // The outcome is the exit code, so a closed stdout (| head) does not stop waiting for it.
    whenStdoutCloses(() => {}, EXIT.internal);
    const { host, port } = program.opts<{ host: string; port: number }>();
    const conn = await open(host, port);
    const meta = opts.check ? checkCommand(block, volts, opts.maxError, opts.timeout) : setVoltageCommand(block, volts);
    const { code, answer } = await runCommand(conn, meta, (opts.timeout + 60) * 1000, wantProgress(opts.progress));
    if (answer) process.stdout.write(`${describe(answer)}\n`);
    await conn.close();
    process.exit(code);
  });

program
  .command('watch')
  .description('print every reading and answer until interrupted')
  .option('--json', 'print each message as one JSON line')
  .action(async (opts: { json?: boolean }) => {
    // watch only prints: once its reader has gone (watch --json | head) there is nothing left to do.
    whenStdoutCloses(() => process.exit(EXIT.ok), EXIT.internal);
    const { host, port } = program.opts<{ host: string; port: number }>();
    const conn = await open(host, port);
    conn.onMessage((m) => process.stdout.write(opts.json ? `${JSON.stringify(m)}\n` : `${now()}  ${describe(m)}\n`));
    let interrupted = false;
    process.on('SIGINT', () => {
      interrupted = true;
      void conn.close();
    });
    await conn.closed;
    if (interrupted) process.exit(EXIT.ok);
    process.stderr.write('hv-client: the server closed the connection\n');
    process.exit(EXIT.connection);
  });

program
  .command('scenario')
  .description('run an Online scenario file: SET_VOLTAGE B V / SET_VOLTAGE_AND_CHECK B V [MAX_ERROR [TIMEOUT]]')
  .argument('<file>', 'scenario file')
  .option('--busy-retry <seconds>', 'wait before re-sending a command answered SERVER_BUSY_ERROR (8)', numberArgument('--busy-retry'), 5)
  .option('--progress', 'show the progress line of each check on stderr even when it is not a terminal')
  .action(async (file: string, opts: { busyRetry: number; progress?: boolean }) => {
    // A scenario moves the HV step by step: a closed pager must not leave it halfway.
    whenStdoutCloses(() => {}, EXIT.internal);
    const { host, port } = program.opts<{ host: string; port: number }>();
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      process.stderr.write(`hv-client: cannot read the scenario file ${file}: ${(err as Error).message}\n`);
      process.exit(EXIT.usage);
    }
    let steps: ScenarioStep[];
    try {
      // The whole file is checked before connecting, so a typo on line 40 sends nothing at all.
      steps = parseScenario(text);
    } catch (err) {
      process.stderr.write(`hv-client: ${(err as Error).message.replaceAll('\n', '\nhv-client: ')}\nhv-client: nothing was sent; fix the lines above and run again\n`);
      process.exit(EXIT.usage);
    }
    const conn = await open(host, port);
    let worst: number = EXIT.ok;
    for (const step of steps) {
      if (step.kind === 'skip') {
        process.stdout.write(`${now()}  line ${step.line}: skipped, not an HV command: ${step.text}\n`);
        continue;
      }
      const meta =
        step.kind === 'set'
          ? setVoltageCommand(step.block, step.volts)
          : checkCommand(step.block, step.volts, step.maxError, step.timeout);
      process.stdout.write(`${now()}  line ${step.line}: ${step.text}\n`);
      for (;;) {
        const { code, answer } = await runCommand(conn, meta, ((step.kind === 'check' ? step.timeout : 0) + 60) * 1000, wantProgress(opts.progress));
        if (answer) process.stdout.write(`${now()}    ${describe(answer)}\n`);
        if (answer?.type === 'reply' && answer.error_code === 8) {
          // As Online does: a busy block is asked again, with the same bytes, after a pause.
          await new Promise((r) => setTimeout(r, opts.busyRetry * 1000));
          continue;
        }
        if (code === EXIT.errorReply || code === EXIT.connection) {
          await conn.close();
          process.exit(code);
        }
        worst = Math.max(worst, code);
        break;
      }
    }
    await conn.close();
    process.exit(worst);
  });

/** The web port and token from the options, or the usage error that names the bad URL. */
function alarmServer(cmd: Command): AlarmServer {
  const { http, token } = program.opts<{ http: string; token?: string }>();
  if (!URL.canParse(http) || !/^https?:$/.test(new URL(http).protocol)) usageError(cmd, `--http is ${JSON.stringify(http)}; expected the server's web address, e.g. http://127.0.0.1:8080`);
  return { url: http, token: token ?? process.env.HV_CONTROL_TOKEN };
}

/** Exit code for a failed alarm request: 4 when the server was not reached, 3 when it refused. */
function alarmFailure(err: unknown): never {
  if (!(err instanceof AlarmRequestError)) throw err;
  process.stderr.write(`hv-client: ${err.message}\n`);
  process.exit(err.status === null ? EXIT.connection : EXIT.errorReply);
}

const clockTime = (ms: number) => new Date(ms).toLocaleTimeString('en-GB', { hour12: false });

program
  .command('alarms')
  .description('lists the alarms: active, latched (cleared but not acknowledged) and shelved, unacknowledged first')
  .option('--json', 'print the list as JSON, as GET /api/alarms gives it')
  .action(async (opts: { json?: boolean }, cmd: Command) => {
    const alarms = await listAlarms(alarmServer(cmd)).catch(alarmFailure);
    if (opts.json) process.stdout.write(`${JSON.stringify(alarms, null, 2)}\n`);
    else if (alarms.length === 0) process.stdout.write('no alarms listed\n');
    else for (const a of alarms) process.stdout.write(`${alarmLine(a, clockTime)}\n    what to check: ${a.guidance}\n`);
    process.exit(EXIT.ok);
  });

program
  .command('ack')
  .description('acknowledges one alarm (SOURCE CODE, as `alarms` lists them) or, with --all, every unacknowledged one')
  .argument('[source]', 'the alarm\'s source, e.g. block-1')
  .argument('[code]', 'the alarm\'s code, e.g. NO_OUTPUT')
  .option('--all', 'acknowledge every unacknowledged alarm')
  .option('--note <text>', 'a note kept with the acknowledgement and in the audit trail')
  .action(async (source: string | undefined, code: string | undefined, opts: { all?: boolean; note?: string }, cmd: Command) => {
    if (opts.all ? source !== undefined : source === undefined || code === undefined) usageError(cmd, 'name one alarm as SOURCE CODE (e.g. block-1 NO_OUTPUT), or give --all alone');
    const done = await acknowledgeAlarms(alarmServer(cmd), opts.all ? { all: true } : { source: source!, code: code! }, opts.note).catch(alarmFailure);
    process.stdout.write(done.length === 0 ? 'nothing to acknowledge: already acknowledged\n' : done.map((a) => `acknowledged ${a.source} ${a.code}\n`).join(''));
    process.exit(EXIT.ok);
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  // Not Node's default exit 1, which here would read as "check timed out".
  process.stderr.write(`hv-client: unexpected fault: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(EXIT.internal);
});
