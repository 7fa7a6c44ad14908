// "Who set what" on the operator page: the server's audit trail (GET /api/audit), kept live by the
// `audit` events of /channel?observe=1; and what this page itself may do, with the control token
// form when its address alone does not give control. Every server string goes in with textContent.

import { sinceText } from './alarms.js';

/** Rows shown; the server keeps more (GET /api/audit). */
const SHOWN = 60;
const entries = new Map(); // id → entry

const CONNECTOR = { tcp: 'TCP', ws: 'web', http: 'HTTP' };

function cell(row, text, className = '') {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = text;
  row.append(td);
}

function outcomeText(e) {
  const code = e.code != null ? ` ${e.code}` : '';
  const times = e.count > 1 ? ` ×${e.count}` : '';
  return `${e.outcome}${code}${times}${e.detail ? `: ${e.detail}` : ''}`;
}

function render() {
  const body = document.querySelector('#audit-table tbody');
  const newest = [...entries.values()].sort((a, b) => b.id - a.id).slice(0, SHOWN);
  body.replaceChildren(
    ...newest.map((e) => {
      const tr = document.createElement('tr');
      tr.dataset.id = String(e.id);
      tr.dataset.outcome = e.outcome;
      tr.className = `outcome-${e.outcome}`;
      cell(tr, sinceText(e.at), 'at');
      cell(tr, e.label ? `${e.label} (${e.address})` : e.address, 'who');
      cell(tr, CONNECTOR[e.connector] ?? e.connector, 'via');
      cell(tr, e.action, 'what');
      cell(tr, outcomeText(e), 'outcome');
      return tr;
    }),
  );
  document.getElementById('audit-table').hidden = newest.length === 0;
  document.getElementById('no-audit').hidden = newest.length > 0;
}

/** The whole trail, on load and on every reconnect (events missed while offline are in it). */
export async function loadAudit() {
  const res = await fetch('/api/audit');
  if (!res.ok) return;
  const { entries: list } = await res.json();
  entries.clear();
  for (const e of list) entries.set(e.id, e);
  render();
}

/** One entry recorded or completed, from the observer feed. */
export function onAuditEvent(entry) {
  if (!entry || typeof entry.id !== 'number') return;
  entries.set(entry.id, entry);
  while (entries.size > 5 * SHOWN) entries.delete(Math.min(...entries.keys()));
  render();
}

/** What this page may do, and the token form when a token would give it more. */
export async function showAccess() {
  const res = await fetch('/api/session');
  if (!res.ok) return;
  const s = await res.json();
  const how = s.via === 'token' ? `by token${s.label ? ` (${s.label})` : ''}` : `by address ${s.address}`;
  const state = document.getElementById('access-state');
  state.textContent = s.control ? `this page may set voltages, ${how}` : `this page may only watch (${s.address})`;
  state.dataset.control = String(s.control);
  const form = document.getElementById('token-form');
  form.hidden = !s.tokens || (s.control && s.via !== 'token');
  form.querySelector('.take').hidden = s.control;
  form.querySelector('.drop').hidden = s.via !== 'token';
}

/** Wires the token form; `changed` runs after the page's rights changed (the channel must reconnect to get them). */
export function wireTokenForm(changed) {
  const form = document.getElementById('token-form');
  const error = form.querySelector('.form-error');
  const send = async (token) => {
    error.textContent = '';
    const res = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    const result = await res.json();
    if (!result.ok) error.textContent = result.error;
    form.token.value = '';
    await showAccess();
    changed();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (form.token.value.trim() === '') return (error.textContent = 'Enter the control token.');
    send(form.token.value.trim()).catch(() => (error.textContent = 'The server cannot be reached.'));
  });
  form.querySelector('.drop').addEventListener('click', () => send(null).catch(() => {}));
}
