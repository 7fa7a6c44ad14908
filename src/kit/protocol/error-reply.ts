// Error replies exactly as Online reads them (PROTOCOL.md §5).

// The builder lives with the machines (they reply too); the connectors and parsers take it from here.
export { errorReply } from '../../../machines/types.js';

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
