// A merge's conflict left in a file (README, CHANGELOG, a source) is a mistake no other check sees in
// text that is not code: every file git tracks is read for a line that opens or closes a conflict.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MARKER = /^(<{7}|>{7})( |$)/m;

it('leaves no merge conflict markers in any file git tracks', () => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  expect(files.length).toBeGreaterThan(100);
  const marked = files.filter((file) => {
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      return false; // listed by git but deleted in the working tree
    }
    return MARKER.test(text);
  });
  expect(marked).toEqual([]);
});
