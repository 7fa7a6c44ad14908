// The composition root of the HV server: from a configuration to a running server. It builds the
// instruments (simulated in this process for `sim::NAME` resources, through their transports
// otherwise) and the simulator's back door, and serves the rack on the kit. Only this layer
// knows both the simulator (sim/) and the server (src/); neither knows the other.

import type { ServerConfig } from '../schemas/types.js';
import { SimulatorControl } from '../sim/control/simulator-control.js';
import { SimulatedRack } from '../sim/simulated-rack.js';
import type { Clock } from '../src/kit/clock/clock.js';
import type { LagSource } from '../src/kit/clock/time-keeping.js';
import type { EarlyTcp } from '../src/kit/connectors/early-tcp.js';
import type { LogFile } from '../src/kit/log/log-file.js';
import type { Logger } from '../src/kit/log/logger.js';
import { isSimulated, rackResources } from '../src/hv/config/check-resources.js';
import { createInstruments, type Instruments } from '../src/hv/instruments/create-instruments.js';
import { startRackServer, type RunningRack } from '../src/hv/server.js';

export { TCP_CONNECTOR, WS_CONNECTOR } from '../src/hv/server.js';

export interface ServerOptions {
  config: ServerConfig;
  clock: Clock;
  log: Logger;
  /** Instruments to drive; built from the config's resources when left out. */
  instruments?: Instruments;
  /** Online's port, bound at process start before the server was loaded (early-tcp.ts). */
  earlyTcp?: EarlyTcp;
  /** The log file, whose write faults become an alarm like the readings log's. */
  logFile?: LogFile | null;
  /** Where time keeping measures the event loop on a scaled clock (real timers when left out; tests stub it). */
  lagSource?: LagSource;
}

export interface RunningServer extends RunningRack {
  /** The simulated rack, when instruments are simulated in this process. */
  rack: SimulatedRack | null;
  /** Its back door (faults, time scale): for tests and the training page. */
  control: SimulatorControl | null;
}

/** Whether any instrument of the configuration is simulated in this process (`sim::NAME`). */
export function usesSimulator(config: Pick<ServerConfig, 'blocks' | 'voltmeters'>): boolean {
  return rackResources(config).some(isSimulated);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, clock, log } = options;
  // Simulated instruments (`sim::NAME` resources) live in this process, on the server's clock.
  const rack = usesSimulator(config) ? new SimulatedRack(config.blocks, config.voltmeters, clock) : null;
  const instruments =
    options.instruments ?? createInstruments(config, { clock, simEndpoints: rack?.endpoints ?? new Map(), visaLibrary: config.instruments.visa_library });
  const simLog = log.child({ component: 'simulator' });
  const control = rack
    ? new SimulatorControl(
        rack.devices,
        clock as Clock & { setTimeScale?: (k: number) => void },
        { changed: (command) => simLog.warn({ command }, `simulator: ${JSON.stringify(command)}`) },
        rack.plants,
      )
    : null;
  const running = await startRackServer({ ...options, instruments, simulator: control });
  return { ...running, rack, control };
}
