// What of a client's input goes into the log: its size and the first ~200 bytes. A refused message
// of 900 KB must cost a line of log, not two copies of itself.

/** Bytes of input shown in a log line. */
export const EXCERPT_BYTES = 200;

/** `{ input, input_bytes }` for a log line: the input (text, bytes or a parsed object) cut to EXCERPT_BYTES, and its whole size. */
export function inputExcerpt(input: unknown): { input: string; input_bytes: number } {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (Buffer.isBuffer(input)) text = input.toString('utf8');
  else {
    try {
      text = JSON.stringify(input) ?? String(input);
    } catch {
      text = String(input);
    }
  }
  const bytes = Buffer.byteLength(text);
  return { input: clip(text, EXCERPT_BYTES), input_bytes: bytes };
}

/** `text` cut to at most `max` bytes of UTF-8 (never inside a character), with an ellipsis when cut. */
export function clip(text: string, max = EXCERPT_BYTES): string {
  if (Buffer.byteLength(text) <= max) return text;
  // Decoding a cut buffer drops a half character as U+FFFD; strip that.
  const cut = Buffer.from(text.slice(0, max)).subarray(0, max).toString('utf8').replace(/\uFFFD+$/, '');
  return `${cut}…`;
}
