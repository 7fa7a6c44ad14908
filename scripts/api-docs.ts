// `npm run api-docs`: writes docs/openapi.json and docs/asyncapi.json from schemas/, so the
// HTTP and websocket descriptions are generated, not written twice. A test regenerates them in
// memory and fails when the committed files are out of date (test/web/api-docs.test.ts).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiDocs } from './api-docs/documents.js';
import { repoRoot } from './api-docs/repo-root.js';

const root = repoRoot();
for (const [file, text] of Object.entries(apiDocs(root))) {
  writeFileSync(join(root, file), text);
  console.log(`wrote ${file}`);
}
