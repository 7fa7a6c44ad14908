/// <reference lib="dom" />
// The state-chart page, readable at 100 % zoom: chart text at 12 px or more on screen, the
// context panel in view however far the charts are scrolled, an actor chosen from the keyboard,
// and a slider back over an actor's last transitions.
import { describe, expect, it } from 'vitest';
import { harnessForFile, shot, type Harness } from './harness.js';

let h: Harness;

harnessForFile((started) => (h = started));

describe('state charts', () => {
  it('draw every label at 12 px or more on screen', async () => {
    const { page, errors } = await h.open('/debug');
    await page.waitForFunction(() => document.querySelectorAll('.actor svg').length === 8);
    const sizes = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.actor svg text'), (t) => {
        const text = t as SVGTextElement;
        const scale = text.getScreenCTM()?.a ?? 0;
        return Number.parseFloat(getComputedStyle(text).fontSize) * scale;
      }),
    );
    expect(sizes.length).toBeGreaterThan(100);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(12);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keep the context panel in view while the charts scroll, show an actor chosen from the keyboard, and look back over its transitions', async () => {
    const { page, errors } = await h.open('/debug');
    await page.waitForSelector('[data-actor="block-2"] .state-node.active');
    // From the keyboard: focus block-2's card, Enter.
    await page.focus('[data-actor="block-2"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /"block": 2/.test(document.getElementById('context')?.textContent ?? ''));
    expect(await page.locator('[data-actor="block-2"]').getAttribute('aria-pressed')).toBe('true');
    // A command gives it transitions to look back over.
    const { HvConnection, checkCommand } = await import('../../src/hv/client/hv-connection.js');
    const online = await HvConnection.open('127.0.0.1', h.server.tcp.port);
    const answer = online.answer(30_000);
    online.send(checkCommand(2, 400, 0.5, 20));
    expect(await answer).toMatchObject({ status: 'ok' });
    await online.close();
    await page.waitForFunction(() => Number((document.getElementById('travel-range') as HTMLInputElement).max) >= 2);
    await page.waitForSelector('[data-actor="block-2"][data-state^="idle"]');
    // Back along the slider to the command: the chart shows the state block-2 took then, not the live one.
    const then = await page.evaluate(() => {
      const range = document.getElementById('travel-range') as HTMLInputElement;
      for (let i = Number(range.max) - 1; i >= 0; i--) {
        range.value = String(i);
        range.dispatchEvent(new Event('input'));
        const event = document.getElementById('travel-event')?.textContent ?? '';
        if (event.startsWith('COMMAND')) {
          return { state: (document.querySelector('[data-actor="block-2"]') as HTMLElement).dataset.state, at: document.getElementById('travel-at')?.textContent, event };
        }
      }
      return null;
    });
    expect(then).not.toBeNull();
    expect(then!.at).toMatch(/^\d+ of \d+, at \d{2}:\d{2}:\d{2}$/);
    expect(then!.event).toMatch(/^COMMAND → /);
    expect(then!.state).not.toMatch(/^idle/);
    // Back to live.
    await page.evaluate(() => {
      const range = document.getElementById('travel-range') as HTMLInputElement;
      range.value = range.max;
      range.dispatchEvent(new Event('input'));
    });
    expect(await page.locator('#travel-at').textContent()).toBe('live');
    await page.waitForSelector('[data-actor="block-2"][data-state^="idle"]');
    // Scrolled to the last chart, the context is still on screen.
    await page.locator('[data-actor="ws"]').scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(2000);
    const box = (await page.locator('.context-card').boundingBox())!;
    expect(box.y).toBeGreaterThan(-5);
    expect(box.y + Math.min(box.height, 200)).toBeLessThan(900);
    await shot(page, 'debug-context-sticky');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
