// The tokens that give a web client control from an address outside `access.control`: the one in
// `access.token`, and those in `access.token_file`, one a line, each optionally after the name of
// whoever holds it ("Anna 3f9c…"), so the audit trail can say who set what.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** Shortest token accepted: anything shorter can be guessed over a lab network in reasonable time. */
export const MIN_TOKEN_CHARS = 16;

/** Largest token file read (a line per person; a few hundred bytes in practice). */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

export interface TokenError {
  code: 'BAD_TOKEN';
  /** Names the key or file and line, never the token itself (the message is logged). */
  message: string;
}

interface Holder {
  digest: Buffer;
  label: string | null;
}

export class TokenBook {
  private constructor(private readonly holders: readonly Holder[]) {}

  static empty(): TokenBook {
    return new TokenBook([]);
  }

  /** From the config's `token` and the lines of `tokenFile`; the first unusable one is an error. */
  static load(token: string | null, tokenFile: string | null): TokenBook | TokenError {
    const holders: Holder[] = [];
    if (token !== null) {
      if (token.length < MIN_TOKEN_CHARS) return tooShort("key 'access.token'", token.length);
      holders.push({ digest: digest(token), label: null });
    }
    if (tokenFile !== null) {
      const lines = readTokenFile(tokenFile);
      if (!Array.isArray(lines)) return lines;
      for (const { line, text } of lines) {
        const fields = text.split(/\s+/);
        const secret = fields.pop()!;
        if (secret.length < MIN_TOKEN_CHARS) return tooShort(`token file ${tokenFile} line ${line}`, secret.length);
        holders.push({ digest: digest(secret), label: fields.length ? fields.join(' ') : null });
      }
      if (lines.length === 0) return { code: 'BAD_TOKEN', message: `token file ${tokenFile} holds no token; expected one a line, optionally after its holder's name` };
    }
    return new TokenBook(holders);
  }

  /** Whether any token is configured at all. */
  get size(): number {
    return this.holders.length;
  }

  /**
   * Who holds `presented`: `{ label }` (null when the token names nobody), or null when it is no
   * token of this server. Compared as SHA-256 digests in constant time, every holder each time, so
   * the answer's timing says nothing about how much of a token was right.
   */
  holder(presented: string | null | undefined): { label: string | null } | null {
    if (!presented || this.holders.length === 0) return null;
    const asked = digest(presented);
    let found: Holder | null = null;
    for (const holder of this.holders) if (timingSafeEqual(holder.digest, asked) && !found) found = holder;
    return found ? { label: found.label } : null;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function tooShort(where: string, length: number): TokenError {
  return { code: 'BAD_TOKEN', message: `${where} holds a token of ${length} characters; expected at least ${MIN_TOKEN_CHARS} (e.g. from openssl rand -hex 32)` };
}

/** The file's token lines with their line numbers: blank lines and `#` comments left out. */
function readTokenFile(path: string): { line: number; text: string }[] | TokenError {
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return { code: 'BAD_TOKEN', message: `token file ${path} is not a regular file; expected a text file of tokens` };
    if (stat.size > MAX_TOKEN_FILE_BYTES) return { code: 'BAD_TOKEN', message: `token file ${path} is ${stat.size} bytes long; at most ${MAX_TOKEN_FILE_BYTES} are accepted` };
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { code: 'BAD_TOKEN', message: `token file ${path} cannot be read: ${(err as Error).message}` };
  }
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, text: line.trim() }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));
}
