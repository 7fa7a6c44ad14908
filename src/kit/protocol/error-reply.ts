// Error replies exactly as Online reads them (PROTOCOL.md §5).

/** Online's ERROR_TYPE enum (PROTOCOL.md §5). */
export const ERROR_CODES = {
  UNKNOWN_ERROR: 1,
  SERVER_INIT_ERROR: 2,
  CLIENT_DISCONNECT: 3,
  PARSE_MESSAGE_ERROR: 4,
  TIMEOUT_ERROR: 5,
  ALGORITM_ERROR: 6,
  UNKNOWN_MESSAGE_ERROR: 7,
  SERVER_BUSY_ERROR: 8,
  INCORRECT_MESSAGE_PARAMS: 9,
  MULTIPLE_CONNECTION: 10,
  COM_PORT_ERROR: 11,
  COM_PORT_CLOSE: 12,
  AGILENT34401A_ERROR: 13,
} as const;

export type ErrorTextCode = keyof typeof ERROR_CODES;

/** An error reply; like every message it is also a plain JSON object (hence the index signature). */
export interface ErrorReply extends Record<string, unknown> {
  type: 'reply';
  reply_type: 'error';
  error_code: number;
  error_text_code: ErrorTextCode;
  description: string;
}

/** An error reply as Online reads it (PROTOCOL.md §5): the one place such a message is built. */
export function errorReply(code: ErrorTextCode, description: string): ErrorReply {
  return { type: 'reply', reply_type: 'error', error_code: ERROR_CODES[code], error_text_code: code, description };
}

/** Characters of a value shown in a description before it is cut short with "...". */
const SHOWN_CHARS = 60;

/**
 * Shows a received value in a description: strings quoted, long values cut short. Writes JSON-like
 * text only up to the cut, so any value is safe here: 10,000 levels deep, a million keys, a cycle,
 * a getter that throws. (JSON.stringify would write the whole value first, and overflow the stack.)
 */
export function showValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const out = new CutText(SHOWN_CHARS + 1);
  try {
    write(value, out);
  } catch {
    return '(a value that cannot be shown)';
  }
  const text = out.text;
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 3)}...` : text;
}

class CutText {
  text = '';
  constructor(private readonly limit: number) {}
  get full(): boolean {
    return this.text.length >= this.limit;
  }
  add(part: string): void {
    if (!this.full) this.text += part.slice(0, this.limit - this.text.length);
  }
}

// Each level of nesting writes a bracket before going deeper, so the recursion stops within
// SHOWN_CHARS levels whatever the value's depth.
function write(value: unknown, out: CutText): void {
  if (out.full) return;
  if (typeof value === 'string') return out.add(JSON.stringify(value.slice(0, SHOWN_CHARS)));
  if (typeof value === 'number') return out.add(Number.isFinite(value) ? JSON.stringify(value) : String(value));
  if (typeof value === 'bigint') return out.add(`${value}n`);
  if (value === null || typeof value !== 'object') return out.add(String(value));
  if (value instanceof Date) return out.add(JSON.stringify(value));
  if (Array.isArray(value)) {
    out.add('[');
    for (let i = 0; i < value.length && !out.full; i++) {
      if (i > 0) out.add(',');
      write(value[i] === undefined ? null : value[i], out);
    }
    return out.add(']');
  }
  out.add('{');
  let first = true;
  for (const key in value) {
    if (out.full) break;
    if (!Object.hasOwn(value, key)) continue;
    if (!first) out.add(',');
    first = false;
    out.add(`${JSON.stringify(key.slice(0, SHOWN_CHARS))}:`);
    write((value as Record<string, unknown>)[key], out);
  }
  out.add('}');
}
