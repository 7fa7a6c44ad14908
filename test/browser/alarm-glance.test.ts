/// <reference lib="dom" />
// What the operator sees at a glance when a supply trips: block 1's card and the banner across
// the top turn red within 2 readings of the trip; when it is cleared the card returns to normal at
// once, and the banner once someone has acknowledged the alarm (until then it says the alarm cleared
// unacknowledged, not red and not calm); the banner keeps its height; the SIMULATED RACK strip says
// all along that this is the simulator. Counted in readings, not in time: the server's clock stamps
// the trip and every reading, and the page's own feed says which readings it had when it turned, so
// a busy machine changes nothing.
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeAll, settleAlarms } from './alarms-settled.js';
import { shot, startHarness, type Harness } from './harness.js';
import { holdVoltage } from './hold-voltage.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  expect(h.cspViolations).toEqual([]);
  h.cspViolations.length = 0;
});

/** The next block-1 reading the server publishes. */
function nextReading(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${h.server.http.port}/channel?observe=1`);
  return new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { event_type?: string; block?: unknown };
      if (m.event_type !== 'reading' || m.block !== 1) return;
      ws.close();
      resolve();
    }),
  );
}

type FeedEntry = { reading: number } | { alarm: string; change: string; since: number };

/** Before the page loads: keeps what its channel brings (block 1's readings, alarm changes), in the order the page handles them. */
function recordFeed(page: Page) {
  return page.addInitScript(() => {
    const feed: FeedEntry[] = [];
    (window as unknown as { feed: FeedEntry[] }).feed = feed;
    const Native = window.WebSocket;
    // Listening from the constructor, this runs before the page's own handler of each message.
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (e) => {
          const m = JSON.parse(String(e.data)) as { event_type?: string; block?: unknown; at?: number; change?: string; alarm?: { source: string; code: string; since: number } };
          if (m.event_type === 'reading' && m.block === 1) feed.push({ reading: m.at! });
          if (m.event_type === 'alarm' && m.alarm) feed.push({ alarm: `${m.alarm.source} ${m.alarm.code}`, change: m.change!, since: m.alarm.since });
        });
      }
    };
  });
}

/** Records, in the page, how much of its feed it had handled when the card's and the banner's severity first became `severity`. */
function recordTurn(page: Page, severity: string) {
  return page.evaluate((sev) => {
    const w = window as unknown as { turned: Record<string, number>; feed: unknown[] };
    w.turned = {};
    const card = document.querySelector('[data-block="1"]') as HTMLElement;
    const banner = document.getElementById('alarm-banner')!;
    const check = () => {
      if (card.dataset.severity === sev && w.turned.card === undefined) w.turned.card = w.feed.length;
      if (banner.dataset.severity === sev && w.turned.banner === undefined) w.turned.banner = w.feed.length;
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
      bannerHeight: banner.getBoundingClientRect().height,
      badge: card.querySelector('.badge.state')?.textContent,
    };
  });

const MAJOR_RED = 'rgb(197, 34, 31)'; // --major, light theme

describe('a supply trip at a glance', () => {
  it('turns block 1’s card and the banner red within 2 readings; cleared, the card returns to normal, and the banner once the alarm is acknowledged', async () => {
    await holdVoltage(h.server.tcp.port, 1, 1000, 0.5, 30);

    const { page, errors } = await h.open('/', { before: recordFeed });
    try {
      await settleAlarms(h.base, page);
      await page.waitForSelector('#alarm-banner[data-severity="NONE"]');
      await page.waitForSelector('[data-block="1"][data-state="idle"]');
      expect(await page.locator('#sim-banner').isVisible()).toBe(true);
      expect(await page.locator('#sim-banner').textContent()).toMatch(/^SIMULATED RACK/);
      const normal = await looks(page);
      expect(normal).toMatchObject({ card: '', banner: 'NONE', bannerText: expect.stringContaining('No active alarms'), badge: 'idle' });
      expect(normal.cardBorder).not.toBe(MAJOR_RED);

      // The trip just after a reading, stamped by the server's clock: the next reading is the first to see it.
      await recordTurn(page, 'MAJOR');
      await nextReading();
      const trippedAt = h.clock.now();
      expect(h.server.control!.apply({ cmd: 'trip', block: 1 })).toMatchObject({ ok: true });
      await page.waitForFunction(() => {
        const t = (window as unknown as { turned: Record<string, number> }).turned;
        return t.card !== undefined && t.banner !== undefined;
      });
      const { turned, feed } = await page.evaluate(() => {
        const w = window as unknown as { turned: Record<string, number>; feed: FeedEntry[] };
        return { turned: w.turned, feed: w.feed };
      });
      // The server raised the alarm on the first or second reading after the trip...
      const raised = feed.find((e): e is Extract<FeedEntry, { alarm: string }> => 'alarm' in e && e.alarm === 'block-1 NO_OUTPUT' && e.change === 'raised');
      expect(raised).toBeDefined();
      const readingsAt = (entries: FeedEntry[]) => entries.flatMap((e) => ('reading' in e ? [e.reading] : []));
      const toRaise = readingsAt(feed).filter((at) => at > trippedAt && at <= raised!.since).length;
      expect(toRaise).toBeGreaterThanOrEqual(1);
      expect(toRaise).toBeLessThanOrEqual(2);
      // ...and the page turned red on it: before it handled any reading taken after that.
      for (const which of ['card', 'banner']) expect(readingsAt(feed.slice(0, turned[which])).filter((at) => at > raised!.since), which).toEqual([]);
      const red = await looks(page);
      expect(red).toMatchObject({ card: 'MAJOR', banner: 'MAJOR', badge: 'alarm', cardBorder: MAJOR_RED, bannerBackground: MAJOR_RED });
      // The long sentence does not make the banner taller: nothing below it moves.
      expect(red.bannerHeight).toBe(normal.bannerHeight);
      expect(red.bannerText).toMatch(/1 alarm\s*MAJOR block-1 NO_OUTPUT: the reading .* the supply has tripped or its output is off \(since \d{2}:\d{2}:\d{2}\)/);
      // The card says what and since when, and its deviation is far outside the band.
      expect(await page.locator('[data-block="1"] .card-alarm .code').textContent()).toBe('NO_OUTPUT');
      expect(await page.locator('[data-block="1"] .card-alarm .since').textContent()).toMatch(/^since \d{2}:\d{2}:\d{2}$/);
      expect(await page.locator('[data-block="1"] .fig-deviation').getAttribute('data-band')).toBe('out');
      await shot(page, 'glance-trip');

      expect(await h.post({ cmd: 'trip', block: 1, on: false })).toMatchObject({ ok: true });
      await page.waitForSelector('[data-block="1"]:not([data-severity="MAJOR"])');
      // Cleared, unacknowledged: the banner is neither red nor calm, and says so.
      await page.waitForSelector('#alarm-banner[data-state="latched"]');
      const latched = await looks(page);
      expect(latched.card).toBe('');
      expect(latched.bannerBackground).not.toBe(MAJOR_RED);
      expect(latched.bannerBackground).not.toBe(normal.bannerBackground);
      expect(latched.bannerText).toMatch(/unacknowledged alarms? \(cleared\)\s*MAJOR block-1 NO_OUTPUT cleared at \d{2}:\d{2}:\d{2}: /);
      await shot(page, 'glance-trip-latched');
      expect(await acknowledgeAll(h.base)).toBe(200);
      await page.waitForSelector('#alarm-banner[data-severity="NONE"]');
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
      await rows.nth(1).waitFor();
      expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.change))).toEqual(['cleared', 'raised']);
      await later.page.close();
      expect(errors).toEqual([]);
    } finally {
      await h.post({ cmd: 'trip', block: 1, on: false });
      await acknowledgeAll(h.base);
      await page.close();
    }
  }, 90_000);
});
