/// <reference lib="dom" />
// Fit for a control room: every page on a 390 px phone with no sideways scrolling, in light and
// dark; the dark theme following the system, and the header's toggle overriding it (remembered);
// the operator page worked from the keyboard alone; nothing moving while readings stream in.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { settleAlarms } from './alarms-settled.js';
import { harnessForFile, shot, type Harness } from './harness.js';

let h: Harness;

harnessForFile((started) => (h = started));

/** What each page shows once it has loaded. */
const LOADED: Record<string, string> = {
  '/': '[data-block="gun"] canvas',
  '/debug': '[data-actor="ws"] svg',
  '/training': '.device[data-device="supply-2"]',
};

/** The page's background, as relative luminance (0 black … 1 white). */
const luminance = (page: Page) =>
  page.evaluate(() => {
    const [r, g, b] = (getComputedStyle(document.body).backgroundColor.match(/\d+/g) ?? ['0', '0', '0']).map(Number).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  });

describe('a phone’s width', () => {
  for (const scheme of ['light', 'dark'] as const) {
    for (const path of Object.keys(LOADED)) {
      it(`${path} at 390 px (${scheme}): no sideways scrolling`, async () => {
        const { page, errors } = await h.open(path, { viewport: { width: 390, height: 844 }, colorScheme: scheme });
        await page.waitForSelector(LOADED[path]!);
        const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth, body: document.body.scrollWidth }));
        expect(widths.scroll).toBeLessThanOrEqual(widths.client);
        expect(widths.body).toBeLessThanOrEqual(390);
        if (path === '/') {
          // The plots take the card's width, not more.
          const fits = await page.evaluate(() =>
            Array.from(document.querySelectorAll('.block-card'), (card) => {
              const c = card.getBoundingClientRect();
              return Array.from(card.querySelectorAll('canvas'), (cv) => cv.getBoundingClientRect().right <= c.right + 0.5).every(Boolean);
            }),
          );
          expect(fits.every(Boolean)).toBe(true);
        }
        if (scheme === 'dark') expect(await luminance(page)).toBeLessThan(0.05);
        else expect(await luminance(page)).toBeGreaterThan(0.8);
        await shot(page, `phone${path === '/' ? '-operator' : path.replace('/', '-')}-${scheme}`);
        expect(errors).toEqual([]);
        await page.close();
      }, 40_000);
    }
  }
});

describe('the theme', () => {
  it('follows the system, and the toggle chooses light or dark for this machine until set back', async () => {
    const { page, errors } = await h.open('/', { colorScheme: 'dark' });
    await page.waitForSelector('[data-block="1"] canvas');
    const toggle = page.locator('#theme-toggle');
    expect(await toggle.textContent()).toBe('Theme: system');
    expect(await luminance(page)).toBeLessThan(0.05);
    const axisColour = () => page.evaluate(() => {
      const u = (document.querySelector('[data-block="1"] .plot-hv') as unknown as { uplot: { axes: { stroke: (u: unknown, i: number) => string }[] } }).uplot;
      return u.axes[1]!.stroke(u, 1);
    });
    const darkAxis = await axisColour();
    await toggle.click();
    expect(await toggle.textContent()).toBe('Theme: light');
    expect(await luminance(page)).toBeGreaterThan(0.8);
    // The plots take the theme's colours too.
    expect(await axisColour()).not.toBe(darkAxis);
    // Remembered on this machine: a reload is still light, with no dark flash (set before the page is drawn).
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.waitForSelector('[data-block="1"] canvas');
    expect(await luminance(page)).toBeGreaterThan(0.8);
    await toggle.click();
    expect(await toggle.textContent()).toBe('Theme: dark');
    expect(await luminance(page)).toBeLessThan(0.05);
    await shot(page, 'theme-dark');
    await toggle.click();
    expect(await toggle.textContent()).toBe('Theme: system');
    expect(await page.evaluate(() => localStorage.getItem('hv-theme'))).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the keyboard', () => {
  it('reaches every control of the operator page, and works them', async () => {
    const { page, errors } = await h.open('/');
    await page.waitForSelector('[data-block="2"] form');
    await page.waitForSelector('#range-buttons button');
    // Tab through the whole page once: what receives focus (the alarm panel's controls first, for
    // however many alarms a busy machine has raised on this server meanwhile).
    const reached: string[] = [];
    for (let i = 0; i < 90; i++) {
      await page.keyboard.press('Tab');
      const what = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return '';
        const card = el.closest('[data-block]') as HTMLElement | null;
        const name = el.getAttribute('aria-label') ?? el.getAttribute('name') ?? el.id ?? '';
        return `${card ? `block ${card.dataset.block}: ` : ''}${el.tagName.toLowerCase()} ${name || el.textContent?.trim()}`;
      });
      if (what) reached.push(what);
    }
    for (const expected of [
      'a Operator',
      'a State charts',
      'button Theme: system; change the theme',
      'button Alarm sound: on; mute it',
      'button 10 min',
      'button 6 h',
      'select range-day',
      'block 1: button Zoom in',
      'block 1: input voltage',
      'block 1: button Send',
      'block 1: button HV off',
      'block 2: input voltage',
      'block gun: button Reset zoom',
      'input text',
      'button Add note',
      'input kind',
    ]) {
      expect(reached).toContain(expected);
    }
    // Focus shows.
    await page.focus('#range-buttons button:text-is("6 h")');
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');
    // Enter on a range button picks it; Space on the theme toggle changes the theme.
    await page.keyboard.press('Enter');
    expect(await page.locator('#range-buttons button:text-is("6 h")').getAttribute('aria-pressed')).toBe('true');
    await page.focus('#theme-toggle');
    await page.keyboard.press('Space');
    expect(await page.locator('#theme-toggle').textContent()).toBe('Theme: light');
    await page.keyboard.press('Space');
    await page.keyboard.press('Space');
    expect(await page.locator('#theme-toggle').textContent()).toBe('Theme: system');
    // A command from the keyboard: type the voltage, Enter submits.
    await page.focus('[data-block="2"] input[name=voltage]');
    await page.keyboard.type('5000');
    await page.keyboard.press('Enter');
    expect(await page.locator('[data-block="2"] .form-error').textContent()).toBe("5000 V is outside block 2's range, 0 to 1000 V: not sent.");
    expect(errors).toEqual([]);
    await page.close();
  }, 40_000);
});

describe('streaming', () => {
  it('moves nothing on the operator page while readings come in', async () => {
    const { page, errors } = await h.open('/');
    await page.waitForSelector('[data-block="gun"] canvas');
    // What is measured is the readings: the alarms earlier tests left latched acknowledged, the clock's own shelved (alarms-settled.ts).
    await settleAlarms(h.base, page);
    // Settled: every card's history drawn and a few readings in (a plot's axes take their width from its first data).
    await page.waitForFunction(() =>
      ['1', '2', 'gun'].every((b) => ((document.querySelector(`[data-block="${b}"] .plot-hv`) as unknown as { uplot?: { data: number[][] } } | null)?.uplot?.data[0]!.length ?? 0) > 3),
    );
    await page.evaluate(() => {
      const w = window as unknown as { shifts: number; moved: string[]; readings: string[]; alarmChanged: boolean };
      w.shifts = 0;
      w.moved = [];
      w.readings = [];
      w.alarmChanged = false;
      type Shift = PerformanceEntry & { value: number; hadRecentInput: boolean; sources: { node: Node | null; previousRect: DOMRectReadOnly; currentRect: DOMRectReadOnly }[] };
      const where = (r: DOMRectReadOnly) => `${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}×${Math.round(r.height)}`;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as Shift[]) {
          if (e.hadRecentInput) continue;
          w.shifts += e.value;
          // What moved, for the failure message.
          for (const s of e.sources) {
            const el = s.node instanceof Element ? s.node : s.node?.parentElement;
            w.moved.push(`${el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${Array.from(el.classList).join('.')} "${(el.textContent ?? '').trim().slice(0, 60)}"` : '?'}: ${where(s.previousRect)} → ${where(s.currentRect)}`);
          }
        }
      }).observe({ type: 'layout-shift', buffered: false });
      const reading = document.querySelector('[data-block="1"] .reading')!;
      new MutationObserver(() => w.readings.push(reading.textContent ?? '')).observe(reading, { childList: true, characterData: true, subtree: true });
      // An alarm raised or cleared meanwhile is news, and may take room; a shelving's countdown is not.
      const alarmNews = (records: MutationRecord[]) => {
        if (records.some((r) => !(r.target instanceof Element ? r.target : r.target.parentElement)?.closest('.left'))) w.alarmChanged = true;
      };
      for (const id of ['alarm-panel', 'alarm-banner']) new MutationObserver(alarmNews).observe(document.getElementById(id)!, { childList: true, characterData: true, attributes: true, subtree: true });
    });
    // Five new readings with no alarm news among them; a window with some is measured again.
    let shifts = -1;
    let moved: string[] = [];
    for (let attempt = 0; attempt < 4 && shifts < 0; attempt++) {
      await page.evaluate(() => {
        const w = window as unknown as { shifts: number; moved: string[]; readings: string[]; alarmChanged: boolean };
        w.shifts = 0;
        w.moved = [];
        w.readings = [];
        w.alarmChanged = false;
      });
      await page.waitForFunction(() => new Set((window as unknown as { readings: string[] }).readings).size >= 5);
      const seen = await page.evaluate(() => {
        const w = window as unknown as { shifts: number; moved: string[]; alarmChanged: boolean };
        return { shifts: w.shifts, moved: w.moved, alarmChanged: w.alarmChanged };
      });
      if (!seen.alarmChanged) ({ shifts, moved } = seen);
    }
    expect(shifts, moved.join('\n')).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
