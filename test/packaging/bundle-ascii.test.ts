// The bundles are ASCII, so V8 holds each loaded file's source as a one-byte string (half the heap
// of a two-byte one), and escaping what esbuild left outside ASCII changes no code's meaning.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { asciiOnly } from '../../scripts/ascii-only.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const NOT_ASCII = /[^\x00-\x7f]/;

describe('asciiOnly', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('escapes the characters outside ASCII in comments and leaves the code meaning what it meant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-ascii-'));
    dirs.push(dir);
    const file = join(dir, 'module.js');
    writeFileSync(
      file,
      [
        '// 2 × 2 MB, the actor’s snapshot, 📈',
        '/** ≤ 60 MB */',
        'export const sign = "×", chart = "📈", pattern = /[×≤]/;',
        'export const raw = String.raw`\\u00d7`;',
        'export const sentence = `a ${sign} b`; // end',
        '',
      ].join('\n'),
    );
    asciiOnly(dir);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(NOT_ASCII);
    expect(text).toContain('// 2 \\u00d7 2 MB, the actor\\u2019s snapshot, \\ud83d\\udcc8');
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    expect(module).toMatchObject({ sign: '×', chart: '📈', raw: '\\u00d7', sentence: 'a × b' });
    expect((module.pattern as RegExp).test('≤')).toBe(true);
  });

  it('leaves a file already in ASCII untouched, and a line separator where it was (escaped, it would end no comment)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-ascii-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'plain.js'), 'export const a = 1; // plain\n');
    writeFileSync(join(dir, 'separator.js'), '// a\u2028export const b = 2;\n');
    asciiOnly(dir);
    expect(readFileSync(join(dir, 'plain.js'), 'utf8')).toBe('export const a = 1; // plain\n');
    expect(readFileSync(join(dir, 'separator.js'), 'utf8')).toBe('// a\u2028export const b = 2;\n');
  });
});

describe("the executables' bundles", () => {
  it('are ASCII and carry no comments (V8 would hold them in memory for the life of the process)', () => {
    const bundle = join(root, 'dist', 'bundle');
    if (!existsSync(bundle)) throw new Error('dist/bundle/ is missing: npm test builds it first (npm run build)');
    const files = readdirSync(bundle, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.js'));
    const texts = files.map((e) => ({ name: e.name, text: readFileSync(join(e.parentPath, e.name), 'utf8') }));
    expect(texts.filter(({ text }) => NOT_ASCII.test(text)).map(({ name }) => name)).toEqual([]);
    // Written with comments, the bundles carried xstate's "actor’s snapshot" (escaped by asciiOnly);
    // without them, neither form is there.
    expect(texts.filter(({ text }) => text.includes('actor\\u2019s snapshot') || text.includes('actor’s snapshot')).map(({ name }) => name)).toEqual([]);
    // The code's own strings are still there: the check reads the real bundles.
    expect(texts.some(({ text }) => text.includes('node_modules/ws/lib/websocket.js'))).toBe(true);
  });
});
