#!/usr/bin/env node
// hv-client: talks to hv-server as Online does. Exit codes say what happened (see EXIT below).

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { numberArgument } from './parse-number.js';
import { checkCommand, HvConnection, setVoltageCommand } from '../client/hv-connection.js';
import type { Meta } from '../protocol/envelope.js';
import { parseScenario, type ScenarioStep } from './scenario.js';

export const EXIT = {
  ok: 0,
  /** set_voltage_and_check answered `timeout` (or a scenario had one). */
  checkTimedOut: 1,
  usage: 2,
  /** The server refused or failed a command (an error reply). */
  errorReply: 3,
  /** No connection, or it was lost. */
  connection: 4,
} as const;


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
async function runCommand(conn: HvConnection, meta: Meta, waitMs: number): Promise<{ code: number; answer?: Meta }> {
  const answer = conn.answer(waitMs);
  conn.send(meta);
  try {
    const m = await answer;
    if (m.type === 'reply') return { code: EXIT.errorReply, answer: m };
    return { code: m.status === 'ok' ? EXIT.ok : EXIT.checkTimedOut, answer: m };
  } catch (err) {
    process.stderr.write(`hv-client: ${(err as Error).message}\n`);
    return { code: EXIT.connection };
  }
}

const program = new Command('hv-client')
  .description('Sends HV commands to hv-server over TCP, as Online does, and prints what comes back.')
  .option('--host <host>', 'server address', '127.0.0.1')
  .option('--port <port>', 'server TCP port', numberArgument('--port'), 5555)
  .addHelpText('after', `\nExit codes: 0 ok, 1 check timed out, 2 usage, 3 error reply, 4 connection failed or lost.`)
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
  .action(async (block: string, volts: number, opts: { check?: boolean; maxError: number; timeout: number }) => {
    const { host, port } = program.opts<{ host: string; port: number }>();
    const conn = await open(host, port);
    const meta = opts.check ? checkCommand(block, volts, opts.maxError, opts.timeout) : setVoltageCommand(block, volts);
    const { code, answer } = await runCommand(conn, meta, (opts.timeout + 60) * 1000);
    if (answer) process.stdout.write(`${describe(answer)}\n`);
    await conn.close();
    process.exit(code);
  });

program
  .command('watch')
  .description('print every reading and answer until interrupted')
  .option('--json', 'print each message as one JSON line')
  .action(async (opts: { json?: boolean }) => {
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
  .action(async (file: string, opts: { busyRetry: number }) => {
    const { host, port } = program.opts<{ host: string; port: number }>();
    let steps: ScenarioStep[];
    try {
      steps = parseScenario(readFileSync(file, 'utf8'));
    } catch (err) {
      process.stderr.write(`hv-client: ${(err as Error).message}\n`);
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
        const { code, answer } = await runCommand(conn, meta, ((step.kind === 'check' ? step.timeout : 0) + 60) * 1000);
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

program.parseAsync().catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  throw err;
});
