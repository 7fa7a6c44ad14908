// The process's open-files limit (RLIMIT_NOFILE) and how many descriptors it holds: what the
// connection budget is made from. Every socket and file is one descriptor; past the limit, accept()
// and open() fail with EMFILE, and Online's port is as dead as the rest.
//
// Node raises the soft limit to the hard one by itself on POSIX at start (PlatformInit in node.cc);
// `raiseSoftLimit` does it where that has not happened (an embedding, another runtime). Windows has
// no per-process limit on sockets of this kind: there is nothing to read or raise.

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';

export interface OpenFilesLimit {
  soft: number;
  /** Infinity for "unlimited". */
  hard: number;
  /** Where it was read: /proc/self/limits or getrlimit(2). */
  source: string;
}

const RLIMIT_NOFILE: Partial<Record<NodeJS.Platform, number>> = { linux: 7, android: 7, darwin: 8, freebsd: 8, openbsd: 8, netbsd: 8 };

/** The limit from the text of /proc/self/limits ("Max open files  1024  4096  files"); null if absent. */
export function parseProcLimits(text: string): { soft: number; hard: number } | null {
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const fields = line?.slice('Max open files'.length).trim().split(/\s+/);
  if (!fields || fields.length < 2) return null;
  const value = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
  const soft = value(fields[0]!);
  const hard = value(fields[1]!);
  return Number.isNaN(soft) || Number.isNaN(hard) ? null : { soft, hard };
}

interface Rlimit {
  get(): { soft: number; hard: number };
  set(soft: number, hard: number): number;
}

let libc: Rlimit | null | undefined;

/** getrlimit/setrlimit from libc through koffi, loaded only when needed; null where there is none. */
function rlimit(): Rlimit | null {
  if (libc !== undefined) return libc;
  const resource = RLIMIT_NOFILE[process.platform];
  if (resource === undefined) return (libc = null);
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const lib = koffi.load(process.platform === 'darwin' ? 'libSystem.B.dylib' : process.platform === 'linux' ? 'libc.so.6' : 'libc.so');
    const getrlimit = lib.func('int getrlimit(int resource, void *rlim)');
    const setrlimit = lib.func('int setrlimit(int resource, void *rlim)');
    // struct rlimit { rlim_t rlim_cur, rlim_max; }, rlim_t as wide as a pointer on Linux, 64-bit on the BSDs.
    const width = process.platform === 'linux' && (process.arch === 'ia32' || process.arch === 'arm') ? 4 : 8;
    const le = endianness() === 'LE';
    const unlimited = width === 8 ? 0xffff_ffff_ffff_ffffn : 0xffff_ffffn;
    const read = (b: Buffer, at: number) => {
      const v = width === 8 ? (le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at)) : BigInt(le ? b.readUInt32LE(at) : b.readUInt32BE(at));
      return v === unlimited || v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
    };
    const write = (b: Buffer, at: number, n: number) => {
      const v = n === Infinity ? unlimited : BigInt(n);
      if (width === 8) le ? b.writeBigUInt64LE(v, at) : b.writeBigUInt64BE(v, at);
      else le ? b.writeUInt32LE(Number(v), at) : b.writeUInt32BE(Number(v), at);
    };
    libc = {
      get() {
        const b = Buffer.alloc(2 * width);
        if (getrlimit(resource, b) !== 0) throw new Error('getrlimit(RLIMIT_NOFILE) failed');
        return { soft: read(b, 0), hard: read(b, width) };
      },
      set(soft, hard) {
        const b = Buffer.alloc(2 * width);
        write(b, 0, soft);
        write(b, width, hard);
        return setrlimit(resource, b) as number;
      },
    };
  } catch {
    libc = null;
  }
  return libc;
}

/**
 * The open-files limit now in force; null on Windows (no such limit) or where it cannot be read.
 * `from: 'libc'` skips /proc (as on macOS).
 */
export function openFilesLimit(from: 'proc' | 'libc' = 'proc'): OpenFilesLimit | null {
  if (process.platform === 'win32') return null;
  try {
    const parsed = from === 'proc' ? parseProcLimits(readFileSync('/proc/self/limits', 'utf8')) : null;
    if (parsed) return { ...parsed, source: '/proc/self/limits' };
  } catch {
    // Not Linux (or no /proc): ask libc.
  }
  const lib = rlimit();
  if (!lib) return null;
  try {
    return { ...lib.get(), source: 'getrlimit(2)' };
  } catch {
    return null;
  }
}

/**
 * Raises the soft limit to `wanted` (default: the hard limit), and the hard one too where the
 * process may (root). Returns the limit in force afterwards. Does nothing on Windows.
 */
export function raiseSoftLimit(wanted?: number): OpenFilesLimit | null {
  const before = openFilesLimit();
  if (!before) return null;
  const target = wanted ?? before.hard;
  if (before.soft >= target) return before;
  // First within the hard limit (always allowed), then past it (root only, may fail).
  setOpenFilesLimit(Math.min(target, before.hard), before.hard);
  if (target > before.hard) setOpenFilesLimit(target, target);
  return openFilesLimit();
}

/** setrlimit(RLIMIT_NOFILE); false where it failed or there is no such call. */
export function setOpenFilesLimit(soft: number, hard: number): boolean {
  const lib = rlimit();
  return lib ? lib.set(soft, hard) === 0 : false;
}

/** Descriptors the process holds now; null where they cannot be counted (Windows). */
export function openDescriptors(): number | null {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      // Listing a directory opens it: that one descriptor is in the list and gone again.
      return readdirSync(dir).length - 1;
    } catch {
      // Try the next place.
    }
  }
  return null;
}
