// The strips across the top of the operator page: "SIMULATED RACK" when the instruments are
// simulators, and the alarm banner: the most severe active alarm's sentence and how many there
// are, in its severity's colour; a calm line when there are none. Always there, so nothing below
// it moves when an alarm comes or goes.

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
  banner.className = `alarm-banner ${top ? severityClass(top.severity) : 'calm'}`;
  const text = banner.querySelector('.text');
  const count = banner.querySelector('.count');
  if (!top) {
    count.textContent = '';
    text.textContent = 'No active alarms';
    return;
  }
  count.textContent = alarms.length === 1 ? '1 alarm' : `${alarms.length} alarms`;
  text.textContent = `${top.severity} ${top.source} ${top.code}: ${top.message} (since ${when(top.since, now)})`;
}
