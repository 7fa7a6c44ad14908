// The plots' time range, one for the whole page: the last 10 min, 1 h, 6 h or 24 h (live), or a
// whole day from the TSV history (the days on file, from the server). Buttons and a select:
// operable from the keyboard; the choice shows as aria-pressed.

export const LIVE_RANGES = [
  ['10 min', 10 * 60_000],
  ['1 h', 3600_000],
  ['6 h', 6 * 3600_000],
  ['24 h', 24 * 3600_000],
];

/** `changed(range)` with `{ live: ms }` or `{ day: 'yyyy-mm-dd' }`. */
export function wireRangePicker(changed, initial = 3600_000) {
  const group = document.getElementById('range-buttons');
  const select = document.getElementById('range-day');
  const buttons = LIVE_RANGES.map(([label, ms]) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary';
    b.textContent = label;
    b.dataset.range = String(ms);
    b.setAttribute('aria-pressed', String(ms === initial));
    b.addEventListener('click', () => {
      press(ms);
      select.value = '';
      changed({ live: ms });
    });
    group.append(b);
    return b;
  });
  const press = (ms) => {
    for (const b of buttons) b.setAttribute('aria-pressed', String(Number(b.dataset.range) === ms));
  };
  select.addEventListener('change', () => {
    if (!select.value) return;
    press(null);
    changed({ day: select.value });
  });
  return {
    /** The days the history holds (yyyy-mm-dd), newest first in the list. */
    setDays(days) {
      const keep = select.value;
      const options = [...days].sort().reverse().map((d) => {
        const o = document.createElement('option');
        o.value = d;
        o.textContent = d;
        return o;
      });
      const none = document.createElement('option');
      none.value = '';
      none.textContent = 'a day…';
      select.replaceChildren(none, ...options);
      select.value = days.includes(keep) ? keep : '';
    },
  };
}
