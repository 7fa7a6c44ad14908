// The state-chart page: every actor the supervisor runs, its present state highlighted live from
// the XState inspection stream, a timeline of events and transitions, and, for the actor selected
// (click, or Enter on its card), its whole context in a panel that stays in view, with a slider
// over its last transitions to see the chart as it was at each. The tab's title and icon carry the
// number of unacknowledged alarms, as the operator page's do (on the detector this is the console).

import { createAlarmBook, shownSeverity } from './alarm-book.js';
import { showAlarmCount } from './alarm-title.js';
import { openChannel, serverClock, setConnectionBadge } from './channel.js';
import { activeIds, drawChart, eventLabel } from './state-chart.js';
import { clockTime, setTimeZone } from './time-format.js';
import { wireThemeToggle } from './theme.js';

const elk = new ELK();
const clock = serverClock();
const charts = new Map(); // actor id → { el, machine, nodes }
const drawing = new Map(); // actor id → its chart being laid out (refreshes may overlap)
const timeline = document.getElementById('timeline');
/** Each actor's last transitions, oldest first: {at, state, event}. */
const history = new Map();
const HISTORY = 50;
const lastState = new Map(); // actor id → its last state value
let graphs = {};
let selected = null;
/** The index in the selected actor's history being looked at, or null for live. */
let travelling = null;
const book = createAlarmBook();
book.onChange(() => {
  const unacknowledged = book.unacknowledged();
  showAlarmCount(unacknowledged.length, unacknowledged[0] ? shownSeverity(unacknowledged[0]) : null);
});

function chartFor(actorId, kind) {
  if (!drawing.has(actorId)) drawing.set(actorId, draw(actorId, kind));
  return drawing.get(actorId);
}

async function draw(actorId, kind) {
  const card = document.createElement('article');
  card.className = 'card actor';
  card.dataset.actor = actorId;
  // A card is a button: click it or press Enter or Space on it to see the actor's context.
  card.tabIndex = 0;
  card.setAttribute('role', 'button');
  card.setAttribute('aria-pressed', 'false');
  card.innerHTML = '<h2><span class="name"></span> <span class="muted kind"></span> <span class="badge supervision"></span></h2><div class="chart"></div>';
  card.querySelector('.name').textContent = actorId;
  card.querySelector('.kind').textContent = kind;
  card.setAttribute('aria-label', `${actorId}, ${kind}: show its context`);
  document.getElementById('actors').append(card);
  card.addEventListener('click', () => select(actorId));
  card.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    select(actorId);
  });
  const { svg, nodes, machine } = await drawChart(elk, graphs[kind], `arrow-${actorId}`);
  card.querySelector('.chart').append(svg);
  const chart = { el: card, kind, machine, nodes };
  charts.set(actorId, chart);
  return chart;
}

function highlight(actorId, value) {
  const chart = charts.get(actorId);
  if (!chart) return;
  const active = new Set(activeIds(chart.machine, value));
  for (const [id, g] of chart.nodes) g.classList.toggle('active', active.has(id));
  chart.el.dataset.state = [...active].map((id) => id.split('.').slice(1).join('.')).join(' ');
}

function setSupervision(actorId, supervision) {
  const chart = charts.get(actorId);
  if (!chart || !supervision) return;
  const badge = chart.el.querySelector('.badge.supervision');
  badge.textContent = supervision.status;
  chart.el.classList.toggle('restarting', supervision.status === 'restarting');
  chart.el.classList.toggle('failed', supervision.status === 'failed');
  chart.el.dataset.supervision = supervision.status;
}

function addTimeline(at, text) {
  const line = document.createElement('div');
  line.textContent = `${clockTime(at)}  ${text}`;
  timeline.prepend(line);
  while (timeline.children.length > 400) timeline.lastChild.remove();
}

function select(actorId) {
  selected = actorId;
  travelling = null;
  for (const [id, c] of charts) c.el.setAttribute('aria-pressed', String(id === actorId));
  document.getElementById('context-of').textContent = actorId;
  showTravel();
  showContext().catch(() => {});
}

async function showContext() {
  if (!selected) return;
  const status = await (await fetch('/api/status')).json();
  const actor = status.actors.find((a) => a.id === selected);
  const shown = actor ? { state: actor.state_detail, supervision: actor.supervision, context: actor.context } : { state: status.supervisor, children: status.actors.map((a) => ({ id: a.id, ...a.supervision })) };
  document.getElementById('context').textContent = JSON.stringify(shown, null, 2);
}

/** The slider over the selected actor's last transitions; at its right end, live. */
function showTravel() {
  const panel = document.getElementById('travel');
  const range = document.getElementById('travel-range');
  const steps = history.get(selected) ?? [];
  panel.hidden = !selected || steps.length === 0;
  range.max = String(steps.length);
  if (travelling === null) range.value = String(steps.length);
  const at = document.getElementById('travel-at');
  const event = document.getElementById('travel-event');
  if (travelling === null) {
    at.textContent = 'live';
    event.textContent = steps.length ? `${steps.length} kept; drag back to see each` : '';
    return;
  }
  const step = steps[travelling];
  at.textContent = `${travelling + 1} of ${steps.length}, at ${clockTime(step.at)}`;
  event.textContent = `${step.event ? eventLabel(step.event) : '(start)'} → ${typeof step.state === 'string' ? step.state : JSON.stringify(step.state)}`;
}

function wireTravel() {
  const range = document.getElementById('travel-range');
  range.addEventListener('input', () => {
    if (!selected) return;
    const steps = history.get(selected) ?? [];
    const i = Number(range.value);
    travelling = i >= steps.length ? null : i;
    highlight(selected, travelling === null ? lastState.get(selected) : steps[travelling].state);
    charts.get(selected)?.el.classList.toggle('travelling', travelling !== null);
    showTravel();
  });
}

async function refresh() {
  const status = await (await fetch('/api/status')).json();
  clock.sync(status);
  setTimeZone(status.time_zone);
  document.getElementById('training-link').hidden = !status.training;
  document.getElementById('sim-banner').hidden = !status.sim;
  await chartFor('supervisor', 'supervisor');
  if (!(selected === 'supervisor' && travelling !== null)) highlight('supervisor', status.supervisor);
  for (const actor of status.actors) {
    // The status names each actor's kind, whatever the manager: a block, a voltmeter, a counting module.
    await chartFor(actor.id, actor.kind);
    if (actor.state_detail && !(selected === actor.id && travelling !== null)) highlight(actor.id, actor.state_detail);
    setSupervision(actor.id, actor.supervision);
  }
  if (selected) showContext().catch(() => {});
}

/** An idle block's routine output check (watching → probing → watching, every few seconds) is not news for the timeline. */
function isOutputProbe(state, before) {
  const idle = (v) => (v && typeof v === 'object' && typeof v.idle === 'string' ? v.idle : null);
  return idle(state) === 'probing' || (idle(state) === 'watching' && idle(before) === 'probing');
}

function onMessage(m) {
  if (m.type === 'event' && m.event_type === 'alarms') book.onEvent(m);
  if (m.type !== 'event' || m.event_type !== 'inspect') return;
  if (m.kind === 'started') {
    addTimeline(m.at, `${m.actor} started`);
    return;
  }
  if (m.kind !== 'snapshot') return;
  const before = lastState.get(m.actor);
  lastState.set(m.actor, m.state);
  // Looking back at this actor: the chart stays where the slider is.
  if (!(m.actor === selected && travelling !== null)) highlight(m.actor, m.state);
  if (isOutputProbe(m.state, before)) return;
  if (!m.event || m.event === 'READING' || m.event === 'CLIENTS_CHANGED') return;
  // A voltmeter's reading after reading (measuring → measuring) changes nothing to see.
  if (JSON.stringify(m.state) === JSON.stringify(before) && m.status !== 'done') return;
  const steps = history.get(m.actor) ?? [];
  steps.push({ at: m.at, state: m.state, event: m.event });
  if (steps.length > HISTORY) steps.shift();
  history.set(m.actor, steps);
  if (m.actor === selected) showTravel();
  const state = typeof m.state === 'string' ? m.state : JSON.stringify(m.state);
  addTimeline(m.at, `${m.actor}  ${eventLabel(m.event)} → ${state}${m.status === 'done' ? ' (ended)' : ''}`);
}

async function start() {
  wireThemeToggle();
  wireTravel();
  graphs = Object.fromEntries((await (await fetch('/api/machines')).json()).map((g) => [g.machine, g]));
  openChannel({
    observe: true,
    onMessage,
    onState: (state) => {
      setConnectionBadge(state);
      if (state !== 'online') return;
      refresh().catch(() => {});
      book.load().catch(() => {});
    },
  });
  await refresh();
  setInterval(() => refresh().catch(() => setConnectionBadge('offline')), 2000);
  setInterval(() => (document.getElementById('rack-clock').textContent = clockTime(clock.now())), 500);
}

start();
