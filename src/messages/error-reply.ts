// Error replies exactly as Online reads them (PROTOCOL.md §5).

import { ERROR_CODES, type ErrorReply, type ErrorTextCode } from '../../schemas/types.js';

export function errorReply(code: ErrorTextCode, description: string): ErrorReply {
  return { type: 'reply', reply_type: 'error', error_code: ERROR_CODES[code], error_text_code: code, description };
}

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
