// Puts one of schemas/*.schema.json inside an OpenAPI or AsyncAPI document as it is, so the
// documents never restate a message by hand. Two things change, both mechanical: the schema's
// own `#/$defs/…` references are rewritten to where the schema now sits in the document (a
// viewer or validator resolves them from the document's root, not the schema's), and `$id` and
// `$schema` are dropped (an `$id` would move that root to the schema's URL, which is not served).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** schemas/NAME.schema.json, read from the repository root. */
export function readSchema(root: string, name: string): { [key: string]: Json } {
  return JSON.parse(readFileSync(join(root, 'schemas', `${name}.schema.json`), 'utf8')) as { [key: string]: Json };
}

/** The schema with its internal references re-pointed under `at` (a JSON pointer such as `#/components/schemas/Command`). */
export function embedSchema(schema: { [key: string]: Json }, at: string, source: string): { [key: string]: Json } {
  const { $id: _id, $schema: _schema, ...rest } = schema;
  const moved = rewriteRefs(rest, at) as { [key: string]: Json };
  return { ...moved, 'x-source': source };
}

function rewriteRefs(node: Json, at: string): Json {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, at));
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${at}${value.slice(1)}` : rewriteRefs(value, at);
  }
  return out;
}
