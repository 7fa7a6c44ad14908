// The supervising side of an executable that runs its server under the port-holding supervisor:
// decides from the command line and the environment alone whether to supervise, and if so starts
// the supervisor at once. Bundled on its own (dist/bundle/supervise.js) so that the supervising
// process reads one small file before it starts the server's process.

import { supervise } from './process-supervisor.js';
import { supervisionWanted } from './supervision-wanted.js';

/** Starts the supervisor for `entry` and returns true, or returns false when the server should run in this process. */
export function superviseIfWanted(options: { name: string; entry: string; argv: string[] }): boolean {
  if (!supervisionWanted(options.argv, process.env, process.pid)) return false;
  supervise(options);
  return true;
}
