// Writes the JSON Schema validators, compiled by ajv's standalone code, into the sources
// (scripts/validators/validator-modules.ts lists them). Run before tsc by `npm run build`
// (its prebuild step, through esbuild, since it runs before anything is compiled).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { validatorModules } from './validators/validator-modules.js';

const root = process.cwd();
for (const [file, text] of Object.entries(validatorModules())) {
  const path = join(root, file);
  let old: string | null = null;
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    // Not written yet.
  }
  if (old === text) continue;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${file}`);
}
