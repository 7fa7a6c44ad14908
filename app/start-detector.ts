// The composition root of the detector example: simulated counters for the configured modules,
// their back door, and the detector manager served by the kit.

import { DetectorSimulator } from '../detector/detector-simulator.js';
import type { DetectorConfig } from '../detector/detector-config.js';
import { detectorManager } from '../detector/detector-manager.js';
import { SimulatedCounter } from '../detector/simulated-counter.js';
import { serveManager, type Clock, type EarlyTcp, type LogFile, type Logger, type RunningManager } from '../src/kit/index.js';

export interface RunningDetector extends RunningManager {
  simulator: DetectorSimulator;
}

export async function startDetectorServer(options: { config: DetectorConfig; clock: Clock; log: Logger; logFile?: LogFile | null; earlyTcp?: EarlyTcp }): Promise<RunningDetector> {
  const { config, clock } = options;
  const counters = new Map(config.detector.modules.map((m) => [m.id, new SimulatedCounter(m.id, clock, { rateHz: m.simulation.rate_hz, seed: m.simulation.seed })]));
  const simulator = new DetectorSimulator(counters);
  const running = await serveManager(detectorManager({ config, counters }), { ...options, simulator, readingsColumn: 'rate_hz' });
  return { ...running, simulator };
}
