// What binding Online's port needs of the configuration, and nothing more: the TCP address and
// backlog and the two limits the early listener applies (early-tcp.ts), from the flags, the file and
// the kit schema's defaults. Read before the whole configuration is validated (compiling the
// schemas takes most of a start), so the port is bound first; the whole configuration is validated
// right after, and a refused one still ends the server with exit 2, the port closed.
// Each value is checked against the kit schema's own rule for it (type, minimum, maximum): where one
// breaks it, there are no early settings and the whole validation comes first, to name the key.
// The supervising process reads the same settings to bind the port before it starts the server
// (process-supervisor.ts); it loads the file reader only when there is a file, so the reader is
// passed in rather than imported here.

import { KIT_CONFIG_SCHEMA } from './compose-schema.js';
import type { KitConfigFlags } from './load-kit-config.js';
import { sectionOf } from './section-of.js';

export interface EarlyTcpSettings {
  host: string;
  port: number;
  backlog: number;
  maxMessageBytes: number;
  maxClients: number;
}

interface Rule {
  type?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  default?: unknown;
  properties?: Record<string, Rule>;
}

/** The kit schema's rule at `path` (through `properties`). */
function rule(path: string[]): Rule {
  let at = KIT_CONFIG_SCHEMA as Rule;
  for (const key of path) at = at.properties?.[key] ?? {};
  return at;
}

/** `value` (the schema's default where undefined) when it keeps the schema's rule at `path`; undefined otherwise. */
function kept(value: unknown, path: string[]): unknown {
  const r = rule(path);
  const v = value === undefined ? r.default : value;
  if (r.type === 'integer') {
    if (typeof v !== 'number' || !Number.isInteger(v)) return undefined;
    if ((r.minimum !== undefined && v < r.minimum) || (r.maximum !== undefined && v > r.maximum)) return undefined;
    return v;
  }
  if (r.type === 'string') return typeof v === 'string' && v.length >= (r.minLength ?? 0) ? v : undefined;
  return undefined;
}

/**
 * The early settings from `flags` and the raw file they name (read with `read`, read-config-file.ts;
 * not called without a file), or null when the file cannot be read or a value breaks its rule (the
 * whole configuration's validation then says which).
 */
export function earlyTcpSettings(flags: Pick<KitConfigFlags, 'config' | 'tcpHost' | 'tcpPort'>, read: (path: string) => Record<string, unknown>): EarlyTcpSettings | null {
  let raw: Record<string, unknown>;
  try {
    raw = flags.config ? read(flags.config) : {};
  } catch {
    return null;
  }
  const tcp = sectionOf(raw, 'tcp');
  const limits = sectionOf(raw, 'limits');
  const settings = {
    host: kept(flags.tcpHost ?? tcp.host, ['tcp', 'host']),
    port: kept(flags.tcpPort ?? tcp.port, ['tcp', 'port']),
    backlog: kept(tcp.backlog, ['tcp', 'backlog']),
    maxMessageBytes: kept(limits.max_message_bytes, ['limits', 'max_message_bytes']),
    maxClients: kept(sectionOf(limits, 'tcp').max_connections, ['limits', 'tcp', 'max_connections']),
  };
  return Object.values(settings).every((v) => v !== undefined) ? (settings as EarlyTcpSettings) : null;
}
