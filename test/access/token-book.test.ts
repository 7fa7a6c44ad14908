// Control tokens: from the config and from a file naming their holders; too short or unreadable
// refused with a sentence that names where, never the token.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenBook } from '../../src/kit/access/token-book.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-token-book-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const book = (token: string | null, tokenFile: string | null) => {
  const loaded = TokenBook.load(token, tokenFile);
  if (!(loaded instanceof TokenBook)) throw new Error(loaded.message);
  return loaded;
};

describe('TokenBook', () => {
  it('knows the config’s token, with no holder named', () => {
    const b = book('0123456789abcdef', null);
    expect(b.holder('0123456789abcdef')).toEqual({ label: null });
    expect(b.holder('0123456789abcdeF')).toBeNull();
    expect(b.holder('0123456789abcde')).toBeNull();
    expect(b.holder('')).toBeNull();
    expect(b.holder(null)).toBeNull();
  });

  it('reads a file of tokens, each optionally after who holds it; comments and blank lines skipped', () => {
    const b = book(null, file('tokens', '# lab tokens\n\nAnna Petrova  aaaaaaaaaaaaaaaaaaaa\r\nbbbbbbbbbbbbbbbbbbbb\n  shift cccccccccccccccccccc  \n'));
    expect(b.size).toBe(3);
    expect(b.holder('aaaaaaaaaaaaaaaaaaaa')).toEqual({ label: 'Anna Petrova' });
    expect(b.holder('bbbbbbbbbbbbbbbbbbbb')).toEqual({ label: null });
    expect(b.holder('cccccccccccccccccccc')).toEqual({ label: 'shift' });
  });

  it('with no token at all, nothing is a token', () => {
    expect(TokenBook.empty().holder('anything-long-enough-here')).toBeNull();
    expect(book(null, null).size).toBe(0);
  });

  it.each([
    [() => TokenBook.load('short', null), "key 'access.token' holds a token of 5 characters; expected at least 16 (e.g. from openssl rand -hex 32)"],
    [() => TokenBook.load(null, file('short', 'Anna aaaaaaaaaaaaaaaaaaaa\nBoris secret\n')), 'line 2 holds a token of 6 characters; expected at least 16'],
    [() => TokenBook.load(null, file('empty', '# nobody yet\n')), 'holds no token; expected one a line'],
    [() => TokenBook.load(null, join(dir, 'missing')), 'cannot be read'],
    [() => TokenBook.load(null, dir), 'is not a regular file'],
  ])('refuses what cannot be used (%#), never repeating the token', (load, message) => {
    const result = load();
    expect(result).toMatchObject({ code: 'BAD_TOKEN', message: expect.stringContaining(message) });
    expect((result as { message: string }).message).not.toContain('secret');
  });
});
