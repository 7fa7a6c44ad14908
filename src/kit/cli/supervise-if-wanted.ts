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
import { supervise, type PortToBind, type WorkerStart } from './process-supervisor.js';
import { supervisionWanted } from './supervision-wanted.js';
import { mayNotify } from './worker-ca-certs.js';

type ReadFile = (path: string) => Record<string, unknown>;

/** Starts the supervisor for `entry` and returns true, or returns false when the server should run in this process. */
export function superviseIfWanted(options: { name: string; entry: string; argv: string[] }): boolean {
  if (!supervisionWanted(options.argv, process.env, process.pid)) return false;
  const file = new FileForWorkers();
  supervise({ ...options, port: () => portToBind(options.argv, file), workerStart: () => file.workerStart() });
  return true;
}

/**
 * The configuration file for each worker: the document read for the port goes to the first; a
 * worker started again after a crash gets the file as it is then, read again, as a server started
 * again by hand would read it. Never throws: a file that cannot be read now is left to the worker,
 * which says what is wrong with it.
 */
export class FileForWorkers {
  /** Whether the command line was understood here, and named no file. */
  private none = false;
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

  /** The command line was understood and names no configuration file. */
  noFile(): void {
    this.none = true;
  }

  /**
   * What the next worker starts with: the file's document, and whether it may open a TLS
   * connection (worker-ca-certs.ts): not without a file, nor with one that sets up no
   * notification; where the file could not be read here, or the command line was not understood, it may.
   */
  workerStart(): WorkerStart {
    if (this.none) return { configFile: null, opensTls: false };
    const configFile = this.forWorker();
    return { configFile, opensTls: configFile === null || mayNotify(configFile.document) };
  }

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

/** Where the server would bind Online's port, read as it reads it; null when only the server can say (it then binds the port). */
export async function portToBind(argv: readonly string[], file?: FileForWorkers): Promise<PortToBind | null> {
  const flags = portFlags(argv);
  if (!flags) return null;
  if (!flags.config) {
    file?.noFile();
    return earlyTcpSettings(flags, noFile);
  }
  const { readConfigFile } = await import('../config/read-config-file.js');
  return earlyTcpSettings(flags, file ? file.reader(flags.config, readConfigFile) : readConfigFile);
}

function noFile(): Record<string, unknown> {
  return {};
}
