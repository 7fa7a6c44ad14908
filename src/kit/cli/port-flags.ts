// The kit's command line read without the command-line library, for a command line understood
// entirely: by the supervising process before it binds Online's port (the config file and the TCP
// address), and by the server, which then loads no commander. The library (kit-program.ts) is the
// one that judges a command line: this reads only one the library would accept as it stands, to
// the same values, and gives up on anything else (help, the version, an unknown flag, a value
// missing or malformed) so that the library says what is wrong, as it always has (and the server,
// not the supervising process, binds the port). Tests hold the two to the same flags and values.

import type { KitConfigFlags } from '../config/manager-config.js';
import { numberFromText } from './number-text.js';

/** How a flag takes its value. */
type FlagKind = 'switch' | 'text' | 'integer' | 'number';

/**
 * Each of the kit's flags (kit-program.ts, kitProgram): how it takes its value, and its key among
 * the flags as commander names it (null: read before this process exists, supervision-wanted.ts).
 * A test holds this list and commander's equal.
 */
export const KIT_FLAGS: Readonly<Record<string, { kind: FlagKind; key: keyof KitConfigFlags | null }>> = {
  '--config': { kind: 'text', key: 'config' },
  '--sim': { kind: 'switch', key: 'sim' },
  '--tcp-host': { kind: 'text', key: 'tcpHost' },
  '--tcp-port': { kind: 'integer', key: 'tcpPort' },
  '--http-host': { kind: 'text', key: 'httpHost' },
  '--http-port': { kind: 'integer', key: 'httpPort' },
  '--data-dir': { kind: 'text', key: 'dataDir' },
  '--time-scale': { kind: 'number', key: 'timeScale' },
  '--log-level': { kind: 'text', key: 'logLevel' },
  '--allow-control': { kind: 'text', key: 'allowControl' },
  '--no-supervise': { kind: 'switch', key: null },
};

/** One --allow-control value's addresses: a comma-separated list (the flag is repeatable). */
export function controlAddresses(value: string): string[] {
  return value.split(',').map((a) => a.trim()).filter((a) => a !== '');
}

export interface PortFlags {
  config?: string;
  tcpHost?: string;
  tcpPort?: number;
}

/** The flags of `argv`, as the server's parser would give them, or null when `argv` holds anything that parser should judge. */
export function kitFlags(argv: readonly string[]): KitConfigFlags | null {
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const flag = Object.hasOwn(KIT_FLAGS, name) ? KIT_FLAGS[name] : undefined;
    if (flag === undefined) return null;
    const { kind, key } = flag;
    if (kind === 'switch') {
      if (name !== arg) return null;
      if (key) flags[key] = true;
      continue;
    }
    const value = name !== arg ? arg.slice(eq + 1) : argv[++i];
    // A value that looks like a flag is the server's parser's to judge.
    if (value === undefined || (name === arg && value.startsWith('-'))) return null;
    const number = kind === 'text' ? null : numberFromText(value, kind === 'integer');
    if (kind !== 'text' && number === null) return null;
    if (key === 'allowControl') {
      // Repeatable, each a comma-separated list (kitProgram's --allow-control).
      flags.allowControl = [...((flags.allowControl as string[] | undefined) ?? []), ...controlAddresses(value)];
    } else if (key) flags[key] = number ?? value; // the last one given counts, as with the server's parser
  }
  return flags as KitConfigFlags;
}

/** The flags that say where Online's port is, or null when `argv` holds anything the server's parser should judge. */
export function portFlags(argv: readonly string[]): PortFlags | null {
  const flags = kitFlags(argv);
  if (!flags) return null;
  const port: PortFlags = {};
  if (flags.config !== undefined) port.config = flags.config;
  if (flags.tcpHost !== undefined) port.tcpHost = flags.tcpHost;
  if (flags.tcpPort !== undefined) port.tcpPort = flags.tcpPort;
  return port;
}
