// JSON from outside the process, with its size and nesting bounded before anything recursive sees it.
//
// V8's JSON.parse copes with any depth, but nearly everything after it recurses: JSON.stringify,
// String(array), ajv's error values, the log. A meta nested 4,500 levels deep overflowed the stack
// in those and the process exited. So the depth is counted on the text, by a loop, before parsing.

/** Deepest nesting accepted in a message, a request body or the config file (the rack's own need fewer than 5). */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep the brackets of a JSON text nest, counting only `[` and `{` outside strings.
 * One pass, no recursion; the text need not be valid JSON (the parser says what else is wrong).
 */
export function jsonNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped, even a quote
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

/**
 * How deep a value already in memory nests (arrays and objects), by an explicit stack. Stops counting
 * once past `limit`, so a cyclic or huge value costs at most `limit` levels of work per branch.
 */
export function valueNesting(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (here > limit) return deepest;
    for (const child of Object.values(node)) stack.push({ node: child, depth: here });
  }
  return deepest;
}

export interface JsonLimits {
  /** What the text is, for the sentence: "meta", "the request body". */
  what: string;
  maxDepth?: number;
  /** Largest text accepted, in UTF-8 bytes; unchecked when left out (the caller bounded it already). */
  maxBytes?: number;
}

export type BoundedJson =
  | { ok: true; value: unknown }
  | { ok: false; kind: 'too-large' | 'too-deep' | 'not-json'; message: string };

/** JSON.parse behind a size and a depth check; never throws. */
export function parseBoundedJson(text: string, limits: JsonLimits): BoundedJson {
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  if (limits.maxBytes !== undefined) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > limits.maxBytes) {
      return { ok: false, kind: 'too-large', message: `${limits.what} is ${bytes} bytes long; at most ${limits.maxBytes} are accepted` };
    }
  }
  const depth = jsonNesting(text);
  if (depth > maxDepth) return { ok: false, kind: 'too-deep', message: tooDeep(limits.what, depth, maxDepth) };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, kind: 'not-json', message: `${limits.what} is not valid JSON (${(err as Error).message})` };
  }
}

/** "meta nests 4500 levels deep; at most 64 are accepted". */
export function tooDeep(what: string, depth: number, maxDepth: number): string {
  return `${what} nests ${depth} levels deep; at most ${maxDepth} are accepted`;
}
