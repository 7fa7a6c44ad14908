// The composition root of the detector example: simulated counters for the configured modules,
// their back door, and the detector manager served by the kit.

import { DetectorSimulator } from '../detector/detector-simulator.js';
import type { DetectorConfig } from '../detector/detector-config.js';
import { detectorManager } from '../detector/detector-manager.js';
import { SimulatedCounter } from '../detector/simulated-counter.js';
import type { Clock } from '../src/kit/clock/clock.js';
import type { EarlyTcp } from '../src/kit/connectors/early-tcp.js';
import type { LogFile } from '../src/kit/log/log-file.js';
import type { Logger } from '../src/kit/log/logger.js';
import { serveManager, type RunningManager } from '../src/kit/serve-manager.js';

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
