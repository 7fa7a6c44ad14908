/// <reference lib="dom" />
// What the operator sees at a glance when a supply trips: block 1's card and the banner across
// the top turn red within 2 readings of the trip; when it is cleared the card returns to normal at
// once, and the banner once someone has acknowledged the alarm (until then it says the alarm cleared
// unacknowledged, not red and not calm); the SIMULATED RACK strip says all along that this is the
// simulator. The rack runs at ×5 here, so a
// reading (4.02 s) takes 0.8 s of real time: the test's own latency is small against it.
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeAll, settleAlarms } from './alarms-settled.js';
import { shot, startHarness, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ timeScale: 5 });
}, 60_000);
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  expect(h.cspViolations).toEqual([]);
  h.cspViolations.length = 0;
});

/** The block-1 readings the server publishes, each with the wall-clock time it arrived here. */
async function watchReadings(): Promise<{ arrivals: number[]; next: () => Promise<void>; close: () => void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${h.server.http.port}/channel?observe=1`);
  const arrivals: number[] = [];
  let waiting: (() => void)[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { event_type?: string; block?: unknown };
    if (m.event_type !== 'reading' || m.block !== 1) return;
    arrivals.push(Date.now());
    for (const w of waiting) w();
    waiting = [];
  });
  await new Promise((resolve) => ws.once('open', resolve));
  return { arrivals, next: () => new Promise<void>((resolve) => waiting.push(resolve)), close: () => ws.close() };
}

/** Records, in the page, the wall-clock time the card's and the banner's severity first became `severity`. */
function recordTurn(page: Page, severity: string) {
  return page.evaluate((sev) => {
    const w = window as unknown as { turned: Record<string, number> };
    w.turned = {};
    const card = document.querySelector('[data-block="1"]') as HTMLElement;
    const banner = document.getElementById('alarm-banner')!;
    const check = () => {
      if (card.dataset.severity === sev && w.turned.card === undefined) w.turned.card = Date.now();
      if (banner.dataset.severity === sev && w.turned.banner === undefined) w.turned.banner = Date.now();
    };
    new MutationObserver(check).observe(card, { attributes: true, attributeFilter: ['data-severity'] });
    new MutationObserver(check).observe(banner, { attributes: true, attributeFilter: ['data-severity'] });
  }, severity);
}

const looks = (page: Page) =>
  page.evaluate(() => {
    const card = document.querySelector('[data-block="1"]') as HTMLElement;
    const banner = document.getElementById('alarm-banner')!;
    return {
      card: card.dataset.severity,
      cardBorder: getComputedStyle(card).borderTopColor,
      banner: banner.dataset.severity,
      bannerBackground: getComputedStyle(banner).backgroundColor,
      bannerState: banner.dataset.state,
      bannerText: banner.textContent,
      badge: card.querySelector('.badge.state')?.textContent,
    };
  });

const MAJOR_RED = 'rgb(197, 34, 31)'; // --major, light theme

describe('a supply trip at a glance', () => {
  it('turns block 1’s card and the banner red within 2 readings; cleared, the card returns to normal, and the banner once the alarm is acknowledged', async () => {
    const { HvConnection, checkCommand } = await import('../../src/hv/client/hv-connection.js');
    const online = await HvConnection.open('127.0.0.1', h.server.tcp.port);
    const answer = online.answer(60_000);
    online.send(checkCommand(1, 1000, 0.5, 30));
    expect(await answer).toMatchObject({ status: 'ok' });
    await online.close();

    const { page, errors } = await open();
    const readings = await watchReadings();
    try {
      await settleAlarms(h.base, page);
      await page.waitForSelector('#alarm-banner[data-severity="NONE"]', { timeout: 15_000 });
      await page.waitForSelector('[data-block="1"][data-state="idle"]', { timeout: 15_000 });
      expect(await page.locator('#sim-banner').isVisible()).toBe(true);
      expect(await page.locator('#sim-banner').textContent()).toMatch(/^SIMULATED RACK/);
      const normal = await looks(page);
      expect(normal).toMatchObject({ card: '', banner: 'NONE', bannerText: expect.stringContaining('No active alarms'), badge: 'idle' });
      expect(normal.cardBorder).not.toBe(MAJOR_RED);

      // The trip just after a reading: the next one is the first to see it.
      await recordTurn(page, 'MAJOR');
      await readings.next();
      const trippedAt = Date.now();
      expect(await h.post({ cmd: 'trip', block: 1 })).toMatchObject({ ok: true });
      await page.waitForFunction(() => {
        const t = (window as unknown as { turned: Record<string, number> }).turned;
        return t.card !== undefined && t.banner !== undefined;
      }, undefined, { timeout: 20_000 });
      const turned = await page.evaluate(() => (window as unknown as { turned: Record<string, number> }).turned);
      const readingsBefore = (t: number) => readings.arrivals.filter((a) => a > trippedAt && a <= t).length;
      expect(readingsBefore(turned.card!)).toBeGreaterThanOrEqual(1);
      expect(readingsBefore(turned.card!)).toBeLessThanOrEqual(2);
      expect(readingsBefore(turned.banner!)).toBeLessThanOrEqual(2);
      const red = await looks(page);
      expect(red).toMatchObject({ card: 'MAJOR', banner: 'MAJOR', badge: 'alarm', cardBorder: MAJOR_RED, bannerBackground: MAJOR_RED });
      expect(red.bannerText).toMatch(/1 alarm\s*MAJOR block-1 NO_OUTPUT: the reading .* the supply has tripped or its output is off \(since \d{2}:\d{2}:\d{2}\)/);
      // The card says what and since when, and its deviation is far outside the band.
      expect(await page.locator('[data-block="1"] .card-alarm .code').textContent()).toBe('NO_OUTPUT');
      expect(await page.locator('[data-block="1"] .card-alarm .since').textContent()).toMatch(/^since \d{2}:\d{2}:\d{2}$/);
      expect(await page.locator('[data-block="1"] .fig-deviation').getAttribute('data-band')).toBe('out');
      await shot(page, 'glance-trip');

      expect(await h.post({ cmd: 'trip', block: 1, on: false })).toMatchObject({ ok: true });
      await page.waitForSelector('[data-block="1"]:not([data-severity="MAJOR"])', { timeout: 30_000 });
      // Cleared, unacknowledged: the banner is neither red nor calm, and says so.
      await page.waitForSelector('#alarm-banner[data-state="latched"]', { timeout: 30_000 });
      const latched = await looks(page);
      expect(latched.card).toBe('');
      expect(latched.bannerBackground).not.toBe(MAJOR_RED);
      expect(latched.bannerBackground).not.toBe(normal.bannerBackground);
      expect(latched.bannerText).toMatch(/unacknowledged alarms? \(cleared\)\s*MAJOR block-1 NO_OUTPUT cleared at \d{2}:\d{2}:\d{2}: /);
      await shot(page, 'glance-trip-latched');
      expect(await acknowledgeAll(h.base)).toBe(200);
      await page.waitForSelector('#alarm-banner[data-severity="NONE"]', { timeout: 30_000 });
      const back = await looks(page);
      expect(back).toMatchObject({ card: '', banner: 'NONE', bannerState: 'calm', bannerText: expect.stringContaining('No active alarms') });
      expect(back.cardBorder).toBe(normal.cardBorder);
      expect(back.bannerBackground).toBe(normal.bannerBackground);
      expect(await page.locator('[data-block="1"] .card-alarm').isVisible()).toBe(false);
      expect(await page.locator('#sim-banner').isVisible()).toBe(true);
      await shot(page, 'glance-trip-cleared');
      // A page opened now still shows the trip in its activity: raised and cleared, newest first.
      const later = await h.open('/');
      const rows = later.page.locator('#activity-table tbody tr[data-kind="alarm"][data-code="NO_OUTPUT"]');
      await rows.nth(1).waitFor({ timeout: 10_000 });
      expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.change))).toEqual(['cleared', 'raised']);
      await later.page.close();
      expect(errors).toEqual([]);
    } finally {
      readings.close();
      await h.post({ cmd: 'trip', block: 1, on: false });
      await acknowledgeAll(h.base);
      await page.close();
    }
  }, 90_000);
});

function open() {
  return h.open('/');
}
