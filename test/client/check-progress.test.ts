// The progress line while set_voltage_and_check waits: rewritten in place on a terminal, one line a
// reading elsewhere, and only for the block being checked.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressText, showCheckProgress } from '../../app/cli/check-progress.js';
import type { Meta } from '../../src/kit/protocol/envelope.js';

const target = { block: '1', volts: 18600, maxError: 0.1, timeout: 60 };

function harness(isTTY: boolean) {
  const written: string[] = [];
  let listener: (m: Meta) => void = () => {};
  let t = 1000;
  const subscribe = (l: (m: Meta) => void) => {
    listener = l;
    return () => (listener = () => {});
  };
  const stop = showCheckProgress(target, subscribe, { isTTY, write: (s: string) => written.push(s) }, () => t);
  return { written, stop, send: (m: Meta) => listener(m), advance: (ms: number) => (t += ms) };
}

afterEach(() => vi.useRealTimers());

describe('check progress', () => {
  it('says the reading, its signed deviation, the tolerance and the time spent', () => {
    expect(progressText(target, 18599.95, 3210)).toBe('block 1: 18599.950 V, deviation -0.050 V (max ±0.1 V), 3.2 s of 60 s');
    expect(progressText(target, 18600.2, 500)).toBe('block 1: 18600.200 V, deviation +0.200 V (max ±0.1 V), 0.5 s of 60 s');
    expect(progressText(target, null, 0)).toBe('block 1: waiting for a reading, 0.0 s of 60 s');
  });

  it('writes one line a reading of its block when stderr is not a terminal, and nothing at the end', () => {
    const h = harness(false);
    h.advance(1500);
    h.send({ type: 'answer', answer_type: 'get_voltage', block: 1, voltage: 18590 });
    h.send({ type: 'answer', answer_type: 'get_voltage', block: 2, voltage: 300 });
    h.send({ type: 'answer', answer_type: 'set_voltage_and_check', block: 1, status: 'ok' });
    h.stop();
    h.send({ type: 'answer', answer_type: 'get_voltage', block: 1, voltage: 18600 });
    expect(h.written).toEqual(['block 1: 18590.000 V, deviation -10.000 V (max ±0.1 V), 1.5 s of 60 s\n']);
  });

  it('rewrites the line in place on a terminal, ticks the elapsed time, and clears it when done', () => {
    vi.useFakeTimers();
    const h = harness(true);
    h.send({ type: 'answer', answer_type: 'get_voltage', block: '1', voltage: 18599.99 });
    h.advance(1000);
    vi.advanceTimersByTime(1000);
    h.stop();
    h.stop();
    expect(h.written).toEqual([
      '\r\x1b[Kblock 1: 18599.990 V, deviation -0.010 V (max ±0.1 V), 0.0 s of 60 s',
      '\r\x1b[Kblock 1: 18599.990 V, deviation -0.010 V (max ±0.1 V), 1.0 s of 60 s',
      '\r\x1b[K',
    ]);
  });
});
