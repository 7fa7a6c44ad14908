// What the operator page makes of the alarm book (web/alarm-book.js and the banner's words in
// web/banner.js, plain ES modules used here without a DOM): what is listed and what is shelved,
// what the tab counts, what sounds, and whether the banner is alarming, latched or calm.
import { describe, expect, it } from 'vitest';
import type { AlarmEntry } from '../../src/kit/alarms/alarm-entry.js';

interface PageBook {
  onEvent(m: { alarms: AlarmEntry[] }): void;
  onChange(listener: () => void): void;
  loaded: boolean;
  all(): AlarmEntry[];
  listed(): AlarmEntry[];
  shelved(): AlarmEntry[];
  unacknowledged(): AlarmEntry[];
  active(): AlarmEntry[];
  wantsSound(): boolean;
}
interface BannerView {
  state: 'active' | 'latched' | 'calm';
  severity: string;
  count: string;
  text: string;
  unacknowledged: string;
}
const { createAlarmBook } = (await import(new URL('../../web/alarm-book.js', import.meta.url).href)) as { createAlarmBook(): PageBook };
const { bannerView } = (await import(new URL('../../web/banner.js', import.meta.url).href)) as { bannerView(book: PageBook, now: number): BannerView };

const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);

function entry(code: string, over: Partial<AlarmEntry> = {}): AlarmEntry {
  return {
    source: 'block-1',
    instrument: null,
    code,
    severity: 'MAJOR',
    status: 'LOLO',
    message: `${code} happened`,
    value: null,
    since: T0,
    active: true,
    acknowledged: false,
    highest_severity: over.severity ?? 'MAJOR',
    cleared_at: null,
    shelved_until: null,
    shelved: null,
    acknowledgement: null,
    guidance: 'check the supply',
    raised_count: 1,
    ...over,
  };
}

function bookOf(...alarms: AlarmEntry[]): PageBook {
  const book = createAlarmBook();
  book.onEvent({ alarms });
  return book;
}

const latched = (code: string, over: Partial<AlarmEntry> = {}) => entry(code, { active: false, cleared_at: T0 + 8000, ...over });
const shelved = (code: string, over: Partial<AlarmEntry> = {}) => entry(code, { shelved_until: T0 + 3_600_000, shelved: { by: '10.0.0.7', at: T0, note: 'repair' }, ...over });
const acknowledged = (code: string, over: Partial<AlarmEntry> = {}) => entry(code, { acknowledged: true, acknowledgement: { by: '10.0.0.7', at: T0 + 1000, note: null }, ...over });

describe('the page’s alarm book', () => {
  it('is empty and calm, but not loaded, before the server has answered', () => {
    const book = createAlarmBook();
    expect(book.loaded).toBe(false);
    expect(book.all()).toEqual([]);
    expect(bannerView(book, T0)).toMatchObject({ state: 'calm', severity: 'NONE' });
  });

  it('takes the whole list from each event, and tells its listeners', () => {
    const book = createAlarmBook();
    let told = 0;
    book.onChange(() => told++);
    book.onEvent({ alarms: [entry('NO_OUTPUT')] });
    book.onEvent({ alarms: [] });
    expect(told).toBe(2);
    expect(book.loaded).toBe(true);
    expect(book.all()).toEqual([]);
  });

  it('lists shelved alarms apart, and leaves them out of the count, the sound and the banner', () => {
    const book = bookOf(shelved('NO_OUTPUT'), latched('READING_OUTLIER', { severity: 'MINOR', highest_severity: 'MINOR' }));
    expect(book.listed().map((a) => a.code)).toEqual(['READING_OUTLIER']);
    expect(book.shelved().map((a) => a.code)).toEqual(['NO_OUTPUT']);
    expect(book.unacknowledged().map((a) => a.code)).toEqual(['READING_OUTLIER']);
    expect(book.active()).toEqual([]);
    // An active, unacknowledged MAJOR, but shelved: silent.
    expect(book.wantsSound()).toBe(false);
    expect(bannerView(bookOf(shelved('NO_OUTPUT')), T0)).toEqual({ state: 'calm', severity: 'NONE', count: '', text: 'No active alarms (1 shelved)', unacknowledged: '' });
  });

  it('sounds for an unacknowledged MAJOR or INVALID alarm, active or latched, and not for a MINOR one or an acknowledged one', () => {
    expect(bookOf(entry('NO_OUTPUT')).wantsSound()).toBe(true);
    expect(bookOf(latched('NO_OUTPUT')).wantsSound()).toBe(true);
    expect(bookOf(entry('OUT_OF_SERVICE', { severity: 'INVALID', highest_severity: 'INVALID' })).wantsSound()).toBe(true);
    expect(bookOf(entry('READING_OUTLIER', { severity: 'MINOR', highest_severity: 'MINOR' })).wantsSound()).toBe(false);
    expect(bookOf(acknowledged('NO_OUTPUT')).wantsSound()).toBe(false);
    // Fell back to MINOR after reaching MAJOR, unacknowledged: the highest severity since is what counts.
    expect(bookOf(entry('DRIFT', { severity: 'MINOR', highest_severity: 'MAJOR' })).wantsSound()).toBe(true);
  });
});

describe('the banner', () => {
  it('alarms while an alarm is active, acknowledged or not, the most severe first', () => {
    const view = bannerView(bookOf(entry('READING_OUTLIER', { severity: 'MINOR', highest_severity: 'MINOR' }), acknowledged('NO_OUTPUT', { since: T0 + 5000 })), T0 + 10_000);
    expect(view).toMatchObject({ state: 'active', severity: 'MAJOR', count: '2 alarms', unacknowledged: '1 unacknowledged' });
    expect(view.text).toMatch(/^MAJOR block-1 NO_OUTPUT: NO_OUTPUT happened \(since \d{2}:\d{2}:\d{2}\)$/);
    expect(bannerView(bookOf(acknowledged('NO_OUTPUT')), T0)).toMatchObject({ state: 'active', severity: 'MAJOR', count: '1 alarm', unacknowledged: 'acknowledged' });
  });

  it('does not turn calm while a cleared alarm is unacknowledged: it says how many, in the highest severity they reached', () => {
    const view = bannerView(bookOf(latched('NO_OUTPUT', { severity: 'MINOR', highest_severity: 'MAJOR' })), T0 + 10_000);
    expect(view).toMatchObject({ state: 'latched', severity: 'MAJOR', count: '1 unacknowledged alarm (cleared)' });
    expect(view.text).toMatch(/^MAJOR block-1 NO_OUTPUT cleared at \d{2}:\d{2}:\d{2}: NO_OUTPUT happened$/);
    expect(bannerView(bookOf(latched('NO_OUTPUT'), latched('DRIFT')), T0).count).toBe('2 unacknowledged alarms (cleared)');
  });

  it('is calm once everything is acknowledged and cleared', () => {
    expect(bannerView(bookOf(), T0)).toEqual({ state: 'calm', severity: 'NONE', count: '', text: 'No active alarms', unacknowledged: '' });
  });
});
