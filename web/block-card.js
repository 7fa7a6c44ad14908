// One card per block (and one per read-only voltmeter, the electron gun): what the operator checks
// at a glance — the present reading, the setpoint, the deviation in mV against its band, how old
// the reading is (amber past 2 reading periods, red past 4), the state, and the active alarms of
// the block and of its voltmeter with their sentence and since when — above the linked plots and
// the command form. The card's border takes its most severe alarm's colour.

import { renderCardAlarm, severityClass } from './alarms.js';
import { COMMAND_FORM, wireCommandForm } from './command-form.js';
import { ReadingHistory } from './history-buffer.js';
import { plotPair } from './plots.js';
import { deviationText, readingPeriod, setpointAt } from './series.js';
import { duration } from './time-format.js';

/** The band when no command has named a tolerance, V. */
export const DEFAULT_TOLERANCE = 0.1;
/** Reading periods after which a reading is stale (amber), and after which it is lost (red). */
const STALE_PERIODS = 2;
const LOST_PERIODS = 4;

function topState(value) {
  if (value == null) return 'unknown';
  return typeof value === 'string' ? value : Object.keys(value)[0];
}

const GLANCE = (readOnly) => `
  <dl class="glance">
    <div class="fig fig-reading"><dt>Reading</dt><dd><span class="reading">—</span><span class="unit">V</span></dd></div>
    ${readOnly ? '' : `
    <div class="fig fig-setpoint"><dt>Setpoint</dt><dd><span class="setpoint">—</span><span class="unit">V</span></dd></div>
    <div class="fig fig-deviation" data-band="none"><dt>Deviation</dt><dd><span class="deviation">—</span><span class="unit">mV</span><span class="band"></span></dd></div>`}
    <div class="fig fig-age" data-freshness="none"><dt>Age</dt><dd><span class="age">—</span></dd></div>
  </dl>`;

const PLOT_TOOLS = `
  <div class="plot-tools" role="group">
    <button type="button" class="secondary" data-act="pan" data-dir="-1" aria-label="Earlier">◀</button>
    <button type="button" class="secondary" data-act="zoom-in" aria-label="Zoom in">+</button>
    <button type="button" class="secondary" data-act="zoom-out" aria-label="Zoom out">−</button>
    <button type="button" class="secondary" data-act="pan" data-dir="1" aria-label="Later">▶</button>
    <button type="button" class="secondary" data-act="reset">Reset zoom</button>
  </div>`;

export class BlockCard {
  /**
   * `block`: {id, name, min_volts, max_volts, voltmeter} from /api/status, or {id, voltmeter} of a
   * read-only voltmeter; `actions`: {send, note} for the command form.
   */
  constructor(container, block, { readOnly = false, actions = null } = {}) {
    this.block = block;
    this.readOnly = readOnly;
    this.state = 'unknown';
    this.alarms = [];
    this.setpoint = null;
    /** [ms, V] of the newest live reading: the figures show the present, whatever range the plots show. */
    this.lastReading = null;
    /** Whose alarms this card shows: the block's own and its voltmeter's. */
    this.sources = readOnly ? [`voltmeter-${block.voltmeter}`] : [`block-${block.id}`, `voltmeter-${block.voltmeter}`];
    this.history = new ReadingHistory(block.id, !readOnly);
    const el = document.createElement('article');
    el.className = 'card block-card';
    el.dataset.block = String(block.id);
    el.dataset.state = 'unknown';
    const titleId = `card-title-${block.id}`;
    el.setAttribute('aria-labelledby', titleId);
    // The markup is fixed; the server's names go in as text below.
    el.innerHTML = `
      <div class="card-head">
        <h2 id="${titleId}"><span class="title"></span> <span class="muted name"></span></h2>
        ${readOnly ? '<span class="badge">read-only</span>' : '<span class="badge state">unknown</span>'}
      </div>
      <div class="card-alarm" role="alert" hidden>
        <div class="card-alarm-head"><span class="sev"></span><b class="code"></b><span class="epics"></span><span class="since"></span></div>
        <div class="message"></div>
        <div class="more"></div>
      </div>
      ${GLANCE(readOnly)}
      ${PLOT_TOOLS}
      <div class="plot-area"></div>
      ${readOnly ? '' : COMMAND_FORM}`;
    const title = readOnly ? (block.id === 'gun' ? 'Electron gun' : String(block.id)) : `Block ${block.id}`;
    el.querySelector('.title').textContent = title;
    el.querySelector('.name').textContent = readOnly ? `voltmeter ${block.voltmeter}` : (block.name ?? '');
    el.querySelector('.plot-tools').setAttribute('aria-label', `Zoom and pan the plots of ${title}`);
    container.append(el);
    this.el = el;
    this.plots = plotPair(el.querySelector('.plot-area'), { key: `card-${block.id}`, deviation: !readOnly });
    for (const b of el.querySelectorAll('.plot-tools button')) {
      b.addEventListener('click', () => {
        const act = b.dataset.act;
        if (act === 'pan') this.plots.pan(Number(b.dataset.dir));
        else if (act === 'zoom-in') this.plots.zoomIn();
        else if (act === 'zoom-out') this.plots.zoomOut();
        else this.plots.resetZoom();
      });
    }
    if (!readOnly && actions) wireCommandForm(el, block, actions);
    this.showAlarms([]);
  }

  /** The tolerance now: the setpoint's own, or the default band. */
  get tolerance() {
    return this.history.setpoints.at(-1)?.[2] ?? DEFAULT_TOLERANCE;
  }

  addReading(at, volts) {
    this.history.addReading(at, volts);
    if (!this.lastReading || at >= this.lastReading[0]) this.lastReading = [at, volts];
  }

  addSetpoint(at, volts, tolerance) {
    this.history.addSetpoint(at, volts, tolerance);
    this.setpoint = volts;
  }

  /** The block actor from /api/status: its state and setpoint. */
  fromStatus(actor) {
    if (!actor) return;
    if (typeof actor.setpoint === 'number') this.setpoint = actor.setpoint;
    this.setState(actor.supervision?.status === 'running' ? actor.state : 'error');
  }

  /** The state badge: data-state is the machine's state as it is; a block with an alarm never shows idle. */
  setState(state) {
    this.state = state;
    this.el.dataset.state = state;
    const badge = this.el.querySelector('.badge.state');
    if (!badge) return;
    const top = this.alarms[0];
    const look = top && (state === 'idle' || state === 'unknown') ? 'alarm' : state;
    badge.textContent = look;
    badge.className = `badge state ${look}${top ? ` alarmed ${severityClass(top.severity)}` : ''}`;
  }

  setInspectedState(value, done) {
    this.setState(done ? 'error' : topState(value));
  }

  /** Every active alarm of the rack, most severe first: this card keeps those of its sources. */
  showAlarms(all) {
    this.alarms = all.filter((a) => this.sources.includes(a.source));
    renderCardAlarm(this.el, this.alarms);
    this.setState(this.state);
  }

  /** The figures at a glance, for clock time `now` (server ms). Unchanged text is left alone: nothing re-lays out. */
  renderGlance(now) {
    const q = (s) => this.el.querySelector(s);
    const set = (selector, text) => {
      const el = q(selector);
      if (el.textContent !== text) el.textContent = text;
    };
    const last = this.lastReading ?? (this.history.day ? null : (this.history.points.at(-1) ?? null));
    set('.reading', last ? last[1].toFixed(3) : '—');
    if (!this.readOnly) {
      set('.setpoint', this.setpoint === null ? '—' : this.setpoint.toFixed(3));
      const fig = q('.fig-deviation');
      const tolMv = this.tolerance * 1000;
      set('.band', `band ±${Math.round(tolMv)} mV`);
      const sp = last ? setpointAt(this.history.setpoints, last[0]) : null;
      const mv = last && (sp || this.setpoint !== null) ? (last[1] - (sp ? sp[1] : this.setpoint)) * 1000 : null;
      const [text, unit] = deviationText(mv);
      set('.deviation', text);
      set('.fig-deviation .unit', unit);
      fig.dataset.band = mv === null ? 'none' : Math.abs(mv) <= tolMv ? 'in' : 'out';
    }
    const ageFig = q('.fig-age');
    const at = last?.[0] ?? null;
    if (at === null) {
      set('.age', '—');
      ageFig.dataset.freshness = 'none';
    } else {
      const age = Math.max(0, now - at);
      const period = readingPeriod(this.history.points);
      set('.age', duration(age));
      ageFig.dataset.freshness = age > LOST_PERIODS * period ? 'lost' : age > STALE_PERIODS * period ? 'stale' : 'fresh';
    }
    this.el.dataset.freshness = ageFig.dataset.freshness;
  }

  redraw(now) {
    this.history.trim(now);
    this.plots.update({ points: this.history.points, setpoints: this.history.setpoints, tolerance: DEFAULT_TOLERANCE, view: this.history.view(now) });
  }
}
