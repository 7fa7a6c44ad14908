// The kit's command line as the command-line library (commander) reads it: every manager's flags,
// its help and version, and the sentence for a bad flag. Loaded only for a command line that
// port-flags.ts does not understand entirely (help, the version, a mistake): a server started as
// usual reads its flags without it.

import { Command } from 'commander';
import type { KitConfigFlags } from '../config/manager-config.js';
import { numberArgument } from './parse-number.js';
import { controlAddresses } from './port-flags.js';
import { NO_SUPERVISE_FLAG } from './supervision-wanted.js';

/** What the command line says of its executable (run-manager.ts, ManagerProcess). */
export interface ProgramOf {
  name: string;
  description: string;
  version: string;
  helpAfter?: string;
  supervised?: boolean;
}

/** The kit's command line (every manager's); exported for the test that holds port-flags.ts to the same flags. */
export function kitProgram(manager: ProgramOf): Command {
  const program = new Command(manager.name)
    .description(manager.description)
    .version(manager.version, '-V, --version', 'print the version and exit')
    .option('--config <file>', 'configuration file (JSON or YAML); without one the server runs in simulation')
    .option('--sim', 'drive simulated instruments (the default without --config)')
    .option('--tcp-host <host>', 'address for Online’s TCP connector (default 127.0.0.1)')
    .option('--tcp-port <port>', 'TCP port (default 5555)', numberArgument('--tcp-port', true))
    .option('--http-host <host>', 'address for HTTP and the websocket (default 127.0.0.1)')
    .option('--http-port <port>', 'HTTP port (default 8080)', numberArgument('--http-port', true))
    .option('--data-dir <dir>', 'directory for readings and logs (default data)')
    .option('--time-scale <k>', 'run the clock K times faster (simulation only)', numberArgument('--time-scale'))
    .option('--log-level <level>', 'console log level: fatal, error, warn, info, debug, trace, silent')
    .option(
      '--allow-control <addresses>',
      'addresses or CIDR blocks that may change outputs, comma-separated, repeatable; replaces access.control (default 127.0.0.1,::1)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), ...controlAddresses(value)],
    )
    .showHelpAfterError();
  // Read by the executable before this process exists (bin/run-built.js); here only so it is accepted and listed.
  if (manager.supervised) {
    program.option(NO_SUPERVISE_FLAG, 'run the server in this process alone, with no supervising process to hold Online’s port across a crash (under systemd, hv-server.socket holds it)');
  }
  if (manager.helpAfter) program.addHelpText('after', manager.helpAfter);
  return program;
}

/** The flags of this process's command line, as commander reads them; help, the version and a bad command line end the process here, as commander does. */
export function parseCommandLine(manager: ProgramOf): KitConfigFlags {
  const program = kitProgram(manager);
  program.parse();
  return program.opts<KitConfigFlags>();
}
