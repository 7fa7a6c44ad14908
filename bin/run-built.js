// Runs one of the compiled command-line tools; `npm run build` (or `npm start`) compiles them first.
import { existsSync } from 'node:fs';

export async function runBuilt(tool) {
  const entry = new URL(`../dist/src/cli/${tool}.js`, import.meta.url);
  if (!existsSync(entry)) {
    process.stderr.write(`${tool}: not built yet; run \`npm run build\` in the project directory first\n`);
    process.exit(2);
  }
  await import(entry.href);
}
