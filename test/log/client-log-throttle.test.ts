// What the log keeps of clients' bad input: an excerpt and the size, and a throttle by address
// that a client cannot reset by reconnecting, in bounded memory.
import { describe, expect, it } from 'vitest';
import { addressOf, ClientLogThrottle, THROTTLED_ADDRESSES } from '../../src/kit/log/client-log-throttle.js';
import { clip, inputExcerpt } from '../../src/kit/log/input-excerpt.js';

describe('input excerpt', () => {
  it('keeps 200 bytes and the size of a 900 KB input, whether text, bytes or a parsed meta', () => {
    const big = 'x'.repeat(900_000);
    expect(inputExcerpt(big)).toEqual({ input: `${'x'.repeat(200)}…`, input_bytes: 900_000 });
    expect(inputExcerpt(Buffer.from(big)).input_bytes).toBe(900_000);
    const meta = inputExcerpt({ type: 'command', pad: big });
    expect(meta.input.startsWith('{"type":"command","pad":"xxx')).toBe(true);
    expect(Buffer.byteLength(meta.input)).toBeLessThanOrEqual(203);
    expect(meta.input_bytes).toBe(900_000 + `{"type":"command","pad":""}`.length);
  });

  it('never cuts a character in half, and leaves short input alone', () => {
    expect(clip('é'.repeat(150), 201)).toBe(`${'é'.repeat(100)}…`);
    expect(clip('short')).toBe('short');
  });
});

describe('client log throttle', () => {
  it('counts by address: new connections from one address share its throttle, other addresses have their own', () => {
    const throttle = new ClientLogThrottle(() => 0);
    // 30 connections from one address, one refused message each.
    const logged = Array.from({ length: 30 }, (_, i) => throttle.forRemote(`127.0.0.1:${40000 + i}`).take()).filter((t) => t.log);
    expect(logged).toHaveLength(20);
    expect(throttle.forRemote('::ffff:127.0.0.1:50000').take()).toEqual({ log: false, suppressed: 11 });
    expect(throttle.forRemote('10.0.0.7:1234').take()).toEqual({ log: true, suppressed: 0 });
  });

  it('gives an address its free lines back an hour after the first, with the count it left out', () => {
    let now = 0;
    const throttle = new ClientLogThrottle(() => now);
    const client = throttle.forRemote('192.168.1.5:3000');
    for (let i = 0; i < 25; i++) client.take();
    now += 3_599_999;
    expect(client.take()).toEqual({ log: false, suppressed: 6 });
    now += 1;
    expect(client.take()).toEqual({ log: true, suppressed: 6 });
    expect(client.take()).toEqual({ log: true, suppressed: 0 });
  });

  it('remembers at most THROTTLED_ADDRESSES addresses, forgetting the least recently heard', () => {
    const throttle = new ClientLogThrottle(() => 0);
    for (let i = 0; i < 25; i++) throttle.take('10.9.9.9');
    for (let i = 0; i < THROTTLED_ADDRESSES; i++) throttle.take(`10.0.${i >> 8}.${i & 255}`);
    expect(throttle.take('10.9.9.9')).toEqual({ log: true, suppressed: 0 }); // forgotten, so heard afresh
  });

  it('takes the address from a remote as the connectors write it', () => {
    expect(addressOf('127.0.0.1:5555')).toBe('127.0.0.1');
    expect(addressOf('::1:5555')).toBe('::1');
    expect(addressOf('::ffff:10.1.2.3:80')).toBe('10.1.2.3');
  });
});
