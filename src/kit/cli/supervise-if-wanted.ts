// The supervising side of an executable that runs its server under the port-holding supervisor:
// decides from the command line and the environment alone whether to supervise, and if so starts
// the supervisor at once, which binds Online's port before it starts the server's process. Bundled
// on its own (dist/bundle/supervise.js) so that the supervising process reads one small file
// before the port is bound, and the configuration file's reader (YAML) only where there is a file.
// What it read of the file goes to each server it starts (config-document.ts), which then loads no
// reader of its own.

import { carriedByJson, type ConfigDocument } from '../config/config-document.js';
import { earlyTcpSettings } from '../config/early-tcp-settings.js';
import { portFlags } from './port-flags.js';
import { supervise, type PortToBind } from './process-supervisor.js';
import { supervisionWanted } from './supervision-wanted.js';

type ReadFile = (path: string) => Record<string, unknown>;

/** Starts the supervisor for `entry` and returns true, or returns false when the server should run in this process. */
export function superviseIfWanted(options: { name: string; entry: string; argv: string[] }): boolean {
  if (!supervisionWanted(options.argv, process.env, process.pid)) return false;
  const file = new FileForWorkers();
  supervise({ ...options, port: () => portToBind(options.argv, file), configFile: () => file.forWorker() });
  return true;
}

/**
 * The configuration file for each worker: the document read for the port goes to the first; a
 * worker started again after a crash gets the file as it is then, read again, as a server started
 * again by hand would read it. Never throws: a file that cannot be read now is left to the worker,
 * which says what is wrong with it.
 */
export class FileForWorkers {
  private read: ReadFile | null = null;
  private path: string | null = null;
  private first: ConfigDocument | null = null;

  /** The reader, for the port's settings: what it reads is kept for the first worker. */
  reader(path: string, read: ReadFile): ReadFile {
    this.read = read;
    this.path = path;
    return (p) => {
      const document = read(p);
      this.first = { path: p, document };
      return document;
    };
  }

  /** The document for the next worker, or null: the worker then reads the file itself. */
  forWorker(): ConfigDocument | null {
    const first = this.first;
    if (first) {
      this.first = null;
      return carriedByJson(first.document) ? first : null;
    }
    if (!this.read || this.path === null) return null;
    try {
      const document = this.read(this.path);
      return carriedByJson(document) ? { path: this.path, document } : null;
    } catch {
      return null;
    }
  }
}

/**
 * Where the server would bind Online's port, read as it reads it (the file's document kept in
 * `file` for the first worker); null when only the server can say, or on Windows: the server then
 * binds the port and hands it over.
 *
 * Not on Windows: there a process listening on a socket has accepts posted on it in advance
 * (AcceptEx), and a connection the system has matched to one of this process's is reset when this
 * process stops listening, even though the server listens on the same socket by then. The hand-over
 * from this process to the server would drop a client that connected in that moment (seen under
 * Wine: Online's connection closed at once, a run in five, test/windows/stops.test.ts).
 */
export async function portToBind(argv: readonly string[], file?: FileForWorkers, platform: NodeJS.Platform = process.platform): Promise<PortToBind | null> {
  const flags = portFlags(argv);
  if (!flags) return null;
  let settings: PortToBind | null;
  if (!flags.config) settings = earlyTcpSettings(flags, noFile);
  else {
    const { readConfigFile } = await import('../config/read-config-file.js');
    settings = earlyTcpSettings(flags, file ? file.reader(flags.config, readConfigFile) : readConfigFile);
  }
  return platform === 'win32' ? null : settings;
}

function noFile(): Record<string, unknown> {
  return {};
}
