// The operator's view, put together: the banners (simulated rack, alarms), the alarm panel with its
// sound and the tab's count, a card per block and per read-only voltmeter with their plots, the
// plots' range, and the activity feed. Fed by /api/status and /api/alarms (polled, and on every
// reconnect), /api/history, and the observer channel.

import { addAlarmChange, loadAlarmLog, loadAudit, note, onAuditEvent, wireActivity, wireNoteForm } from './activity.js';
import { showAccess, wireTokenForm } from './access.js';
import { createAlarmBook, shownSeverity } from './alarm-book.js';
import { createAlarmPanel } from './alarm-panel.js';
import { createAlarmSound } from './alarm-sound.js';
import { showAlarmCount } from './alarm-title.js';
import { sortAlarms } from './alarms.js';
import { renderAlarmBanner, showSimulated } from './banner.js';
import { BlockCard } from './block-card.js';
import { openChannel, serverClock, setConnectionBadge } from './channel.js';
import { themeChanged } from './plots.js';
import { wireRangePicker } from './range-picker.js';
import { clockTime, setTimeZone } from './time-format.js';
import { onThemeChange, wireThemeToggle } from './theme.js';

const clock = serverClock();
const cards = new Map(); // block id (number, or 'gun') → BlockCard
const blocksEl = document.getElementById('blocks');
let channel;
let range = { live: 3600_000 };
/** The active alarms, most severe first, for the cards: from /api/status, then kept by the channel's alarm events. */
let alarms = [];
/** The alarms a person handles (latched, acknowledged, shelved): the panel, the banner, the sound and the title. */
const book = createAlarmBook();
const alarmPanel = createAlarmPanel({ book, now: () => clock.now() });
const sound = createAlarmSound({ toggle: document.getElementById('sound-toggle'), note: document.getElementById('sound-note') });
book.onChange(() => {
  const now = clock.now();
  alarmPanel.render();
  renderAlarmBanner(book, now);
  sound.setAlerting(book.wantsSound());
  const unacknowledged = book.unacknowledged();
  showAlarmCount(unacknowledged.length, unacknowledged[0] ? shownSeverity(unacknowledged[0]) : null);
});
/** Alarm events received so far: a status fetched before the latest one is not newer than it. */
let alarmEvents = 0;
/** The last /api/status. */
let lastStatus = null;
/** The block of the last command this page sent: an error reply (which names none) is shown there. */
let lastSentBlock = null;

const actions = {
  send(command) {
    const sent = channel.send(command);
    if (sent) lastSentBlock = Number(command.block);
    return sent;
  },
  note: (text) => note(text),
};

function showAlarms(list) {
  alarms = sortAlarms(Array.isArray(list) ? list : []);
  for (const c of cards.values()) c.showAlarms(alarms);
}

/** An alarm raised or cleared: the event carries the whole active list; a change alone is applied to ours. */
function onAlarmEvent(m) {
  alarmEvents++;
  const a = m.alarm ?? {};
  if (Array.isArray(m.alarms)) showAlarms(m.alarms);
  else {
    const others = alarms.filter((x) => !(x.source === a.source && x.code === a.code));
    showAlarms(m.change === 'raised' ? [...others, a] : others);
  }
  addAlarmChange(m.change, a, m.at ?? clock.now());
}

// Redraws wait for the next frame: a burst of readings (or a loaded history) draws once.
const dirty = new Set();
let frame = 0;
function redrawSoon(c) {
  dirty.add(c);
  frame ||= requestAnimationFrame(() => {
    frame = 0;
    const now = clock.now();
    for (const card of dirty) {
      card.redraw(now);
      card.renderGlance(now);
    }
    dirty.clear();
  });
}

function cardFor(block, readOnly) {
  let c = cards.get(block.id);
  if (!c) {
    c = new BlockCard(blocksEl, block, { readOnly, actions: readOnly ? null : actions });
    cards.set(block.id, c);
    c.showAlarms(alarms);
    loadHistory(c);
  }
  return c;
}

async function loadHistory(c) {
  try {
    if (await c.history.load(range, clock.now())) redrawSoon(c);
  } catch {
    // The server went away: the reconnect loads it again.
  }
}

async function refreshStatus() {
  const eventsBefore = alarmEvents;
  const status = await (await fetch('/api/status')).json();
  lastStatus = status;
  clock.sync(status);
  setTimeZone(status.time_zone);
  showSimulated(status.sim);
  document.getElementById('training-link').hidden = !status.training;
  // An alarm event that came while this status was on its way is newer than it.
  if (eventsBefore === alarmEvents) showAlarms(status.alarms);
  for (const block of status.blocks) cardFor(block, false).fromStatus(status.actors.find((a) => a.id === `block-${block.id}`));
  for (const meter of status.meters ?? []) cardFor(meter, true);
  return status;
}

async function refreshDays() {
  const first = lastStatus?.blocks?.[0]?.id ?? 1;
  const res = await fetch(`/api/history/days?block=${encodeURIComponent(first)}`);
  if (res.ok) picker.setDays((await res.json()).days);
}

function onMessage(m) {
  if (m.type === 'event') {
    if (m.event_type === 'reading') {
      const c = cards.get(m.block);
      if (!c) return;
      c.addReading(m.at, m.voltage);
      redrawSoon(c);
    } else if (m.event_type === 'setpoint') {
      const c = cards.get(m.block);
      if (!c) return;
      c.addSetpoint(m.at, m.setpoint, m.tolerance);
      redrawSoon(c);
    } else if (m.event_type === 'alarm') onAlarmEvent(m);
    else if (m.event_type === 'alarms') book.onEvent(m);
    else if (m.event_type === 'audit') onAuditEvent(m.entry);
    else if (m.event_type === 'inspect' && m.kind === 'snapshot') {
      const match = /^block-(\d+)$/.exec(m.actor ?? '');
      if (match) cards.get(Number(match[1]))?.setInspectedState(m.state, m.status === 'done');
    }
    return;
  }
  // Readings come to every client as get_voltage answers too; this page places them by the stamped event above.
  if (m.type === 'answer' && m.answer_type === 'get_voltage') return;
  if (m.type === 'answer') {
    const detail = m.voltage !== undefined ? ` at ${m.voltage.toFixed(3)} V (error ${m.error.toFixed(3)} V)` : '';
    const text = `${m.answer_type} block ${m.block}: ${m.status}${detail}`;
    note(text, m.status === 'ok' ? 'ok' : 'error');
    cards.get(Number(m.block))?.el.querySelector('.form-status')?.replaceChildren(text);
  } else if (m.type === 'reply') {
    const text = `error ${m.error_code} ${m.error_text_code}: ${m.description}`;
    note(text, 'error');
    const status = cards.get(lastSentBlock)?.el.querySelector('.form-status');
    if (status) status.textContent = text;
  }
}

let slidAt = 0;
/** Every second of the rack's clock: the ages, the banner's "since", the clock; the live plots slide (once a second at most). */
function tick() {
  const now = clock.now();
  document.getElementById('rack-clock').textContent = clockTime(now);
  renderAlarmBanner(book, now);
  alarmPanel.tick(now);
  const slide = range.live && Date.now() - slidAt >= 1000;
  if (slide) slidAt = Date.now();
  for (const c of cards.values()) {
    c.renderGlance(now);
    if (slide) redrawSoon(c);
  }
}

const picker = wireRangePicker((chosen) => {
  range = chosen;
  for (const c of cards.values()) {
    c.plots.resetZoom();
    loadHistory(c);
  }
});

async function start() {
  wireThemeToggle();
  onThemeChange(() => themeChanged([...cards.values()].flatMap((c) => c.plots.plots)));
  wireActivity(() => clock.now());
  wireNoteForm();
  channel = openChannel({
    observe: true,
    onMessage,
    onState: (state) => {
      setConnectionBadge(state);
      if (state !== 'online') return;
      // Back (or there for the first time): what was missed while away is in these.
      refreshStatus()
        .then(() => Promise.all([...cards.values()].map(loadHistory)))
        .catch(() => {});
      loadAudit().catch(() => {});
      loadAlarmLog().catch(() => {});
      book.load().catch(() => {});
      showAccess()
        .then((session) => session && alarmPanel.setControl(session))
        .catch(() => {});
    },
  });
  wireTokenForm(() => channel.reconnect());
  try {
    await refreshStatus();
    await refreshDays();
  } catch {
    setConnectionBadge('offline');
  }
  setInterval(() => {
    refreshStatus().catch(() => setConnectionBadge('offline'));
    book.load().catch(() => {});
  }, 2000);
  setInterval(() => refreshDays().catch(() => {}), 60_000);
  // The ages and the clock tick with the rack's seconds (faster in a sped-up simulation), at most 5 times a second.
  const every = () => Math.max(200, 1000 / (lastStatus?.time_scale || 1));
  const loop = () => {
    tick();
    setTimeout(loop, every());
  };
  loop();
}

start();
