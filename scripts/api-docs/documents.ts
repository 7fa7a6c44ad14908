// Both documents as their files hold them (two-space JSON, final newline), by file name: what
// `npm run api-docs` writes and what the drift test compares with the committed files.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAsyncApi } from './asyncapi.js';
import { buildOpenApi } from './openapi.js';

export const OPENAPI_FILE = 'docs/openapi.json';
export const ASYNCAPI_FILE = 'docs/asyncapi.json';

export function apiDocs(root: string): Record<string, string> {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const text = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;
  return { [OPENAPI_FILE]: text(buildOpenApi(root, version)), [ASYNCAPI_FILE]: text(buildAsyncApi(root, version)) };
}
