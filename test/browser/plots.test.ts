/// <reference lib="dom" />
// The operator page's plots in a real Chromium: history and live readings merged in time order
// (live ones held back until the history comes), a 50 mV step plain on the deviation plot's
// scale, the setpoint's steps where they really happened, a downtime drawn as a gap, the range
// picker, zoom linked across the two plots, and 24-hour clock times.
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shot, startHarness, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // About a minute of history before any page opens.
  await readings(15);
}, 60_000);
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  expect(h.cspViolations).toEqual([]);
  h.cspViolations.length = 0;
});

interface PlotView {
  xs: number[];
  series: (number | null | undefined)[][];
  min: number;
  max: number;
}

/** One of a card's charts as uPlot holds it: its data and its x scale. */
function plot(page: Page, block: string, which: 'hv' | 'dev'): Promise<PlotView> {
  return page.evaluate(
    ([b, w]) => {
      const u = (document.querySelector(`[data-block="${b}"] .plot-${w}`) as unknown as { uplot: { data: (number | null | undefined)[][]; scales: { x: { min: number; max: number } } } }).uplot;
      return { xs: u.data[0] as number[], series: u.data.slice(1), min: u.scales.x.min, max: u.scales.x.max };
    },
    [block, which] as const,
  );
}

const hvPoints = (v: PlotView) => v.xs.filter((_, i) => typeof v.series[0]![i] === 'number');

/** Waits for `n` readings of block 1 published by the server. */
async function readings(n: number): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${h.server.http.port}/channel?observe=1`);
  let seen = 0;
  await new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { event_type?: string; block?: unknown };
      if (m.event_type === 'reading' && m.block === 1 && ++seen >= n) resolve();
    }),
  );
  ws.close();
}

async function setVoltage(block: number, volts: number, tolerance = 0.5): Promise<void> {
  const { HvConnection, checkCommand } = await import('../../src/hv/client/hv-connection.js');
  const online = await HvConnection.open('127.0.0.1', h.server.tcp.port);
  const answer = online.answer(30_000);
  online.send(checkCommand(block, volts, tolerance, 30));
  expect(await answer).toMatchObject({ status: 'ok' });
  await online.close();
}

describe('operator plots', () => {
  it('merge history and live readings in time order, holding live ones back until the history comes', async () => {
    const page = await h.browser.newPage({ viewport: { width: 1280, height: 900 } });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    // The history answers late: readings come over the channel first.
    await page.route('**/api/history?block=1&*', async (route) => {
      await held;
      await route.continue();
    });
    const openedAt = h.clock.now() / 1000;
    await page.goto(`${h.base}/`);
    await page.waitForSelector('[data-block="1"] .plot-hv');
    await readings(3);
    // Live readings have come, but wait for the history: the plot has none of them yet.
    await page.waitForFunction(() => /^-?\d+\.\d{3}$/.test(document.querySelector('[data-block="1"] .reading')?.textContent ?? ''));
    expect(hvPoints(await plot(page, '1', 'hv'))).toEqual([]);
    release();
    await page.waitForFunction((t) => {
      const u = (document.querySelector('[data-block="1"] .plot-hv') as unknown as { uplot: { data: number[][] } }).uplot;
      return u.data[0]!.some((x) => x < t - 30) && u.data[0]!.some((x) => x > t);
    }, openedAt);
    const view = await plot(page, '1', 'hv');
    const xs = hvPoints(view);
    // In order, each once: the history's and the live ones joined.
    expect(xs.every((x, i) => i === 0 || x > xs[i - 1]!)).toBe(true);
    expect(xs.filter((x) => x < openedAt).length).toBeGreaterThan(10);
    expect(xs.filter((x) => x > openedAt).length).toBeGreaterThanOrEqual(3);
    await page.close();
  });

  it('show a 50 mV step distinctly on the deviation plot’s scale, with the band and ±30 mV marked', async () => {
    await setVoltage(1, 1000, 0.1);
    const { page, errors } = await h.open('/');
    try {
      await page.waitForFunction(() => document.querySelector('[data-block="1"] .fig-deviation')?.getAttribute('data-band') === 'in');
      // Where the deviation sat before the step, and the time of the last reading before it.
      type Dev = { uplot: { data: (number | null)[][]; scales: { mV: { min: number; max: number } }; valToPos(v: number, scale: string): number; bbox: { height: number } } };
      const settledBefore = async () => {
        // The plot has its history and readings (the glance's band can show before them).
        await page.waitForFunction(() => ((document.querySelector('[data-block="1"] .plot-dev') as unknown as Dev | null)?.uplot?.data[1]?.filter((mv) => mv !== null).length ?? 0) >= 3);
        return page.evaluate(() => {
          const u = (document.querySelector('[data-block="1"] .plot-dev') as unknown as Dev).uplot;
          const recent = u.data[1]!.filter((mv): mv is number => mv !== null).slice(-3).sort((a, b) => a - b);
          return { lastAt: u.data[0]!.at(-1)!, base: recent[1] ?? recent[0]! };
        });
      };
      // In the page: whether a reading after `b.lastAt` shows the whole step, and how many readings came after it.
      const afterStep = (b: { lastAt: number; base: number }) => {
        const u = (document.querySelector('[data-block="1"] .plot-dev') as unknown as Dev).uplot;
        const after = u.data[1]!.filter((mv, i): mv is number => mv !== null && u.data[0]![i]! > b.lastAt);
        return { stepped: after.some((mv) => mv - b.base > 40 && mv - b.base < 60), readings: after.length };
      };
      // The hold corrects a meter offset as it would a real change, so the whole step shows in one
      // reading only when the deviation had settled before it; a step not seen within three readings
      // of the offset is tried again once three more readings have let the hold settle back.
      let before = await settledBefore();
      for (let attempt = 0; ; attempt++) {
        expect(h.server.control!.apply({ cmd: 'offset', device: 'voltmeter-1', volts: 0.05 })).toMatchObject({ ok: true });
        await page
          .waitForFunction((b) => {
            const u = (document.querySelector('[data-block="1"] .plot-dev') as unknown as Dev).uplot;
            const after = u.data[1]!.filter((mv, i): mv is number => mv !== null && u.data[0]![i]! > b.lastAt);
            return after.length >= 3 || after.some((mv) => mv - b.base > 40 && mv - b.base < 60);
          }, before)
          .catch(async (err: unknown) => {
            const seen = await page.evaluate(() => {
              const u = (document.querySelector('[data-block="1"] .plot-dev') as unknown as Dev).uplot;
              return { xs: u.data[0]!.slice(-8), mv: u.data[1]!.slice(-8) };
            });
            throw new Error(`attempt ${attempt}, before ${JSON.stringify(before)}, server at ${h.clock.now() / 1000}, plot ends ${JSON.stringify(seen)}: ${String(err)}`);
          });
        if ((await page.evaluate(afterStep, before)).stepped) break;
        expect(attempt, 'a whole 50 mV step never reached the plot').toBeLessThan(5);
        h.server.control!.apply({ cmd: 'offset', device: 'voltmeter-1', volts: 0 });
        const reset = await settledBefore();
        await page.waitForFunction((b) => {
          const u = (document.querySelector('[data-block="1"] .plot-dev') as unknown as Dev).uplot;
          return u.data[1]!.filter((mv, i) => mv !== null && u.data[0]![i]! > b.lastAt).length >= 3;
        }, reset);
        before = await settledBefore();
      }
      const scale = await page.evaluate((b) => {
        const u = (document.querySelector('[data-block="1"] .plot-dev') as unknown as Dev).uplot;
        const step = u.data[1]!.find((mv, i) => mv !== null && u.data[0]![i]! > b.lastAt && mv - b.base > 40 && mv - b.base < 60)!;
        return {
          min: u.scales.mV.min,
          max: u.scales.mV.max,
          stepPx: Math.abs(u.valToPos(step, 'mV') - u.valToPos(b.base, 'mV')),
          guidePx: Math.abs(u.valToPos(30, 'mV') - u.valToPos(0, 'mV')),
          heightPx: u.bbox.height / devicePixelRatio,
          // uPlot draws the tick labels on the canvas; it keeps their text per axis.
          ticks: (u as unknown as { axes: { _values: string[] }[] }).axes[1]!._values.join(' '),
        };
      }, before);
      // Inside the scale, and a good part of the plot's height (not a pixel or two on a kV axis).
      expect(scale.min).toBeLessThan(-60);
      expect(scale.max).toBeGreaterThan(60);
      expect(scale.stepPx).toBeGreaterThanOrEqual(20);
      expect(scale.stepPx / scale.heightPx).toBeGreaterThanOrEqual(0.12);
      // The band's edges (±100 mV, this command's tolerance) read off the axis; the ±30 mV guides well clear of 0.
      expect(scale.ticks.split(' ')).toEqual(expect.arrayContaining(['+100', '0', '−100']));
      expect(scale.guidePx).toBeGreaterThanOrEqual(10);
      await page.locator('[data-block="1"]').screenshot({ path: `${new URL('../../test-output/browser/', import.meta.url).pathname}plots-50mV-step.png` });
      expect(errors).toEqual([]);
    } finally {
      await h.post({ cmd: 'offset', device: 'voltmeter-1', volts: 0 });
      await page.close();
    }
  }, 60_000);

  it('draw the setpoint at the value it had then, stepping where it changed (from the history)', async () => {
    await setVoltage(2, 300);
    await setVoltage(2, 200);
    const history = (await (await fetch(`${h.base}/api/history?block=2`)).json()) as { setpoints: [number, number, number | null][] };
    const to300 = history.setpoints.find(([, v]) => v === 300)![0] / 1000;
    const to200 = history.setpoints.find(([, v]) => v === 200)![0] / 1000;
    const { page } = await h.open('/');
    // The card and its plot are drawn once the status is in: until then there is nothing to ask.
    await page.waitForFunction((t) => {
      const u = (document.querySelector('[data-block="2"] .plot-hv') as unknown as { uplot?: { data: number[][] } } | null)?.uplot;
      return u?.data[0]!.some((x) => x > t) ?? false;
    }, to200);
    const view = await plot(page, '2', 'hv');
    const setpointAt = (t: number) => view.series[1]![view.xs.findLastIndex((x) => x <= t)];
    expect(setpointAt(to300 - 1)).not.toBe(300);
    expect(setpointAt(to300)).toBe(300);
    expect(setpointAt(to200 - 0.001)).toBe(300);
    expect(setpointAt(to200)).toBe(200);
    // The step is an x of its own, at the very time the setpoint changed.
    expect(view.xs).toContain(to300);
    await page.close();
  }, 60_000);

  it('draw a time without readings as a gap', async () => {
    const { page } = await h.open('/');
    // Null-safe: the card and its plot are built once /api/status has answered.
    await page.waitForFunction(() => ((document.querySelector('[data-block="1"] .plot-hv') as unknown as { uplot?: { data: number[][] } } | null)?.uplot?.data[0]?.length ?? 0) > 5);
    expect(await h.post({ cmd: 'fault', device: 'voltmeter-1', fault: 'timeout', on: true })).toMatchObject({ ok: true });
    const from = h.clock.now();
    // The voltmeter fails twice (a reading times out after 7.5 s, then again after its restart): well over 2.5 reading periods without one.
    const restarts = async () => {
      const status = (await (await fetch(`${h.base}/api/status`)).json()) as { actors: { id: string; supervision?: { totalRestarts?: number } }[] };
      return status.actors.find((a) => a.id === 'voltmeter-divider-1')?.supervision?.totalRestarts ?? 0;
    };
    const restartsBefore = await restarts();
    await expect.poll(restarts).toBeGreaterThanOrEqual(restartsBefore + 2);
    expect(await h.post({ cmd: 'fault', device: 'voltmeter-1', fault: 'timeout', on: false })).toMatchObject({ ok: true });
    // Readings again after the gap.
    await page.waitForFunction((t) => {
      const u = (document.querySelector('[data-block="1"] .plot-hv') as unknown as { uplot: { data: (number | null)[][] } }).uplot;
      return u.data[0]!.some((x, i) => x! > t && typeof u.data[1]![i] === 'number');
    }, (from + 15_000) / 1000);
    const view = await plot(page, '1', 'hv');
    const gaps = view.xs.filter((x, i) => view.series[0]![i] === null && x > from / 1000 - 10);
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    // No line across it: the readings either side are further apart than the gap threshold.
    const i = view.xs.indexOf(gaps[0]!);
    const before = view.xs.slice(0, i).findLast((_, j) => typeof view.series[0]![j] === 'number')!;
    const after = view.xs.slice(i + 1).find((_, j) => typeof view.series[0]![i + 1 + j] === 'number')!;
    expect(after - before).toBeGreaterThan(10);
    expect((await plot(page, '1', 'dev')).series[0]!.includes(null)).toBe(true);
    await page.close();
  }, 60_000);

  it('switch range (10 min, 6 h, a day), zoom both plots together, and label time in 24 hours', async () => {
    const { page, errors } = await h.open('/');
    const requests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/history?block=1')) requests.push(r.url());
    });
    // Null-safe: the card and its plot are built once /api/status has answered.
    await page.waitForFunction(() => ((document.querySelector('[data-block="1"] .plot-hv') as unknown as { uplot?: { data: number[][] } } | null)?.uplot?.data[0]?.length ?? 0) > 5);
    const span = async (which: 'hv' | 'dev' = 'hv') => {
      const v = await plot(page, '1', which);
      return v.max - v.min;
    };
    expect(await span()).toBeCloseTo(3600, -1);
    await page.click('#range-buttons button:text-is("10 min")');
    await expect.poll(() => span()).toBeCloseTo(600, -0.5);
    expect(await page.locator('#range-buttons button:text-is("10 min")').getAttribute('aria-pressed')).toBe('true');
    await page.click('#range-buttons button:text-is("6 h")');
    await expect.poll(() => span()).toBeCloseTo(21_600, -2);
    const sixHours = new URL(requests.at(-1)!);
    expect(Number(sixHours.searchParams.get('to')) - Number(sixHours.searchParams.get('from'))).toBeCloseTo(21_600_000, -4);
    // A day from the history: today is on file.
    const day = await page.locator('#range-day option').nth(1).getAttribute('value');
    expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await page.selectOption('#range-day', day!);
    await expect.poll(() => span()).toBeCloseTo(86_400, -1);
    expect(new URL(requests.at(-1)!).searchParams.get('day')).toBe(day);
    expect(await page.locator('#range-buttons button[aria-pressed="true"]').count()).toBe(0);
    // Back to an hour; a drag across the HV plot zooms both plots to the same times.
    await page.click('#range-buttons button:text-is("1 h")');
    await expect.poll(() => span()).toBeCloseTo(3600, -1);
    // In view first: the mouse works in the viewport, and the alarms the earlier tests raised stay
    // listed above the cards (latched) until someone acknowledges them.
    await page.locator('[data-block="1"] .plot-hv .u-over').scrollIntoViewIfNeeded();
    const box = (await page.locator('[data-block="1"] .plot-hv .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => span()).toBeLessThan(2000);
    const [hv, dev] = [await plot(page, '1', 'hv'), await plot(page, '1', 'dev')];
    expect([dev.min, dev.max]).toEqual([hv.min, hv.max]);
    expect(await page.locator('[data-block="1"] .plot-area').getAttribute('data-zoomed')).toBe('true');
    await page.click('[data-block="1"] .plot-tools button:text-is("Reset zoom")');
    await expect.poll(() => span()).toBeCloseTo(3600, -1);
    await page.click('[data-block="1"] .plot-tools button[aria-label="Zoom in"]');
    await expect.poll(() => span('dev')).toBeCloseTo(1800, -1);
    // 24-hour clock times on the time axis, never am/pm.
    const labels = await page.evaluate(() => (document.querySelector('[data-block="1"] .plot-hv') as unknown as { uplot: { axes: { _values: string[] }[] } }).uplot.axes[0]!._values.join(' '));
    expect(labels).toMatch(/\b\d{2}:\d{2}\b/);
    expect(labels).not.toMatch(/am|pm/i);
    await shot(page, 'plots-range');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
