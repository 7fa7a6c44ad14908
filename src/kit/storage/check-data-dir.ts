// The data directory must take files before the server starts: readings, learned transfers and the
// log go there, and a server that finds out only at the first reading has already lost it.

import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { writeErrorText } from './storage-health.js';

/** The file written and removed again to prove the directory takes files. */
export const PROBE_NAME = '.hv-server-write-probe';

/** Creates `dir` if need be and writes a small file in it; a ConfigError with one sentence if it cannot. */
export function checkDataDir(dir: string): void {
  const where = resolve(dir);
  const probe = join(where, PROBE_NAME);
  if (isFile(where)) {
    throw new ConfigError(`key 'data_dir' is "${dir}", which is a file, not a directory; expected a directory this user can create files in, on a disk with free space`);
  }
  try {
    mkdirSync(where, { recursive: true });
    writeFileSync(probe, `hv-server ${process.pid}\n`);
  } catch (err) {
    throw new ConfigError(
      `key 'data_dir' is "${dir}", which cannot be written (${writeErrorText(err)}); expected a directory this user can create files in, on a disk with free space`,
    );
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      // Nothing was created where the directory could not be.
    }
  }
}

function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false; // not there (or not reachable): mkdir below says which
  }
}
