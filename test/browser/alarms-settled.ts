/// <reference lib="dom" />
// An empty alarm book before a browser test looks at alarms. On a machine busy with other work the
// server's own clock alarm (TIME_SCALE_TOO_HIGH: the simulated time scale is more than the machine
// keeps up with) may come and go at any time (listed while active; it does not latch), and every
// other alarm stays listed until someone acknowledges it; so the clock's alarm is shelved for the
// day, as an operator would shelve a known nuisance, whatever else is listed is left to clear and
// then acknowledged, and the page is waited on until it lists nothing outside the shelf. A wait
// that fails says what was listed and the raises and clears that led there (withAlarmStory).
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

interface Listed {
  source: string;
  code: string;
  active: boolean;
  shelved_until: number | null;
  message: string;
}

/** The alarms as a failed wait names them: source, code and sentence. */
const named = (alarms: readonly Listed[]) => alarms.map((a) => `${a.source} ${a.code}: ${a.message}`).join('; ');

interface Logged {
  at: number;
  change: 'raised' | 'cleared';
  alarm: { source: string; code: string; severity: string; message: string };
}

/**
 * Runs `assertion`; if it fails, its message gains the alarms listed now and the last raises and
 * clears that led there (on the rack's clock), read only then. A server that cannot answer is said
 * so, and the assertion's own failure stays the one reported.
 */
export async function withAlarmStory(base: string, assertion: () => Promise<unknown>): Promise<void> {
  try {
    await assertion();
  } catch (err) {
    const story = await readStory(base, 16).catch((e: unknown) => `the alarm book could not be read: ${String(e)}`);
    (err as Error).message += `\n${story}`;
    throw err;
  }
}

async function readStory(base: string, last: number): Promise<string> {
  const entries = ((await (await fetch(`${base}/api/alarm-log`)).json()) as { entries: Logged[] }).entries.slice(-last);
  const lines = entries.map((e) => `  ${new Date(e.at).toISOString().slice(11, 23)} ${e.change} ${e.alarm.source} ${e.alarm.code} (${e.alarm.severity}): ${e.alarm.message}`);
  return `listed now: ${named(await listedAlarms(base)) || 'none'}\nthe last raises and clears:\n${lines.join('\n') || '  none'}`;
}

const post = (base: string, action: string, body: unknown) =>
  fetch(`${base}/api/alarms/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export const listedAlarms = async (base: string): Promise<Listed[]> => ((await (await fetch(`${base}/api/alarms`)).json()) as { alarms: Listed[] }).alarms;

export const acknowledgeAll = (base: string, note = 'test cleanup') => post(base, 'acknowledge', { all: true, note }).then((r) => r.status);

/** Shelves the clock's alarm, acknowledges the rest once nothing else is active, and waits until `page` lists no alarm outside the shelf. */
export const settleAlarms = (base: string, page: Page): Promise<void> => withAlarmStory(base, () => waitSettled(base, page));

async function waitSettled(base: string, page: Page): Promise<void> {
  await expect
    .poll(
      async () => {
        const listed = await listedAlarms(base);
        for (const a of listed) {
          if (a.source === 'clock' && a.shelved_until === null) {
            await post(base, 'shelve', { source: a.source, code: a.code, minutes: 24 * 60, reason: 'the test machine is shared: the simulated time scale falls behind now and then' });
          }
        }
        const holding = listed.filter((a) => a.active && a.source !== 'clock');
        if (holding.length > 0) return `waiting for active alarms to clear: ${named(holding)}`;
        await acknowledgeAll(base);
        return page.evaluate(() => document.getElementById('alarm-panel')?.dataset.listed ?? 'not loaded');
      },
      { timeout: 30_000, interval: 250 },
    )
    .toBe('0');
}
