// The strips across the top of the operator page: "SIMULATED RACK" when the instruments are
// simulators, and the alarm banner: the most severe active alarm's sentence and how many there
// are, in its severity's colour; a calm line when there are none. Always there and always one line
// high, so nothing below it moves when an alarm comes or goes.

import { severityClass } from './alarms.js';
import { when } from './time-format.js';

export function showSimulated(sim) {
  document.getElementById('sim-banner').hidden = !sim;
  document.body.classList.toggle('simulated', Boolean(sim));
}

/** `alarms`: active, most severe first. */
export function renderAlarmBanner(alarms, now) {
  const banner = document.getElementById('alarm-banner');
  const top = alarms[0];
  banner.dataset.severity = top ? String(top.severity) : 'NONE';
  const look = `alarm-banner ${top ? severityClass(top.severity) : 'calm'}`;
  if (banner.className !== look) banner.className = look;
  const text = banner.querySelector('.text');
  const count = banner.querySelector('.count');
  // Set only when changed: the banner is redrawn every second, and unchanged text should not re-lay out.
  const set = (el, value) => {
    if (el.textContent !== value) el.textContent = value;
  };
  if (!top) {
    set(count, '');
    set(text, 'No active alarms');
    if (text.title) text.title = '';
    return;
  }
  set(count, alarms.length === 1 ? '1 alarm' : `${alarms.length} alarms`);
  set(text, `${top.severity} ${top.source} ${top.code}: ${top.message} (since ${when(top.since, now)})`);
  // The banner keeps one line; a sentence longer than that is cut short on screen and whole here.
  if (text.title !== text.textContent) text.title = text.textContent;
}
