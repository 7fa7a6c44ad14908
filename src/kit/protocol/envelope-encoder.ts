// Envelope encoder: one Buffer per message in exactly the form Online reads
// (30-byte `#!` header, 4-space-indented JSON meta, CR LF CR LF counted in the meta length).

import { deflateSync } from 'node:zlib';
import { EnvelopeError, type Meta } from './envelope.js';
import { DATA_TYPE, HEADER_14000, META_TYPE, TAGLESS_START } from './envelope-format.js';

const META_TERMINATOR = '\r\n\r\n';
const EMPTY = Buffer.alloc(0);

export interface EncodeOptions {
  /** Milliseconds since the epoch for the header's time field (its low 32 bits are written). */
  now?: number;
  dataType?: number;
}

/** Levels of nesting checked before the encoder leaves the check to JSON.stringify's replacer. */
const CHECKED_DEPTH = 32;

/**
 * Whether JSON.stringify can write `value` as it is: no non-finite number, no toJSON to call, no
 * deeper than CHECKED_DEPTH (which a cycle would be). A walk of the value plus a stringify without
 * a replacer costs a fraction of a stringify that calls a replacer on every key: every reply and
 * every reading goes through here.
 */
function plain(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= CHECKED_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!plain(item, depth + 1)) return false;
    return true;
  }
  for (const key in value) if (Object.hasOwn(value, key) && !plain((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

/** Refuses a non-finite number, naming its field: JSON cannot carry it and Online drops it. */
function finiteOnly(key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new EnvelopeError('non-finite', `field '${key}' is ${value}; expected a finite number`);
  }
  return value;
}

/** JSON text of `meta`; refuses non-finite numbers, which JSON cannot carry and Online drops. */
export function metaToJson(meta: Meta, indent?: number): string {
  // Anything the walk does not vouch for takes the replacer, which names the bad field.
  return plain(meta, 0) ? JSON.stringify(meta, null, indent) : JSON.stringify(meta, finiteOnly, indent);
}

export function encodeEnvelope(meta: Meta, data: Buffer = EMPTY, options: EncodeOptions = {}): Buffer {
  const h = HEADER_14000;
  const json = metaToJson(meta, 4);
  // The meta is written straight into the message: no Buffer of its own, no string joined to the
  // terminator first (every reply and every reading is encoded here).
  const metaLength = Buffer.byteLength(json, 'utf8') + META_TERMINATOR.length;
  const body = meta.compression === 'zlib' && data.length > 0 ? deflateSync(data) : data;
  const out = Buffer.allocUnsafe(h.size + metaLength + body.length);
  TAGLESS_START.copy(out, 0);
  out.writeUInt32BE(h.type, h.offsets.type);
  // The low 32 bits of the time in ms (ToUint32 is exactly that, for any integer a Date can hold).
  out.writeUInt32BE(Math.floor(options.now ?? Date.now()) >>> 0, h.offsets.time);
  out.writeUInt32BE(META_TYPE.json, h.offsets.metaType);
  out.writeUInt32BE(metaLength, h.offsets.metaLength);
  out.writeUInt32BE(options.dataType ?? DATA_TYPE.undefined, h.offsets.dataType);
  out.writeUInt32BE(body.length, h.offsets.dataLength);
  h.end.copy(out, h.offsets.end);
  const terminatorAt = h.size + out.write(json, h.size, 'utf8');
  out.write(META_TERMINATOR, terminatorAt, 'latin1');
  body.copy(out, h.size + metaLength);
  return out;
}
