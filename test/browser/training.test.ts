/// <reference lib="dom" />
// The instructor's console in Chromium: a card for every simulated instrument and supply with its
// faults; what is active listed with a clear button each, and "clear all"; scenarios, one of them
// delayed and cancellable; the log a table of what the server recorded.
import { describe, expect, it } from 'vitest';
import { harnessForFile, shot, type Harness } from './harness.js';

let h: Harness;

harnessForFile((started) => (h = started));

interface TrainingStatus {
  devices: Record<string, { reading_faults?: { frozen: number | null; offsetVolts: number } }>;
  supplies: Record<string, { tripped: boolean }>;
}
const trainingStatus = async () => (await (await fetch(`${h.base}/api/training`)).json()) as TrainingStatus;

describe('instructor console', () => {
  it('offers every fault of every simulated device, lists the active ones with a clear button each, and clears them all', async () => {
    const { page, errors } = await h.open('/training');
    await page.waitForSelector('.device[data-device="supply-2"]');
    // Every simulated instrument and every supply has its card, with what it is in the rack.
    const devices = await page.locator('.device').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.device));
    expect(devices).toEqual(['calibrator', 'ao', 'voltmeter-1', 'voltmeter-2', 'voltmeter-gun', 'supply-1', 'supply-2']);
    expect(await page.locator('.device[data-device="voltmeter-2"] .role').textContent()).toBe('voltmeter divider-2 (block 2)');
    expect(await page.locator('.device[data-device="voltmeter-gun"] button').allTextContents()).toEqual(
      expect.arrayContaining(['Drop off the bus', 'Stop answering', 'Answer garbage', 'Queue an error', 'Freeze the reading', 'Offset +5 V', 'Meter drift +1 V/min']),
    );
    expect(await page.locator('.device[data-device="ao"] button').allTextContents()).toEqual(['Drop off the bus', 'Stop answering', 'Answer garbage']);
    expect(await page.locator('#no-faults').isVisible()).toBe(true);

    // Four faults, none on block 1.
    await page.click('.device[data-device="voltmeter-2"] button:text-is("Freeze the reading")');
    await page.click('.device[data-device="voltmeter-gun"] button:text-is("Offset +5 V")');
    await page.click('.device[data-device="supply-2"] button:text-is("Trip")');
    await page.click('.device[data-device="voltmeter-gun"] button:text-is("Meter drift +1 V/min")');
    const active = page.locator('#active-list li:not(.info)');
    await expect.poll(() => active.count()).toBe(4);
    expect(await active.locator('span:first-child').allTextContents()).toEqual([
      expect.stringMatching(/^voltmeter-2 frozen \(repeats -?\d/),
      'voltmeter-gun offset +5 V',
      'voltmeter-gun drifting +1 V/min',
      'block 2 supply tripped',
    ]);
    expect(await page.locator('#active-count').textContent()).toBe('4');
    expect(await page.locator('.device[data-device="supply-2"]').getAttribute('data-active')).toBe('true');
    expect(await page.locator('.device[data-device="ao"]').getAttribute('data-active')).toBe('false');
    // The log is a table of what the server recorded, newest first.
    await expect.poll(() => page.locator('#log-table tbody tr').count()).toBe(4);
    expect(await page.locator('#log-table tbody tr').first().locator('td').allTextContents()).toEqual([
      expect.stringMatching(/^\d{2}:\d{2}:\d{2}$/),
      '127.0.0.1',
      'meter_drift voltmeter-gun 1',
      'done',
    ]);
    await shot(page, 'training-active-faults');

    // One cleared by its own button.
    await page.click('#active-list li[data-fault="voltmeter-2/frozen"] button:text-is("Clear")');
    await expect.poll(() => active.count()).toBe(3);
    expect((await trainingStatus()).devices['voltmeter-2']!.reading_faults!.frozen).toBeNull();
    // The rest by "clear all": the server's simulators are clean again.
    await page.click('#clear-all');
    await expect.poll(() => active.count()).toBe(0);
    const after = await trainingStatus();
    expect(after.supplies['2']).toMatchObject({ tripped: false });
    expect(after.devices['voltmeter-gun']!.reading_faults!.offsetVolts).toBe(0);
    expect(await page.locator('#no-faults').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs a scenario at once, and holds a delayed one until it is due or cancelled', async () => {
    // The page's own timers are the test's: a delayed scenario is due only when the test says, however long its clicks take.
    const { page, errors } = await h.open('/training', { before: (p) => p.clock.install() });
    await page.waitForSelector('.preset[data-preset="frozen-at-night"]');
    await page.click('.preset[data-preset="frozen-at-night"] button');
    await page.waitForSelector('#active-list li[data-fault="voltmeter-1/frozen"]');
    // Paused a minute ahead of the page's time (its polls due meanwhile run once), before the delayed scenario exists.
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 60_000);
    await page.click('.preset[data-preset="trip-during-run"] button');
    const due = page.locator('#active-list li[data-fault="scheduled/trip-during-run"]');
    expect(await due.locator('span').textContent()).toMatch(/^to come: block 1 supply trips at \d{2}:\d{2}:\d{2}$/);
    await due.locator('button:text-is("Cancel")').click();
    expect(await due.count()).toBe(0);
    await page.clock.runFor(60_000);
    expect((await trainingStatus()).supplies['1']).toMatchObject({ tripped: false });
    await page.clock.resume();
    await page.click('#clear-all');
    await expect.poll(() => page.locator('#active-list li:not(.info)').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
