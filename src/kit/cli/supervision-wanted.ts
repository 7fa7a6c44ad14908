// Whether an executable started by a person or a service manager runs its server under the
// port-holding supervisor (process-supervisor.ts) or in its own process alone. Decided before anything is
// loaded, from the command line and the environment only.

import { SUPERVISOR_ENV } from './process-supervisor-messages.js';
import { systemdSockets } from './systemd-socket.js';

/** Runs the server in the executable's own process: nothing holds Online's port across a restart but what the service manager provides. */
export const NO_SUPERVISE_FLAG = '--no-supervise';

export function supervisionWanted(argv: readonly string[], env: NodeJS.ProcessEnv, pid: number): boolean {
  // The supervisor's own worker.
  if (env[SUPERVISOR_ENV] !== undefined) return false;
  if (argv.includes(NO_SUPERVISE_FLAG)) return false;
  // A subcommand (check-config) serves nothing.
  if (argv.length > 0 && !argv[0]!.startsWith('-')) return false;
  // systemd holds the port (hv-server.socket) and restarts the service: a second holder would only add a process.
  if (systemdSockets(env, pid)) return false;
  return true;
}
