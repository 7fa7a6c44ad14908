// The alarm panel of the operator page: the alarm book as a person handles it. Each alarm says
// whether its condition holds now ("active since …") or has cleared with nobody acknowledging it
// ("latched — cleared at …"), and whether it is acknowledged, by whom, when and with what note —
// in words and in the row's look (a solid bar and bold for unacknowledged, a dashed one for
// latched), not in colour alone. Under the message, what to check first. Each unacknowledged alarm
// has Acknowledge with a note, and the panel "Acknowledge all"; each alarm Shelve (minutes and a
// reason) or Unshelve. Shelved alarms are listed apart with the time left on the rack's clock.
//
// Rows are kept per alarm and updated in place, so a note being typed survives the alarm's updates
// and the panel does not redraw itself under the reader. Every server string goes in with
// textContent.

import { alarmAction } from './alarm-actions.js';
import { isLatched, isShelved, shownSeverity } from './alarm-book.js';
import { severityClass } from './alarms.js';
import { duration, when } from './time-format.js';

const key = (a) => `${a.source}/${a.code}`;

const ENTRY = `
  <div class="alarm-head">
    <span class="sev"></span>
    <span class="code"></span>
    <span class="where"><span class="source"></span> <span class="instrument muted"></span></span>
    <span class="epics"></span>
    <span class="tag condition"></span>
    <span class="tag ack-state"></span>
    <span class="raised muted"></span>
  </div>
  <p class="message"></p>
  <p class="guidance"><span class="label">Check first:</span> <span class="text"></span></p>
  <p class="acknowledgement" hidden></p>
  <p class="shelf" hidden><span class="shelf-text"></span> <span class="left"></span></p>
  <div class="alarm-actions">
    <form class="ack-form" novalidate>
      <input name="note" maxlength="500" autocomplete="off" placeholder="note (optional)">
      <button type="submit">Acknowledge</button>
    </form>
    <details class="shelve">
      <summary>Shelve…</summary>
      <form class="shelve-form" novalidate>
        <label>for <input name="minutes" type="number" min="1" max="1440" step="1" value="60"> min</label>
        <label>reason <input name="reason" maxlength="500" autocomplete="off" placeholder="divider under repair"></label>
        <button type="submit">Shelve</button>
      </form>
    </details>
    <button type="button" class="unshelve secondary">Unshelve</button>
  </div>
  <div class="form-error" role="alert"></div>`;

/** Sets a text only when it changed: unchanged text must not re-lay out (the panel is updated every second). */
function setText(el, value) {
  if (el.textContent !== value) el.textContent = value;
}

function setData(el, name, value) {
  if (el.dataset[name] !== value) el.dataset[name] = value;
}

function setHidden(el, hidden) {
  if (el.hidden !== hidden) el.hidden = hidden;
}

function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** A button usable, or off with the reason as its tooltip. */
function setUsable(button, usable, why) {
  if (button.disabled !== !usable) button.disabled = !usable;
  if (usable) {
    if (button.hasAttribute('title')) button.removeAttribute('title');
  } else setAttr(button, 'title', why);
}

export function createAlarmPanel({ book, now }) {
  const panel = document.getElementById('alarm-panel');
  const list = document.getElementById('alarm-list');
  const shelvedSection = document.getElementById('shelved-alarms');
  const shelvedList = document.getElementById('shelved-list');
  const none = document.getElementById('no-alarms');
  const count = document.getElementById('alarm-count');
  const unackCount = document.getElementById('alarm-unack');
  const controlNote = document.getElementById('alarm-control');
  const ackAll = document.getElementById('ack-all');
  /** key → {el, alarm} */
  const rows = new Map();
  /** What /api/session said: null until it has answered (the buttons work, the server judges). */
  let control = null;

  const allowed = () => control === null || control.control;
  const refusal = () => `This page may only watch (${control?.address ?? 'this address'}): acknowledging and shelving alarms take control — an address in access.control, or the control token (under Activity).`;

  function act(row, action, body, form) {
    const error = row.el.querySelector('.form-error');
    setText(error, '');
    const buttons = form ? [...form.querySelectorAll('button')] : [row.el.querySelector('.unshelve')];
    for (const b of buttons) b.disabled = true;
    alarmAction(action, body).then((result) => {
      for (const b of buttons) b.disabled = !allowed();
      if (!result.ok) return setText(error, result.error);
      form?.reset();
      // Shelved: the next shelving starts from a closed "Shelve…", not from the old reason.
      const details = form?.closest('details');
      if (details) details.open = false;
      // The `alarms` event brings the change; a page whose channel is down gets it here.
      book.load().catch(() => {});
    });
  }

  function createRow(alarm) {
    const el = document.createElement('li');
    el.className = 'alarm-entry';
    el.innerHTML = ENTRY;
    const row = { el, alarm };
    const ackForm = el.querySelector('.ack-form');
    ackForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const note = ackForm.note.value.trim();
      act(row, 'acknowledge', { source: row.alarm.source, code: row.alarm.code, ...(note ? { note } : {}) }, ackForm);
    });
    const shelveForm = el.querySelector('.shelve-form');
    shelveForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const minutes = Number(shelveForm.minutes.value);
      const reason = shelveForm.reason.value.trim();
      const error = el.querySelector('.form-error');
      if (shelveForm.minutes.value.trim() === '' || !Number.isFinite(minutes)) return setText(error, 'Give the minutes to shelve it for.');
      if (reason === '') return setText(error, 'Give the reason for shelving it: the next shift reads it.');
      act(row, 'shelve', { source: row.alarm.source, code: row.alarm.code, minutes, reason }, shelveForm);
    });
    el.querySelector('.unshelve').addEventListener('click', () => act(row, 'unshelve', { source: row.alarm.source, code: row.alarm.code }, null));
    return row;
  }

  function fillRow(row, alarm, at) {
    row.alarm = alarm;
    const { el } = row;
    const severity = shownSeverity(alarm);
    const latched = isLatched(alarm);
    const shelved = isShelved(alarm);
    const look = `alarm-entry ${severityClass(severity)} ${alarm.acknowledged ? 'acknowledged' : 'unacknowledged'} ${alarm.active ? 'active' : 'cleared'}${latched ? ' latched' : ''}${shelved ? ' shelved' : ''}`;
    if (el.className !== look) el.className = look;
    setData(el, 'source', String(alarm.source));
    setData(el, 'code', String(alarm.code));
    setData(el, 'severity', String(severity));
    setData(el, 'active', String(alarm.active));
    setData(el, 'acknowledged', String(alarm.acknowledged));
    setData(el, 'latched', String(latched));
    setData(el, 'shelved', String(shelved));

    const pill = el.querySelector('.sev');
    const pillLook = `sev ${severityClass(severity)}`;
    if (pill.className !== pillLook) pill.className = pillLook;
    setText(pill, String(severity ?? '?'));
    setText(el.querySelector('.code'), String(alarm.code ?? ''));
    setText(el.querySelector('.source'), String(alarm.source ?? ''));
    setText(el.querySelector('.instrument'), alarm.instrument ? String(alarm.instrument) : '');
    setText(el.querySelector('.epics'), alarm.status ? String(alarm.status) : '');
    setText(el.querySelector('.condition'), alarm.active ? `active since ${when(alarm.since, at)}` : `${latched ? 'latched' : 'cleared'} — cleared at ${when(alarm.cleared_at, at)}`);
    setText(el.querySelector('.ack-state'), alarm.acknowledged ? 'acknowledged' : 'unacknowledged');
    setText(el.querySelector('.raised'), alarm.raised_count > 1 ? `raised ${alarm.raised_count} times` : '');
    const was = !alarm.acknowledged && alarm.active && alarm.highest_severity && alarm.highest_severity !== alarm.severity ? ` (it was ${alarm.highest_severity})` : '';
    setText(el.querySelector('.message'), `${String(alarm.message ?? '')}${was}`);
    const guidance = el.querySelector('.guidance');
    setHidden(guidance, !alarm.guidance);
    setText(guidance.querySelector('.text'), String(alarm.guidance ?? ''));

    const ack = el.querySelector('.acknowledgement');
    const a = alarm.acknowledgement;
    setHidden(ack, !a);
    setText(ack, a ? `Acknowledged by ${a.by} at ${when(a.at, at)}${a.note ? `: “${a.note}”` : ' (no note)'}` : '');

    const shelf = el.querySelector('.shelf');
    const s = alarm.shelved;
    setHidden(shelf, !shelved);
    setText(shelf.querySelector('.shelf-text'), shelved ? `Shelved by ${s?.by ?? '?'} at ${when(s?.at, at)}${s?.note ? `: “${s.note}”` : ''} — until ${when(alarm.shelved_until, at)},` : '');
    showLeft(row, at);

    const ackForm = el.querySelector('.ack-form');
    setHidden(ackForm, alarm.acknowledged);
    setAttr(ackForm.note, 'aria-label', `note for acknowledging ${alarm.code} of ${alarm.source}`);
    setHidden(el.querySelector('.shelve'), shelved);
    setAttr(el.querySelector('.shelve-form').reason, 'aria-label', `reason for shelving ${alarm.code} of ${alarm.source}`);
    setHidden(el.querySelector('.unshelve'), !shelved);
    showControl(el);
  }

  /** The shelving's time left on the rack's clock (it runs faster in a sped-up simulation). */
  function showLeft(row, at) {
    const left = row.el.querySelector('.shelf .left');
    const until = row.alarm.shelved_until;
    if (until === null || until === undefined) return setText(left, '');
    const ms = until - at;
    setData(left, 'ms', String(Math.max(0, Math.round(ms))));
    setText(left, ms > 0 ? `${duration(ms)} left` : 'ending…');
  }

  function showControl(el) {
    const ok = allowed();
    for (const b of el.querySelectorAll('button')) setUsable(b, ok, refusal());
    setAttr(el.querySelector('.shelve summary'), 'aria-disabled', String(!ok));
  }

  /** Puts `alarms`' rows into `into` in order, moving only those out of place (a moved row loses its focus). */
  function place(into, alarms, at) {
    let cursor = into.firstElementChild;
    for (const alarm of alarms) {
      const k = key(alarm);
      let row = rows.get(k);
      if (!row) {
        row = createRow(alarm);
        rows.set(k, row);
      }
      fillRow(row, alarm, at);
      if (row.el === cursor) cursor = cursor.nextElementSibling;
      else into.insertBefore(row.el, cursor);
    }
  }

  function render() {
    const at = now();
    const listed = book.listed();
    const shelved = book.shelved();
    const present = new Set(book.all().map(key));
    for (const [k, row] of rows) {
      if (present.has(k)) continue;
      row.el.remove();
      rows.delete(k);
    }
    place(list, listed, at);
    place(shelvedList, shelved, at);
    // A row that moved between the lists is already out of the other: nothing is left behind.
    const unacknowledged = book.unacknowledged();
    const total = listed.length + shelved.length;
    setData(panel, 'count', String(total));
    setData(panel, 'listed', String(listed.length));
    setData(panel, 'shelved', String(shelved.length));
    setData(panel, 'unacknowledged', String(unacknowledged.length));
    setData(panel, 'severity', listed[0] ? String(shownSeverity(listed[0])) : 'NONE');
    setHidden(list, listed.length === 0);
    setHidden(shelvedSection, shelved.length === 0);
    setHidden(none, listed.length > 0);
    setText(none, shelved.length ? 'No alarms besides the shelved ones' : 'No active alarms');
    setHidden(count, listed.length === 0);
    setText(count, `${listed.length} listed`);
    const countLook = `badge count ${listed.length ? severityClass(shownSeverity(listed[0])) : ''}`;
    if (count.className !== countLook) count.className = countLook;
    setHidden(unackCount, unacknowledged.length === 0);
    setText(unackCount, `${unacknowledged.length} unacknowledged`);
    setHidden(ackAll, unacknowledged.length === 0);
    setText(ackAll.querySelector('button'), unacknowledged.length > 1 ? `Acknowledge all (${unacknowledged.length})` : 'Acknowledge all');
    setHidden(controlNote, allowed() || total === 0);
    setText(controlNote, allowed() ? '' : refusal());
  }

  ackAll.addEventListener('submit', (e) => {
    e.preventDefault();
    const error = ackAll.querySelector('.form-error');
    const button = ackAll.querySelector('button');
    setText(error, '');
    button.disabled = true;
    const note = ackAll.note.value.trim();
    alarmAction('acknowledge', { all: true, ...(note ? { note } : {}) }).then((result) => {
      button.disabled = !allowed();
      if (!result.ok) return setText(error, result.error);
      ackAll.reset();
      book.load().catch(() => {});
    });
  });

  return {
    render,
    /** Every second of the rack's clock: the shelvings' time left. */
    tick(at) {
      for (const row of rows.values()) if (isShelved(row.alarm)) showLeft(row, at);
    },
    /** The page's rights (GET /api/session): without control the buttons are off, and the panel says why. */
    setControl(session) {
      control = session;
      const ok = allowed();
      for (const row of rows.values()) showControl(row.el);
      const button = ackAll.querySelector('button');
      setUsable(button, ok, refusal());
      render();
    },
  };
}
