// A configuration file's document as one process read it, handed to another: the supervising
// process reads the file to bind Online's port (early-tcp-settings.ts), and hands what it read to
// the server it starts, with the socket, so that the server neither loads the YAML parser nor
// parses the file again. The channel between them carries JSON, so a document is handed over only
// where JSON carries it unchanged; otherwise the server reads the file itself, as it would alone.

/** The file at `path` (as the command line names it) and the document read from it. */
export interface ConfigDocument {
  path: string;
  document: Record<string, unknown>;
}

/**
 * Whether `value` comes out of JSON.stringify and JSON.parse the same: nulls, booleans, strings,
 * finite numbers other than -0, arrays, and plain objects of these. YAML can also give what JSON
 * cannot carry (.inf, .nan, -0): the server then reads the file itself and judges it the same way.
 */
export function carriedByJson(value: unknown): boolean {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return Object.keys(value).length === value.length && value.every(carriedByJson);
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every(carriedByJson);
}
