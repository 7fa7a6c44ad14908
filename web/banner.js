// The strips across the top of the operator page: "SIMULATED RACK" when the instruments are
// simulators, and the alarm banner, from the alarm book:
// - an active alarm (not shelved): its severity's colour, the most severe one's sentence, how many
//   there are and how many nobody has acknowledged — an acknowledged MAJOR that still holds keeps it red;
// - none active, but one cleared that nobody acknowledged (latched): not calm, "1 unacknowledged
//   alarm (cleared)", dashed, until someone acknowledges it;
// - otherwise a calm "No active alarms" (shelved ones are only counted).
// Always there, so nothing below it moves when an alarm comes or goes (on a screen wide enough for
// one line it keeps one line; the whole sentence is in its title).

import { shownSeverity } from './alarm-book.js';
import { severityClass } from './alarms.js';
import { when } from './time-format.js';

export function showSimulated(sim) {
  document.getElementById('sim-banner').hidden = !sim;
  document.body.classList.toggle('simulated', Boolean(sim));
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What the banner says about `book` (alarm-book.js) at `now`. */
export function bannerView(book, now) {
  const active = book.active();
  const unacknowledged = book.unacknowledged();
  const latched = unacknowledged.filter((a) => !a.active);
  if (active.length > 0) {
    const top = active[0];
    return {
      state: 'active',
      severity: String(top.severity),
      count: plural(active.length, 'alarm'),
      text: `${top.severity} ${top.source} ${top.code}: ${top.message} (since ${when(top.since, now)})`,
      unacknowledged: unacknowledged.length > 0 ? `${unacknowledged.length} unacknowledged` : 'acknowledged',
    };
  }
  if (latched.length > 0) {
    const top = latched[0];
    return {
      state: 'latched',
      severity: String(shownSeverity(top)),
      count: `${plural(latched.length, 'unacknowledged alarm')} (cleared)`,
      text: `${shownSeverity(top)} ${top.source} ${top.code} cleared at ${when(top.cleared_at, now)}: ${top.message}`,
      unacknowledged: 'acknowledge below',
    };
  }
  const shelved = book.shelved().length;
  return { state: 'calm', severity: 'NONE', count: '', text: `No active alarms${shelved ? ` (${shelved} shelved)` : ''}`, unacknowledged: '' };
}

export function renderAlarmBanner(book, now) {
  if (!book.loaded) return;
  const view = bannerView(book, now);
  const banner = document.getElementById('alarm-banner');
  // Set only when changed: the banner is redrawn every second, and unchanged text should not re-lay out.
  const set = (el, value) => {
    if (el.textContent !== value) el.textContent = value;
  };
  if (banner.dataset.severity !== view.severity) banner.dataset.severity = view.severity;
  if (banner.dataset.state !== view.state) banner.dataset.state = view.state;
  const look = `alarm-banner ${view.state === 'calm' ? 'calm' : `${view.state} ${severityClass(view.severity)}`}`;
  if (banner.className !== look) banner.className = look;
  set(banner.querySelector('.count'), view.count);
  const text = banner.querySelector('.text');
  set(text, view.text);
  const title = view.state === 'calm' ? '' : view.text;
  if (text.title !== title) text.title = title;
  set(banner.querySelector('.unack'), view.unacknowledged);
}
