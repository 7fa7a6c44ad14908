// A simulated instrument keeps the latest messages it heard, not every one, and a mark taken earlier
// still gives exactly the messages since.
import { describe, expect, it } from 'vitest';
import { HeardMessages, MESSAGES_KEPT } from '../../sim/heard-messages.js';
import { Adam4024 } from '../../sim/devices/adam-4024.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { SupplyPlant } from '../../sim/supply-plant.js';

describe('HeardMessages', () => {
  it('keeps between `keep` and twice that many, letting the oldest half go in one step', () => {
    const heard = new HeardMessages(3);
    for (let i = 0; i < 5; i++) heard.add(`m${i}`);
    expect(heard.list).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    heard.add('m5');
    expect(heard.list).toEqual(['m3', 'm4', 'm5']);
    expect(heard.count).toBe(6);
  });

  it('gives exactly the messages since a mark, across the oldest being let go', () => {
    const heard = new HeardMessages(4);
    for (let i = 0; i < 5; i++) heard.add(`m${i}`);
    const mark = heard.count;
    for (let i = 5; i < 9; i++) heard.add(`m${i}`);
    expect(heard.list[0]).toBe('m4'); // m0..m3 let go
    expect(heard.since(mark)).toEqual(['m5', 'm6', 'm7', 'm8']);
    expect(heard.since(heard.count)).toEqual([]);
    expect(heard.since(0)).toEqual(heard.list); // a mark older than what is kept: what is kept
  });

  it('bounds what a simulated day makes an instrument keep', async () => {
    const clock = new ManualClock(0);
    const adam = new Adam4024('ao', 1, new SupplyPlant({ gain: 3500, offset: 0, tauMs: 400 }, 0, clock.now()), clock);
    for (let i = 0; i < 3 * MESSAGES_KEPT; i++) await adam.handleMessage('$016');
    expect(adam.received.length).toBeLessThan(2 * MESSAGES_KEPT);
    expect(adam.heard.count).toBe(3 * MESSAGES_KEPT);
  });
});
