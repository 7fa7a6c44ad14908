// The supervising side of an executable that runs its server under the port-holding supervisor:
// decides from the command line and the environment alone whether to supervise, and if so starts
// the supervisor at once, which binds Online's port before it starts the server's process. Bundled
// on its own (dist/bundle/supervise.js) so that the supervising process reads one small file
// before the port is bound, and the configuration file's reader (YAML) only where there is a file.

import { earlyTcpSettings } from '../config/early-tcp-settings.js';
import { portFlags } from './port-flags.js';
import { supervise, type PortToBind } from './process-supervisor.js';
import { supervisionWanted } from './supervision-wanted.js';

/** Starts the supervisor for `entry` and returns true, or returns false when the server should run in this process. */
export function superviseIfWanted(options: { name: string; entry: string; argv: string[] }): boolean {
  if (!supervisionWanted(options.argv, process.env, process.pid)) return false;
  supervise({ ...options, port: () => portToBind(options.argv) });
  return true;
}

/**
 * Where the server would bind Online's port, read as it reads it; null when only the server can
 * say, or on Windows (the server then binds the port and hands it over).
 *
 * Not on Windows: there a process listening on a socket has accepts posted on it in advance
 * (AcceptEx), and a connection the system has matched to one of this process's is reset when this
 * process stops listening, even though the server listens on the same socket by then. The hand-over
 * from this process to the server would drop a client that connected in that moment (seen under
 * Wine: Online's connection closed at once, a run in five, test/windows/stops.test.ts).
 */
export async function portToBind(argv: readonly string[], platform: NodeJS.Platform = process.platform): Promise<PortToBind | null> {
  if (platform === 'win32') return null;
  const flags = portFlags(argv);
  if (!flags) return null;
  const read = flags.config ? (await import('../config/read-config-file.js')).readConfigFile : noFile;
  return earlyTcpSettings(flags, read);
}

function noFile(): Record<string, unknown> {
  return {};
}
