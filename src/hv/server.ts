// The HV rack served by the kit: the rack manager (rack-manager.ts) on the kit's connectors,
// pages, alarms and storage. The instruments come from the composition root (app/), which also
// builds the simulated rack when the configuration asks for one.

import type { Actor } from 'xstate';
import type { supervisorMachine } from '../../machines/supervisor.machine.js';
import type { ServerConfig } from '../../schemas/types.js';
import type { Clock } from '../kit/clock/clock.js';
import type { LagSource } from '../kit/clock/time-keeping.js';
import type { EarlyTcp } from '../kit/connectors/early-tcp.js';
import type { LogFile } from '../kit/log/log-file.js';
import type { Logger } from '../kit/log/logger.js';
import { serveManager, TCP_CONNECTOR, WS_CONNECTOR, type RunningManager } from '../kit/serve-manager.js';
import type { SimulatorBackDoor } from '../kit/simulator-back-door.js';
import type { Instruments } from './instruments/create-instruments.js';
import { MEASUREMENT_MS } from './instruments/agilent-34401a.js';
import { rackManager } from './rack-manager.js';

export { TCP_CONNECTOR, WS_CONNECTOR };

export interface RackServerOptions {
  config: ServerConfig;
  clock: Clock;
  log: Logger;
  instruments: Instruments;
  /** The simulator's back door, when the instruments are simulated in this process. */
  simulator?: SimulatorBackDoor | null;
  /** Online's port, bound at process start before the server was loaded (early-tcp.ts). */
  earlyTcp?: EarlyTcp;
  /** The log file, whose write faults become an alarm like the readings log's. */
  logFile?: LogFile | null;
  /** Where time keeping measures the event loop on a scaled clock (real timers when left out; tests stub it). */
  lagSource?: LagSource;
}

export interface RunningRack extends Omit<RunningManager, 'supervisor'> {
  supervisor: Actor<typeof supervisorMachine>;
}

export async function startRackServer(options: RackServerOptions): Promise<RunningRack> {
  const { config } = options;
  const manager = rackManager({ config, instruments: options.instruments, connectors: [TCP_CONNECTOR, WS_CONNECTOR] });
  // `HV`: the column name Online's tools and the older servers' files have (PROTOCOL.md §6).
  const running = await serveManager(manager, { ...options, simulator: options.simulator ?? null, readingsColumn: 'HV', workCycleMs: MEASUREMENT_MS });
  return running as unknown as RunningRack;
}
