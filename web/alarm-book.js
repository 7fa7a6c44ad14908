// The page's copy of the server's alarm book (GET /api/alarms, then the `alarms` events of the
// observer channel): every alarm a person still has to see — active, or cleared and not yet
// acknowledged (latched) — and the shelved ones, in the server's order (unacknowledged first,
// active before latched, the most severe first). What the panel, the banner, the sound and the tab
// title each make of it is decided here, in one place.

const RANK = { INVALID: 3, MAJOR: 2, MINOR: 1 };
const rank = (severity) => RANK[severity] ?? RANK.MAJOR;

/** The severities that sound until acknowledged. */
const SOUNDING = new Set(['MAJOR', 'INVALID']);

export const isShelved = (a) => a.shelved_until !== null && a.shelved_until !== undefined;
export const isLatched = (a) => !a.active && !a.acknowledged;
/** The severity an entry is shown with: its condition's while active, the highest seen since it was acknowledged once it cleared. */
export const shownSeverity = (a) => (a.active ? a.severity : (a.highest_severity ?? a.severity));

/** Most severe first, then the oldest. */
const bySeverity = (a, b) => rank(shownSeverity(b)) - rank(shownSeverity(a)) || (a.since ?? 0) - (b.since ?? 0);

export function createAlarmBook() {
  let alarms = [];
  let loaded = false;
  /** `alarms` events received: a list fetched before the latest one is older than it. */
  let events = 0;
  const listeners = [];
  const changed = () => {
    for (const l of listeners) l();
  };
  const take = (list) => {
    alarms = Array.isArray(list) ? list : [];
    loaded = true;
    changed();
  };

  return {
    onChange(listener) {
      listeners.push(listener);
    },
    get loaded() {
      return loaded;
    },
    /** Every listed alarm, the server's order. */
    all: () => alarms,
    /** Listed and not shelved: what the panel shows first. */
    listed: () => alarms.filter((a) => !isShelved(a)),
    shelved: () => alarms.filter(isShelved),
    /** Not shelved and not acknowledged: what the tab title counts, most severe first. */
    unacknowledged: () => alarms.filter((a) => !isShelved(a) && !a.acknowledged).sort(bySeverity),
    /** Not shelved and active: what keeps the banner alarming, most severe first. */
    active: () => alarms.filter((a) => !isShelved(a) && a.active).sort(bySeverity),
    /** An unacknowledged, unshelved MAJOR or INVALID alarm (active or latched): the sound's reason. */
    wantsSound: () => alarms.some((a) => !isShelved(a) && !a.acknowledged && SOUNDING.has(a.highest_severity ?? a.severity)),
    /** GET /api/alarms; a list that an event overtook on its way is dropped (the event's is newer). */
    async load() {
      const before = events;
      const res = await fetch('/api/alarms');
      if (!res.ok) return;
      const body = await res.json();
      if (before === events) take(body.alarms);
    },
    /** An `alarms` event: it carries the whole list as it is after the change. */
    onEvent(m) {
      events++;
      if (Array.isArray(m.alarms)) take(m.alarms);
    },
  };
}
