// The operator's view: the active alarms; per block a live plot of readings with the setpoint and
// tolerance band, the present reading, setpoint, state and alarm, a command form that refuses
// out-of-range values before sending, an HV-off action; who set what (the audit trail); and the
// log of answers, errors and alarms.

import { renderAlarmPanel, renderCardAlarm, severityClass, sortAlarms } from './alarms.js';
import { loadAudit, onAuditEvent, showAccess, wireTokenForm } from './audit.js';
import { openChannel, serverClock, setConnectionBadge } from './channel.js';

const HOUR_MS = 3600_000;
const clock = serverClock();
const cards = new Map(); // block id (number, or 'gun') → card
const logEl = document.getElementById('log');
let channel;
/** The active alarms, most severe first: from /api/status, then kept by the channel's alarm events. */
let alarms = [];
/** Alarm events received so far: a status fetched before the latest one is not newer than it. */
let alarmEvents = 0;

function log(text, kind = '', at = clock.now()) {
  const line = document.createElement('div');
  line.className = kind;
  line.textContent = `${new Date(at).toLocaleTimeString()}  ${text}`;
  logEl.prepend(line);
  while (logEl.children.length > 300) logEl.lastChild.remove();
}

function topState(value) {
  if (value == null) return 'unknown';
  return typeof value === 'string' ? value : Object.keys(value)[0];
}

function makePlot(el) {
  const opts = {
    width: Math.max(400, el.clientWidth - 4),
    height: 220,
    scales: { x: { time: true } },
    series: [
      {},
      { label: 'reading (V)', stroke: '#1a5fb4', width: 1.5, points: { size: 4 } },
      { label: 'setpoint', stroke: '#137333', dash: [6, 4], width: 1 },
      { label: '+tolerance', stroke: '#c0c6cf', width: 1 },
      { label: '−tolerance', stroke: '#c0c6cf', width: 1 },
    ],
    bands: [{ series: [3, 4], fill: 'rgba(19,115,51,0.08)' }],
    axes: [{}, { size: 80, values: (u, ticks) => ticks.map((t) => t.toFixed(3)) }],
  };
  return new uPlot(opts, [[], [], [], [], []], el);
}

function makeCard(block, readOnly = false) {
  const card = document.createElement('article');
  card.className = 'card';
  card.dataset.block = String(block.id);
  // The markup is fixed; the server's names go in as text below.
  card.innerHTML = `
    <h2><span class="title"></span> <span class="muted name"></span>
      ${readOnly ? '<span class="badge">read-only</span>' : '<span class="badge state">unknown</span>'}</h2>
    <div class="card-alarm" role="alert" hidden>
      <div class="card-alarm-head"><span class="sev"></span><b class="code"></b><span class="epics"></span><span class="since"></span></div>
      <div class="message"></div>
      <div class="more"></div>
    </div>
    <div><span class="reading">—</span> <span class="muted">V</span>
      ${readOnly ? '' : '&nbsp; setpoint <b class="setpoint">—</b> V &nbsp; <span class="muted range"></span>'}</div>
    <div class="plot"></div>
    ${readOnly ? '' : `
    <form class="command" novalidate>
      <label>voltage (V)<input name="voltage" type="number" step="any" required></label>
      <label>command<select name="kind"><option value="set_voltage_and_check">set and check</option><option value="set_voltage">set</option></select></label>
      <label>max error (V)<input name="max_error" type="number" step="any" value="0.1"></label>
      <label>timeout (s)<input name="timeout" type="number" step="any" value="20"></label>
      <button type="submit">Send</button>
      <button type="button" class="danger hv-off">HV off</button>
      <div class="form-error"></div>
    </form>`}`;
  card.querySelector('.title').textContent = readOnly ? (block.id === 'gun' ? 'Electron gun' : String(block.id)) : `Block ${block.id}`;
  card.querySelector('.name').textContent = block.name ?? '';
  document.getElementById('blocks').append(card);
  const c = {
    block,
    // Whose alarms the card shows: the block's own, or a read-only voltmeter's (published under its own id).
    source: readOnly ? `voltmeter-${block.id}` : `block-${block.id}`,
    state: 'unknown',
    el: card,
    plot: makePlot(card.querySelector('.plot')),
    data: [[], [], [], [], []],
    setpoint: null,
    tolerance: 0.1,
  };
  if (!readOnly) wireForm(c);
  cards.set(block.id, c);
  showCardAlarm(c);
  return c;
}

function addPoint(c, atMs, volts) {
  const [xs, ys, sp, hi, lo] = c.data;
  xs.push(atMs / 1000);
  ys.push(volts);
  const setpoint = c.setpoint ?? null;
  sp.push(setpoint);
  hi.push(setpoint === null ? null : setpoint + c.tolerance);
  lo.push(setpoint === null ? null : setpoint - c.tolerance);
  const oldest = (atMs - HOUR_MS) / 1000;
  while (xs.length && xs[0] < oldest) c.data.forEach((a) => a.shift());
}

function redraw(c) {
  c.plot.setData(c.data);
  const last = c.data[1].at(-1);
  c.el.querySelector('.reading').textContent = last === undefined ? '—' : last.toFixed(3);
}

function wireForm(c) {
  const form = c.el.querySelector('form');
  const error = form.querySelector('.form-error');
  const { min_volts: min, max_volts: max } = c.block;
  c.el.querySelector('.range').textContent = `range ${min} to ${max} V`;
  form.voltage.min = String(min);
  form.voltage.max = String(max);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    const voltage = Number(form.voltage.value);
    const maxError = Number(form.max_error.value);
    const timeout = Number(form.timeout.value);
    if (form.voltage.value.trim() === '' || !Number.isFinite(voltage)) return (error.textContent = 'Enter the voltage as a number of volts.');
    if (voltage < min || voltage > max) return (error.textContent = `${voltage} V is outside block ${c.block.id}'s range, ${min} to ${max} V: not sent.`);
    const command = { type: 'command', command_type: form.kind.value, block: String(c.block.id), voltage };
    if (form.kind.value === 'set_voltage_and_check') {
      if (!(maxError > 0) || !(timeout > 0)) return (error.textContent = 'Max error and timeout must be numbers above 0.');
      Object.assign(command, { max_error: maxError, timeout });
      c.tolerance = maxError;
    }
    if (!channel.send(command)) return (error.textContent = 'Not connected: not sent.');
    log(`sent ${command.command_type} block ${c.block.id} ${voltage} V`);
  });
  form.querySelector('.hv-off').addEventListener('click', () => {
    if (!confirm(`Set block ${c.block.id} to 0 V?`)) return;
    if (channel.send({ type: 'command', command_type: 'set_voltage', block: String(c.block.id), voltage: 0 })) log(`sent HV off (0 V) for block ${c.block.id}`);
  });
}

/**
 * The state badge. data-state is the machine's state as it is; the badge never shows a block with
 * an active alarm as idle (the alarm list and the state can arrive a moment apart).
 */
function setBadge(c, state) {
  c.state = state;
  c.el.dataset.state = state;
  const badge = c.el.querySelector('.badge.state');
  if (!badge) return;
  const top = alarms.find((a) => a.source === c.source);
  const look = top && (state === 'idle' || state === 'unknown') ? 'alarm' : state;
  badge.textContent = look;
  badge.className = `badge state ${look}${top ? ` alarmed ${severityClass(top.severity)}` : ''}`;
}

function showCardAlarm(c) {
  renderCardAlarm(c.el, alarms.filter((a) => a.source === c.source));
  setBadge(c, c.state);
}

function showAlarms(list) {
  alarms = sortAlarms(Array.isArray(list) ? list : []);
  renderAlarmPanel(alarms);
  for (const c of cards.values()) showCardAlarm(c);
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
  if (m.change === 'raised') log(`alarm raised: ${a.source} ${a.code} (${a.severity}, ${a.status}): ${a.message}`, a.severity === 'MINOR' ? 'warn' : 'error', a.since ?? clock.now());
  else if (m.change === 'cleared') log(`alarm cleared: ${a.source} ${a.code}`, 'ok');
}

async function refreshStatus() {
  const eventsBefore = alarmEvents;
  const status = await (await fetch('/api/status')).json();
  clock.sync(status);
  document.getElementById('training-link').hidden = !status.training;
  // An alarm event that came while this status was on its way is newer than it.
  if (eventsBefore === alarmEvents) showAlarms(status.alarms);
  for (const block of status.blocks) {
    const c = cards.get(block.id) ?? makeCard(block);
    const actor = status.actors.find((a) => a.id === `block-${block.id}`);
    if (actor) {
      c.setpoint = actor.setpoint;
      c.el.querySelector('.setpoint').textContent = actor.setpoint == null ? '—' : actor.setpoint.toFixed(3);
      setBadge(c, actor.supervision?.status === 'running' ? actor.state : 'error');
    }
  }
  return status;
}

async function loadHistory(c) {
  const to = clock.now();
  const res = await fetch(`/api/history?block=${encodeURIComponent(c.block.id)}&from=${Math.floor(to - HOUR_MS)}&to=${Math.ceil(to)}`);
  if (!res.ok) return;
  const { points } = await res.json();
  for (const [at, volts] of points) addPoint(c, at, volts);
  redraw(c);
}

function onMessage(m) {
  if (m.type === 'answer' && m.answer_type === 'get_voltage') {
    // Blocks come as numbers; read-only voltmeters (the gun) by name, each getting a card when it first reads.
    const c = cards.get(m.block) ?? (typeof m.block === 'string' ? makeCard({ id: m.block, name: `voltmeter ${m.block}` }, true) : null);
    if (!c) return;
    addPoint(c, clock.now(), m.voltage);
    redraw(c);
    return;
  }
  if (m.type === 'event' && m.event_type === 'alarm') {
    onAlarmEvent(m);
    return;
  }
  if (m.type === 'event' && m.event_type === 'audit') {
    onAuditEvent(m.entry);
    return;
  }
  if (m.type === 'event' && m.event_type === 'inspect') {
    const match = /^block-(\d+)$/.exec(m.actor ?? '');
    if (match && m.kind === 'snapshot') {
      const c = cards.get(Number(match[1]));
      if (c) setBadge(c, m.status === 'done' ? 'error' : topState(m.state));
    }
    return;
  }
  if (m.type === 'answer') {
    const detail = m.voltage !== undefined ? ` at ${m.voltage.toFixed(3)} V (error ${m.error.toFixed(3)} V)` : '';
    log(`${m.answer_type} block ${m.block}: ${m.status}${detail}`, m.status === 'ok' ? 'ok' : 'error');
  } else if (m.type === 'reply') {
    log(`error ${m.error_code} ${m.error_text_code}: ${m.description}`, 'error');
  }
}

async function start() {
  channel = openChannel({
    observe: true,
    onMessage,
    onState: (state) => {
      setConnectionBadge(state);
      if (state === 'online') {
        refreshStatus().catch(() => {});
        loadAudit().catch(() => {});
        showAccess().catch(() => {});
      }
    },
  });
  wireTokenForm(() => channel.reconnect());
  try {
    await refreshStatus();
    await Promise.all([...cards.values()].map(loadHistory));
  } catch {
    setConnectionBadge('offline');
  }
  setInterval(() => refreshStatus().catch(() => setConnectionBadge('offline')), 2000);
  window.addEventListener('resize', () => {
    for (const c of cards.values()) c.plot.setSize({ width: Math.max(400, c.el.querySelector('.plot').clientWidth - 4), height: 220 });
  });
}

start();
