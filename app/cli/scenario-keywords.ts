// Which unknown scenario keywords are mistyped HV commands. Online's scenarios hold other commands
// too (ACQUIRE 30, ...) that hv-client must skip, so only near misses of the two HV keywords count:
// the same letters with a different separator or case, up to two typos, or any "VOLT" keyword.

const KEYWORDS = ['SET_VOLTAGE', 'SET_VOLTAGE_AND_CHECK'] as const;

/** Letters only, upper case: SET-VOLTAGE, setVoltage and SET VOLTAGE all become SETVOLTAGE. */
const squash = (s: string) => s.toUpperCase().replace(/[^A-Z]/g, '');

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length]!;
}

export interface NearMiss {
  /** The keyword as written: one word, or two ("SET VOLTAGE"). */
  written: string;
  meant: (typeof KEYWORDS)[number];
}

/** The HV keyword `word` (with `next`, for "SET VOLTAGE") was probably meant to be, or null. */
export function looksLikeHvKeyword(word: string, next?: string): NearMiss | null {
  const candidates = [{ written: word, letters: squash(word) }];
  if (next !== undefined && /^[a-z_-]+$/i.test(next)) candidates.push({ written: `${word} ${next}`, letters: squash(word + next) });
  let best: (NearMiss & { d: number }) | null = null;
  for (const c of candidates) {
    for (const meant of KEYWORDS) {
      const d = distance(c.letters, squash(meant));
      if (d <= 2 && (!best || d < best.d)) best = { written: c.written, meant, d };
    }
  }
  if (best) return { written: best.written, meant: best.meant };
  const volt = candidates.find((c) => c.letters.includes('VOLT'));
  if (volt) return { written: volt.written, meant: /CHECK|CHK/.test(volt.letters) ? 'SET_VOLTAGE_AND_CHECK' : 'SET_VOLTAGE' };
  return null;
}
