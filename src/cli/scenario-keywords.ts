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

/** The HV keyword `word` (with `next`, for "SET VOLTAGE") was probably meant to be, or null. */
export function looksLikeHvKeyword(word: string, next?: string): (typeof KEYWORDS)[number] | null {
  const candidates = [squash(word)];
  if (next !== undefined && /^[a-z_-]+$/i.test(next)) candidates.push(squash(word + next));
  let best: { keyword: (typeof KEYWORDS)[number]; d: number } | null = null;
  for (const c of candidates) {
    for (const keyword of KEYWORDS) {
      const d = distance(c, squash(keyword));
      if (d <= 2 && (!best || d < best.d)) best = { keyword, d };
    }
  }
  if (best) return best.keyword;
  if (candidates.some((c) => c.includes('VOLT'))) return /CHECK|CHK/.test(candidates.at(-1)!) ? 'SET_VOLTAGE_AND_CHECK' : 'SET_VOLTAGE';
  return null;
}
