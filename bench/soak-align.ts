// Lines up the readings one client received with the readings the server logged, to say exactly
// which published readings the client missed and which it got that the log lacks.
//
// Why this is exact: readings reach a client in publishing order on one connection, so the first
// reading a client receives is the first one published after the server admitted it, and the last
// one is the last published before the server let it go. The readings published while it was
// connected are therefore the logged rows from the one matching its first to the one matching its
// last, plus any the server could not log (a full disk). Values are compared as the same doubles:
// the TSV holds each reading's shortest decimal form, as JSON does.

export interface Alignment {
  received: number;
  /** Received readings that are logged rows, in order. */
  matched: number;
  /** Logged rows between the client's first and last reading that it did not receive. */
  missing: number;
  /** Received readings with no logged row: should be exactly those the server could not log. */
  extra: number;
  /** Logged rows before the client's first reading and after its last (not while it was connected). */
  rowsBefore: number;
  rowsAfter: number;
  /** False when not even the first readings could be found in the log. */
  anchored: boolean;
}

/**
 * How many readings must agree in a row before a match is believed: a block at 0 V reads a few
 * quantised values over and over, so short runs recur by chance.
 */
const CONFIRM = 24;
/** How far ahead a gap (missed or unlogged readings) is looked for. */
const GAP_WINDOW = 20_000;

/** Whether `n` readings from received[i] and logged[j] agree (running off an end counts as agreeing). */
function agree(received: readonly number[], i: number, logged: readonly number[], j: number, n = CONFIRM): boolean {
  for (let k = 0; k < n; k++) {
    if (i + k >= received.length) return true;
    if (j + k >= logged.length) return k > 0;
    if (received[i + k] !== logged[j + k]) return false;
  }
  return true;
}

/** Where the client's readings start in the log: the first of its readings that begins a unique run there. */
function anchor(received: readonly number[], logged: readonly number[]): { i: number; j: number } | null {
  for (let i = 0; i < Math.min(received.length, 200); i++) {
    let n = Math.min(16, received.length - i);
    let candidates: number[] = [];
    for (let j = 0; j < logged.length; j++) if (agree(received, i, logged, j, n)) candidates.push(j);
    // Values repeat (a quiet block at 0 V reads the same few quantised values): a longer run decides.
    while (candidates.length > 1 && n < Math.min(1024, received.length - i)) {
      n *= 2;
      candidates = candidates.filter((j) => agree(received, i, logged, j, n));
    }
    if (candidates.length > 0) return { i, j: candidates[0]! };
  }
  return null;
}

export function alignReadings(received: readonly number[], logged: readonly number[]): Alignment {
  const result: Alignment = { received: received.length, matched: 0, missing: 0, extra: 0, rowsBefore: 0, rowsAfter: logged.length, anchored: false };
  if (received.length === 0) return result;
  const start = anchor(received, logged);
  if (!start) return { ...result, extra: received.length };
  let { i, j } = start;
  result.anchored = true;
  result.rowsBefore = j;
  result.extra = i;
  while (i < received.length && j < logged.length) {
    if (received[i] === logged[j]) {
      result.matched++;
      i++;
      j++;
      continue;
    }
    // A gap: the nearest of "the client got readings the log lacks" and "the log has rows the
    // client never got" that the following readings confirm.
    let skipped = false;
    for (let d = 1; d <= GAP_WINDOW && !skipped; d++) {
      if (i + d < received.length && received[i + d] === logged[j] && agree(received, i + d, logged, j)) {
        result.extra += d;
        i += d;
        skipped = true;
      } else if (j + d < logged.length && logged[j + d] === received[i] && agree(received, i, logged, j + d)) {
        result.missing += d;
        j += d;
        skipped = true;
      }
    }
    if (!skipped) {
      result.extra++;
      i++;
    }
  }
  result.extra += received.length - i;
  result.rowsAfter = logged.length - j;
  return result;
}
