#!/usr/bin/env node
// Runs the compiled client; `npm run build` compiles it first.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli/hv-calibrate.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('hv-calibrate: not built yet; run `npm run build` in the project directory first\n');
  process.exit(2);
}
await import(entry.href);
