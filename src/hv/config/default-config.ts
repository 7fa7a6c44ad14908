// The rack as it is when no config file names it: block 1 (main, 0–25 kV, Fluke 5502E) on
// divider 1, block 2 (shift, 0–1 kV, ADAM analog output) on divider 2, and the electron gun's
// read-only voltmeter (divider ×2025.4) (PROTOCOL.md §6),
// every instrument a simulator in this process (`sim::NAME`), reached through its real driver.

export const DEFAULT_BLOCKS = [
  {
    id: 1,
    name: 'main',
    min_volts: 0,
    max_volts: 25000,
    voltmeter: 'divider-1',
    output: { driver: 'fluke-5502e', resource: 'sim::calibrator', gain: 3500.5, offset: 1.26, min_volts: 0, max_volts: 10 },
    // The simulated supply is the one fitted to the calibration runs (day 29.11.2022), not the
    // configured straight line: the block has to find the difference, as in the lab.
    simulation: { model: 'fitted', day: 2 },
  },
  {
    id: 2,
    name: 'shift',
    min_volts: 0,
    max_volts: 1000,
    voltmeter: 'divider-2',
    output: { driver: 'adam-4024', resource: 'sim::ao', address: 1, gain: 100, offset: 0, min_volts: 0, max_volts: 10 },
  },
];

export const DEFAULT_VOLTMETERS = [
  {
    id: 'divider-1',
    driver: 'agilent-34401a',
    resource: 'sim::voltmeter-1',
    divider_ratio: -4050.65,
    series: 'HV',
    simulation: { seed: 1, outlier_rate: 0.0074 },
  },
  { id: 'divider-2', driver: 'agilent-34401a', resource: 'sim::voltmeter-2', divider_ratio: -2025.7, series: 'HV2', simulation: { seed: 2 } },
  // The electron gun's voltage, read-only: shown to the operator and logged, not a block.
  {
    id: 'gun',
    driver: 'agilent-34401a',
    resource: 'sim::voltmeter-gun',
    divider_ratio: 2025.4,
    series: 'GUN',
    publish_as: 'gun',
    simulation: { seed: 3, constant_hv_volts: 18000 },
  },
];
