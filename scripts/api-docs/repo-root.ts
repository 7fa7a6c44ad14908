// The repository (or installed package) root, found from either the sources (scripts/api-docs/)
// or the compiled code (dist/scripts/api-docs/): the generator reads schemas/ and writes docs/ there.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '..', '..'), resolve(here, '..', '..', '..')];
  const root = candidates.find((dir) => existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas', 'command.schema.json')));
  if (!root) throw new Error(`schemas/ not found above ${here}`);
  return root;
}
