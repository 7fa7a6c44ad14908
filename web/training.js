// The instructor's console on the simulated rack: every fault of every simulated instrument and
// supply, the faults active now each with its clear button and "clear all", ready-made scenarios,
// the time scale, and the log of every instructor's actions as the server recorded them (the
// audit trail). The trainee on the operator page sees this same server's real state.

import { openChannel, serverClock, setConnectionBadge } from './channel.js';
import { activeFaults, deviceActions, faultyDevices, supplyActions } from './training-faults.js';
import { PRESETS } from './training-presets.js';
import { clockTime, setTimeZone, when } from './time-format.js';
import { wireThemeToggle } from './theme.js';

const clock = serverClock();
const error = document.getElementById('error');
let status = { devices: {}, supplies: {}, roles: {}, time_scale: 1 };
/** Scenario steps still to come: {timer, preset, what, dueAt}. */
const scheduled = [];
const trail = new Map(); // audit id → entry (training actions)

async function send(command, what = JSON.stringify(command)) {
  error.textContent = '';
  try {
    const res = await fetch('/api/training', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(command) });
    const result = await res.json();
    if (!result.ok) error.textContent = `${what}: refused, ${result.error}`;
  } catch {
    error.textContent = `${what}: the server cannot be reached`;
  }
  await refresh();
}

function button(label, onClick, kind = '') {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (kind) b.className = kind;
  b.addEventListener('click', onClick);
  return b;
}

/** A card per simulated instrument and per supply, drawn once (the actions do not change). */
function drawDevices() {
  const box = document.getElementById('devices');
  const cards = [];
  for (const [name, device] of Object.entries(status.devices)) {
    cards.push(deviceCard(name, status.roles[name] ?? 'simulated instrument', deviceActions(name, device)));
  }
  for (const block of Object.keys(status.supplies)) cards.push(deviceCard(`supply-${block}`, `block ${block}'s high-voltage supply`, supplyActions(block)));
  box.replaceChildren(...cards);
}

function deviceCard(name, role, actions) {
  const card = document.createElement('article');
  card.className = 'card device';
  card.dataset.device = name;
  const h = document.createElement('h3');
  h.textContent = name;
  const r = document.createElement('div');
  r.className = 'muted role';
  r.textContent = role;
  const list = document.createElement('div');
  list.className = 'actions';
  list.setAttribute('role', 'group');
  list.setAttribute('aria-label', `Faults of ${name}`);
  for (const [label, command, danger] of actions) list.append(button(label, () => send(command, `${name}: ${label}`), danger ? 'danger' : 'secondary'));
  card.append(h, r, list);
  return card;
}

function drawActive() {
  const faults = activeFaults(status);
  const list = document.getElementById('active-list');
  list.replaceChildren(
    ...faults.map((f) => {
      const li = document.createElement('li');
      li.dataset.fault = f.key;
      if (f.info) li.className = 'info';
      const what = document.createElement('span');
      what.textContent = f.what;
      li.append(what);
      if (f.clear) li.append(button('Clear', () => send(f.clear, `clear ${f.what}`), 'secondary'));
      else {
        const note = document.createElement('span');
        note.className = 'muted';
        note.textContent = f.note;
        li.append(note);
      }
      return li;
    }),
    ...scheduled.map((s) => {
      const li = document.createElement('li');
      li.className = 'scheduled';
      li.dataset.fault = `scheduled/${s.preset}`;
      const what = document.createElement('span');
      what.textContent = `to come: ${s.what} at ${clockTime(s.dueAt)}`;
      li.append(what, button('Cancel', () => cancel(s), 'secondary'));
      return li;
    }),
  );
  const count = faults.filter((f) => f.clear).length;
  document.getElementById('active-count').textContent = String(count);
  document.getElementById('no-faults').hidden = count + scheduled.length > 0;
  const faulty = faultyDevices(faults);
  for (const card of document.querySelectorAll('.device')) card.dataset.active = String(faulty.has(card.dataset.device));
}

function cancel(s) {
  clearTimeout(s.timer);
  scheduled.splice(scheduled.indexOf(s), 1);
  drawActive();
}

/** Every fault off: the simulators' reset, and the queued instrument errors dropped. */
async function clearAll() {
  for (const s of [...scheduled]) cancel(s);
  await send({ cmd: 'reset' }, 'clear all');
  for (const [name, d] of Object.entries(status.devices)) if (d.queued_errors > 0) await send({ cmd: 'clear_errors', device: name }, `clear ${name}'s errors`);
}

function drawPresets() {
  const box = document.getElementById('presets');
  box.replaceChildren(
    ...PRESETS.map((p) => {
      const div = document.createElement('div');
      div.className = 'preset';
      div.dataset.preset = p.id;
      const text = document.createElement('p');
      const title = document.createElement('b');
      title.textContent = p.title;
      text.append(title, document.createTextNode(`: ${p.text}`));
      div.append(text, button('Start', () => startPreset(p), 'secondary'));
      return div;
    }),
  );
}

function startPreset(p) {
  for (const step of p.steps(status)) {
    if (step.afterS === 0) {
      send(step.command, `${p.title}: ${step.what}`);
      continue;
    }
    // The delay is in the rack's time: a sped-up simulation runs it sooner.
    const ms = (step.afterS * 1000) / (status.time_scale || 1);
    const s = { preset: p.id, what: step.what, dueAt: clock.now() + step.afterS * 1000 };
    s.timer = setTimeout(() => {
      scheduled.splice(scheduled.indexOf(s), 1);
      send(step.command, `${p.title}: ${step.what}`);
    }, ms);
    scheduled.push(s);
  }
  drawActive();
}

function drawLog() {
  const rows = [...trail.values()].sort((a, b) => b.id - a.id).slice(0, 200);
  document.querySelector('#log-table tbody').replaceChildren(
    ...rows.map((e) => {
      const tr = document.createElement('tr');
      tr.dataset.id = String(e.id);
      tr.className = `result-${e.outcome === 'ok' ? 'done' : e.outcome}`;
      for (const [cls, text] of [
        ['at', when(e.at, clock.now())],
        ['who', e.label ? `${e.label} (${e.address})` : e.address],
        ['action', e.action.replace(/^training: /, '')],
        ['result', e.outcome === 'ok' ? 'done' : `${e.outcome}${e.detail ? `: ${e.detail}` : ''}`],
      ]) {
        const td = document.createElement('td');
        td.className = cls;
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }),
  );
  document.getElementById('log-table').hidden = rows.length === 0;
  document.getElementById('no-log').hidden = rows.length > 0;
}

const isTraining = (e) => e && typeof e.id === 'number' && /^training( action|:)/.test(String(e.action));

async function loadLog() {
  const res = await fetch('/api/audit');
  if (!res.ok) return;
  for (const e of (await res.json()).entries) if (isTraining(e)) trail.set(e.id, e);
  drawLog();
}

async function refresh() {
  const res = await fetch('/api/training');
  if (!res.ok) return;
  const fresh = await res.json();
  const redraw = Object.keys(fresh.devices ?? {}).join() !== Object.keys(status.devices).join() || Object.keys(fresh.supplies ?? {}).join() !== Object.keys(status.supplies).join();
  status = fresh;
  if (redraw) drawDevices();
  drawActive();
  const scale = document.getElementById('scale');
  if (document.activeElement !== scale) scale.value = String(status.time_scale);
}

async function start() {
  wireThemeToggle();
  const s = await (await fetch('/api/status')).json();
  clock.sync(s);
  setTimeZone(s.time_zone);
  if (!s.training) {
    document.querySelector('main').replaceChildren(Object.assign(document.createElement('section'), { className: 'card', textContent: 'Training controls exist only when the server runs the simulated rack.' }));
    return;
  }
  drawPresets();
  document.getElementById('clear-all').addEventListener('click', () => clearAll());
  document.getElementById('time-form').addEventListener('submit', (e) => {
    e.preventDefault();
    send({ cmd: 'time_scale', value: Number(document.getElementById('scale').value) }, 'time scale');
  });
  openChannel({
    observe: true,
    onState: (state) => {
      setConnectionBadge(state);
      if (state === 'online') loadLog().catch(() => {});
    },
    onMessage: (m) => {
      if (m.type === 'event' && m.event_type === 'audit' && isTraining(m.entry)) {
        trail.set(m.entry.id, m.entry);
        drawLog();
      }
    },
  });
  await refresh();
  await loadLog();
  setInterval(() => refresh().catch(() => setConnectionBadge('offline')), 1000);
  setInterval(async () => {
    const st = await (await fetch('/api/status')).json().catch(() => null);
    if (st) clock.sync(st);
  }, 5000);
  setInterval(() => (document.getElementById('rack-clock').textContent = clockTime(clock.now())), 500);
}

start();
