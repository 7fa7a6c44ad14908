// The progress line while set_voltage_and_check waits: the block's latest reading, its deviation
// from the target and the time spent. It goes to stderr, so scripts parsing stdout never see it;
// on a terminal it is rewritten in place, elsewhere (--progress into a log) it is one line a reading.

import type { Meta } from '../../src/kit/protocol/envelope.js';

export interface ProgressTarget {
  block: string;
  volts: number;
  maxError: number;
  timeout: number;
}

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export function progressText(t: ProgressTarget, reading: number | null, elapsedMs: number): string {
  const seconds = `${(elapsedMs / 1000).toFixed(1)} s of ${t.timeout} s`;
  if (reading === null) return `block ${t.block}: waiting for a reading, ${seconds}`;
  const deviation = reading - t.volts;
  const sign = deviation < 0 ? '-' : '+';
  return `block ${t.block}: ${reading.toFixed(3)} V, deviation ${sign}${Math.abs(deviation).toFixed(3)} V (max ±${t.maxError} V), ${seconds}`;
}

/** Starts showing progress on `stream`; the returned function stops it and clears a terminal line. */
export function showCheckProgress(
  t: ProgressTarget,
  subscribe: (listener: (m: Meta) => void) => () => void,
  stream: ProgressStream,
  now = Date.now,
): () => void {
  const started = now();
  let reading: number | null = null;
  let stopped = false;
  // A terminal line is rewritten in place ("\r", erase to end of line); a log gets whole lines.
  const show = () => stream.write(stream.isTTY ? `\r\x1b[K${progressText(t, reading, now() - started)}` : `${progressText(t, reading, now() - started)}\n`);
  const unsubscribe = subscribe((m) => {
    if ( m.answer_type !== 'get_voltage' || String(m.block) !== t.block || typeof m.voltage !== 'number') return;
    reading = m.voltage;
    show();
  });
  // On a terminal the elapsed time keeps moving even if readings pause.
  const ticker = stream.isTTY ? setInterval(show, 1000) : null;
  return () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    if (ticker) clearInterval(ticker);
    if (stream.isTTY) stream.write('\r\x1b[K');
  };
}
