// One card's readings and setpoints for the range on show: the history from /api/history and the
// live readings from the channel, merged in time order. Live readings that arrive while a history
// request is on its way wait in a buffer and join it when it comes, so neither order of arrival
// can put a point out of place; a request overtaken by a newer one (the range changed) is dropped.

import { dropBefore, mergeByTime } from './series.js';

export class ReadingHistory {
  constructor(id, withSetpoints) {
    this.id = id;
    this.withSetpoints = withSetpoints;
    /** [[ms, V]], sorted. */
    this.points = [];
    /** [[ms, V, tolerance V or null]], sorted; the first may be before the range (in force at its start). */
    this.setpoints = [];
    this.range = { live: 3600_000 };
    this.loading = false;
    this.pending = [];
    this.pendingSetpoints = [];
    this.generation = 0;
    /** [from, to] ms of a day on show. */
    this.day = null;
  }

  /** What the plots show now, ms. */
  view(now) {
    return this.day ?? [now - this.range.live, now];
  }

  addReading(at, volts) {
    if (this.loading) this.pending.push([at, volts]);
    else if (this.accepts(at)) this.points = mergeByTime(this.points, [[at, volts]]);
  }

  addSetpoint(at, volts, tolerance) {
    if (this.loading) this.pendingSetpoints.push([at, volts, tolerance]);
    else this.setpoints = mergeByTime(this.setpoints, [[at, volts, tolerance]]);
  }

  /** Readings older than the range are let go (a live range slides); the setpoint in force stays. */
  trim(now) {
    if (this.day) return;
    const from = now - this.range.live;
    dropBefore(this.points, from);
    dropBefore(this.setpoints, from, true);
  }

  accepts(at) {
    return !this.day || (at >= this.day[0] && at <= this.day[1]);
  }

  /** Loads `range` ({live: ms} or {day}); resolves true once its data replaced the old, false when overtaken. */
  async load(range, now) {
    const generation = ++this.generation;
    this.loading = true;
    const query = range.day
      ? `day=${encodeURIComponent(range.day)}`
      : `from=${Math.floor(now - range.live)}&to=${Math.ceil(now)}`;
    let body = null;
    try {
      const res = await fetch(`/api/history?block=${encodeURIComponent(this.id)}&${query}`);
      if (res.ok) body = await res.json();
    } finally {
      if (generation === this.generation) this.loading = false;
    }
    if (generation !== this.generation) return false;
    const waiting = this.pending;
    const waitingSetpoints = this.pendingSetpoints;
    this.pending = [];
    this.pendingSetpoints = [];
    if (body) {
      this.range = range;
      this.day = range.day ? [body.from, body.to] : null;
    }
    // Without an answer (the server went away) the range and the points already here stay, with what came meanwhile.
    this.points = mergeByTime(body ? body.points : this.points, waiting.filter(([at]) => this.accepts(at)));
    this.setpoints = mergeByTime(body ? body.setpoints : this.setpoints, waitingSetpoints);
    return body !== null;
  }
}
