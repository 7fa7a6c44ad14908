// A full disk under the readings log, for a while, then freed. Two ways:
// - tmpfs (root only): the data directory is a small tmpfs; a filler file takes every free byte,
//   so every write the server makes there (readings, its log file, the transfer store) fails with
//   ENOSPC, as on a full lab disk; deleting the filler frees it.
// - symlink: today's TSV of each series is moved aside and replaced by a symlink to /dev/full.
//   The server keeps the file it already has open, so this only bites when it opens the file
//   again (at midnight, or after a failed write); the summary says what happened.

import { execFileSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, lstatSync, openSync, readdirSync, renameSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DiskFullMethod } from './soak-options.js';

export type DiskFullMethodUsed = 'tmpfs' | 'symlink';

/** Mounts a tmpfs of `mib` MiB on `dir`; false (with the reason) when that is not possible. */
export function mountTmpfs(dir: string, mib: number): { ok: boolean; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'not root' };
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m,mode=0755`, 'soak-data', dir], { stdio: 'pipe' });
    return { ok: true, why: '' };
  } catch (err) {
    return { ok: false, why: String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim() };
  }
}

export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch {
    // Already unmounted (a second cleanup after a signal).
  }
}

export interface DiskFull {
  method: DiskFullMethodUsed;
  /** Between begin() and end(). */
  readonly active: boolean;
  /** Makes writes fail; returns a sentence on how. */
  begin(): string;
  /** Frees the disk again. */
  end(): void;
}

/** Fills the tmpfs at `mountDir` with one file until a write fails with ENOSPC. */
export function tmpfsDiskFull(mountDir: string): DiskFull {
  const filler = join(mountDir, 'filler');
  let active = false;
  return {
    method: 'tmpfs',
    get active() {
      return active;
    },
    begin() {
      active = true;
      const fd = openSync(filler, 'w');
      let bytes = 0;
      try {
        // Big chunks, then page-sized ones for what is left at the end.
        for (const size of [1 << 20, 4096, 1]) {
          const chunk = Buffer.alloc(size, 0x55);
          for (;;) {
            try {
              const n = writeSync(fd, chunk);
              bytes += n;
              if (n < size) break;
            } catch {
              break;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return `filled the tmpfs with a ${(bytes / 1024 / 1024).toFixed(1)} MiB filler file`;
    },
    end() {
      active = false;
      if (existsSync(filler)) unlinkSync(filler);
    },
  };
}

/** Replaces the newest TSV of every series under `dataDir` with a symlink to /dev/full. */
export function symlinkDiskFull(dataDir: () => string): DiskFull {
  const swapped: { path: string; held: string }[] = [];
  let active = false;
  return {
    method: 'symlink',
    get active() {
      return active;
    },
    begin() {
      active = true;
      const dir = dataDir();
      for (const series of readdirSync(dir, { withFileTypes: true })) {
        if (!series.isDirectory()) continue;
        const newest = readdirSync(join(dir, series.name)).filter((f) => f.endsWith('.tsv')).sort().at(-1);
        if (!newest) continue;
        const path = join(dir, series.name, newest);
        const held = `${path}.held`;
        renameSync(path, held);
        symlinkSync('/dev/full', path);
        swapped.push({ path, held });
      }
      return `replaced ${swapped.length} TSV files with symlinks to /dev/full`;
    },
    end() {
      active = false;
      for (const { path, held } of swapped.splice(0)) {
        if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(path);
        // If the server made a new file meanwhile, both are left for a look.
        if (!existsSync(path)) renameSync(held, path);
      }
    },
  };
}

export interface DiskFullChoice {
  diskFull: DiskFull | null;
  /** What the summary says about the disk. */
  note: string;
  /** Unmounts the tmpfs, if one was mounted (idempotent), after copying it to `keepIn` if given. */
  release: (keepIn?: string) => void;
}

/**
 * A real full disk (a tmpfs on `dataRoot`) when `method` allows and we may mount one, else the
 * symlink fallback on the live server's data directory; none when the class is skipped.
 */
export function chooseDiskFull(method: DiskFullMethod | 'skip', dataRoot: string, mib: number, liveDataDir: () => string): DiskFullChoice {
  if (method === 'skip') return { diskFull: null, note: 'disk-full skipped', release: () => {} };
  if (method === 'symlink') return { diskFull: symlinkDiskFull(liveDataDir), note: 'symlinks to /dev/full (asked for)', release: () => {} };
  const mount = mountTmpfs(dataRoot, mib);
  if (!mount.ok && method === 'tmpfs') throw new Error(`--disk-full tmpfs: cannot mount a tmpfs on ${dataRoot}: ${mount.why}`);
  if (!mount.ok) return { diskFull: symlinkDiskFull(liveDataDir), note: `no tmpfs (${mount.why}): symlinks to /dev/full instead`, release: () => {} };
  let mounted = true;
  return {
    diskFull: tmpfsDiskFull(dataRoot),
    note: `data directory on a ${mib} MiB tmpfs, filled for real`,
    release: (keepIn?: string) => {
      // What the servers wrote lives in memory: copied out first when it is to be kept.
      if (mounted && keepIn) cpSync(dataRoot, keepIn, { recursive: true, filter: (src) => src !== join(dataRoot, 'filler') });
      if (mounted) unmountTmpfs(dataRoot);
      mounted = false;
    },
  };
}
