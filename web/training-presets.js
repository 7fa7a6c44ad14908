// Ready-made scenarios for a training session: a few faults, some of them after a delay in the
// rack's time, that make a situation an operator must recognise. The delays are kept by this page:
// it must stay open until they have run (the list says what is still to come).

/** The simulated voltmeter on block `block`'s divider, by the roles GET /api/training gives. */
function meterOf(status, block) {
  return Object.entries(status.roles ?? {}).find(([, role]) => role.startsWith('voltmeter') && role.includes(`(block ${block})`))?.[0] ?? null;
}

export const PRESETS = [
  {
    id: 'trip-during-run',
    title: 'Supply trip during a run',
    text: "Block 1's supply trips 20 s (of the rack's time) from now, as in the middle of a scan. The trainee should see the alarm, find the cause, and bring the block back with a command once the supply is recovered.",
    steps: () => [{ afterS: 20, command: { cmd: 'trip', block: 1 }, what: 'block 1 supply trips' }],
  },
  {
    id: 'frozen-at-night',
    title: 'Frozen voltmeter at night',
    text: "Block 1's voltmeter keeps repeating its last reading: nothing moves, as on a quiet night shift. The block should raise READING_STALE after 6 identical readings; the trainee should notice the age and the alarm, not the calm plot.",
    steps: (status) => {
      const meter = meterOf(status, 1);
      return meter ? [{ afterS: 0, command: { cmd: 'freeze', device: meter }, what: `${meter} frozen` }] : [];
    },
  },
  {
    id: 'slow-drift',
    title: 'A divider drifting slowly',
    text: "Block 1's voltmeter drifts +0.2 V/min: the block follows it at first (holding), until its hold limit stops it with HOLD_LIMIT. The trainee should tell a drifting meter from a drifting supply.",
    steps: (status) => {
      const meter = meterOf(status, 1);
      return meter ? [{ afterS: 0, command: { cmd: 'meter_drift', device: meter, volts_per_min: 0.2 }, what: `${meter} drifts +0.2 V/min` }] : [];
    },
  },
];
