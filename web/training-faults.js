// What the instructor can do to each simulated instrument, by what kind of instrument it is, and
// which faults are active now with the command that clears each: from GET /api/training
// ({devices, supplies, roles}). Plain data: the page draws it.

/** The actions for one device, from its description: [label, command, danger?]. */
export function deviceActions(name, device) {
  const fault = (f, on) => ({ cmd: 'fault', device: name, fault: f, on });
  const actions = [
    ['Drop off the bus', fault('offline', true)],
    ['Stop answering', fault('timeout', true)],
    ['Answer garbage', fault('garbage', true)],
  ];
  if ('queued_errors' in device) actions.push(['Queue an error', { cmd: 'push_error', device: name, code: -222, text: 'Data out of range' }]);
  if ('operating' in device) actions.push(['Standby (front panel)', { cmd: 'standby', device: name }]);
  if ('reading_faults' in device) {
    actions.push(
      ['Freeze the reading', { cmd: 'freeze', device: name }],
      ['Spike +5 V', { cmd: 'spike', device: name, volts: 5, readings: 1 }],
      ['Noise burst 0.5 V ×10', { cmd: 'noise_burst', device: name, volts: 0.5, readings: 10 }],
      ['Offset +50 mV', { cmd: 'offset', device: name, volts: 0.05 }],
      ['Offset +5 V', { cmd: 'offset', device: name, volts: 5 }],
      ['Meter drift +0.2 V/min', { cmd: 'meter_drift', device: name, volts_per_min: 0.2 }],
      ['Meter drift +1 V/min', { cmd: 'meter_drift', device: name, volts_per_min: 1 }],
    );
  }
  return actions;
}

/** A block's supply: trip and drift. */
export function supplyActions(block) {
  const b = Number(block);
  return [
    ['Trip', { cmd: 'trip', block: b }, true],
    ['Drift +0.5 V/min', { cmd: 'drift', block: b, volts_per_min: 0.5 }],
    ['Drift −2 V/min', { cmd: 'drift', block: b, volts_per_min: -2 }],
  ];
}

const FAULT_WORDS = { offline: 'off the bus', timeout: 'not answering', garbage: 'answering garbage' };

/**
 * Every active fault as {key, what, clear}: `clear` the command that undoes it, or null with
 * `note` saying what does (a calibrator in standby: only the operator's next command).
 */
export function activeFaults(status) {
  const out = [];
  for (const [name, d] of Object.entries(status.devices ?? {})) {
    for (const [f, on] of Object.entries(d.faults ?? {})) {
      if (on) out.push({ key: `${name}/${f}`, what: `${name} ${FAULT_WORDS[f] ?? f}`, clear: { cmd: 'fault', device: name, fault: f, on: false } });
    }
    if (d.queued_errors > 0) out.push({ key: `${name}/errors`, what: `${name}: ${d.queued_errors} error${d.queued_errors > 1 ? 's' : ''} queued`, clear: { cmd: 'clear_errors', device: name } });
    const r = d.reading_faults;
    if (r) {
      if (r.frozen !== null) out.push({ key: `${name}/frozen`, what: `${name} frozen (repeats ${r.frozen} V)`, clear: { cmd: 'freeze', device: name, raw: null } });
      if (r.spikeReadings > 0 && r.spikeVolts !== 0) out.push({ key: `${name}/spike`, what: `${name} spike ${signed(r.spikeVolts)} V, ${r.spikeReadings} reading(s) left`, clear: { cmd: 'spike', device: name, volts: 0, readings: 1 } });
      if (r.burstReadings > 0 && r.burstVolts !== 0) out.push({ key: `${name}/burst`, what: `${name} noise burst ${r.burstVolts} V, ${r.burstReadings} reading(s) left`, clear: { cmd: 'noise_burst', device: name, volts: 0, readings: 1 } });
      if (r.offsetVolts !== 0) out.push({ key: `${name}/offset`, what: `${name} offset ${signed(r.offsetVolts)} V`, clear: { cmd: 'offset', device: name, volts: 0 } });
      if (r.driftVoltsPerMin !== 0) out.push({ key: `${name}/drift`, what: `${name} drifting ${signed(r.driftVoltsPerMin)} V/min`, clear: { cmd: 'meter_drift', device: name, volts_per_min: 0 } });
    }
    // Not a fault of the instructor's making necessarily (a rack at rest is in standby): shown, not counted.
    if (d.operating === false) out.push({ key: `${name}/standby`, what: `${name} output in standby`, clear: null, info: true, note: "the operator's next command switches it on" });
  }
  for (const [block, s] of Object.entries(status.supplies ?? {})) {
    if (s.tripped) out.push({ key: `supply-${block}/trip`, what: `block ${block} supply tripped`, clear: { cmd: 'trip', block: Number(block), on: false } });
    if (s.drift_volts_per_min) out.push({ key: `supply-${block}/drift`, what: `block ${block} supply drifting ${signed(s.drift_volts_per_min)} V/min`, clear: { cmd: 'drift', block: Number(block), volts_per_min: 0 } });
  }
  return out;
}

/** Which devices have an active fault (for their card's border). */
export function faultyDevices(faults) {
  return new Set(faults.filter((f) => !f.info).map((f) => f.key.split('/')[0]));
}

function signed(v) {
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v)}`;
}
