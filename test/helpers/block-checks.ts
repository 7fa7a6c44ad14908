// The reading checks as the config's defaults give them, an output that always operates, and a
// block that never corrects, for tests that build block machines by hand.
import { outputProber, type CorrectionSettings, type OutputState } from '../../machines/block.machine.js';
import type { CheckSettings } from '../../machines/reading-judge.js';

export const defaultChecks: CheckSettings = {
  noiseV: 0.0023,
  noiseVPerKv: 0.0001,
  outlierSigmas: 6,
  outlierFloorV: 0.05,
  modelToleranceVPerKv: 0.2,
  modelToleranceV: 2,
  implausibleV: 1,
  tripFraction: 0.5,
  staleRepeats: 6,
  driftVPerMin: 0.2,
  driftWindow: 8,
};

/** Checks, output probe period and probe for a block input. */
export const blockChecks = { checks: defaultChecks, outputCheckMs: 4000, holdLimitV: 1, demandRange: [-1e6, 1e6] as [number, number] };

export const alwaysOperating = (volts = 0) => outputProber(async (): Promise<OutputState> => ({ operating: true, volts }));

/** No correction and an instant supply: for tests about commands, freshness, timeouts and supervision. */
export const plainCorrection: CorrectionSettings = {
  strategy: 'none', maxStepV: 40, maxTotalV: 20, hold: false, holdDeadbandV: 0.01, settleResidualV: 0.003, responseTauMs: 0.001, integrationMs: 2000,
};
