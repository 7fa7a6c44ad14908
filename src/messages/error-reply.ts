// Error replies exactly as Online reads them (PROTOCOL.md §5).

// The builder lives with the machines (they reply too); the connectors and parsers take it from here.
export { errorReply } from '../../machines/types.js';

/** Shows a received value in a description: strings quoted, long values cut short. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
