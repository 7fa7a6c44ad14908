// What the supervising process reads of the command line before it binds Online's port: the
// config file and the TCP address flags, nothing else. The server's own parser (commander, in
// run-manager.ts) is the one that judges a command line; this one reads only a command line it
// understands entirely, one the server would accept as it stands, and gives up on anything else
// (help, the version, an unknown flag, a value missing or malformed) so that the server says what
// is wrong, as it always has, and binds the port itself.

import { numberFromText } from './number-text.js';

/** How each of the kit's flags (run-manager.ts, kitProgram) takes its value. A test holds the two lists equal. */
export const KIT_FLAGS: Readonly<Record<string, 'switch' | 'text' | 'integer' | 'number'>> = {
  '--config': 'text',
  '--sim': 'switch',
  '--tcp-host': 'text',
  '--tcp-port': 'integer',
  '--http-host': 'text',
  '--http-port': 'integer',
  '--data-dir': 'text',
  '--time-scale': 'number',
  '--log-level': 'text',
  '--allow-control': 'text',
  '--no-supervise': 'switch',
};

export interface PortFlags {
  config?: string;
  tcpHost?: string;
  tcpPort?: number;
}

/** The flags that say where Online's port is, or null when `argv` holds anything the server's parser should judge. */
export function portFlags(argv: readonly string[]): PortFlags | null {
  const flags: PortFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const kind = Object.hasOwn(KIT_FLAGS, name) ? KIT_FLAGS[name] : undefined;
    if (kind === undefined) return null;
    if (kind === 'switch') {
      if (name !== arg) return null;
      continue;
    }
    const value = name !== arg ? arg.slice(eq + 1) : argv[++i];
    // A value that looks like a flag is the server's parser's to judge.
    if (value === undefined || (name === arg && value.startsWith('-'))) return null;
    if (kind !== 'text' && numberFromText(value, kind === 'integer') === null) return null;
    // The last one given counts, as with the server's parser.
    if (name === '--config') flags.config = value;
    else if (name === '--tcp-host') flags.tcpHost = value;
    else if (name === '--tcp-port') flags.tcpPort = Number(value);
  }
  return flags;
}
