// The detector's counting modules as a hardware manager on the kit (src/kit/manager.ts): each
// module is an actor under the kit's supervisor; a client starts and stops acquisitions and asks
// for status over the same Envelope TCP and websocket connectors Online uses for the HV rack, and
// every interval's count rate is published to every client and logged as a time series.

import { fromPromise } from 'xstate';
import { actorsStatus, connectorMachine, type HardwareManager, type ManagerFactory, type Reply } from '../src/kit/index.js';
import type { DetectorConfig } from './detector-config.js';
import { detectorGuidance } from './detector-guidance.js';
import { detectorSupervisor, moduleChildId, type DetectorChildSpec } from './detector-supervisor.js';
import { moduleMachine, type CountRate, type ModuleContext } from './module.machine.js';
import { detectorCommandParser } from './parse-command.js';
import type { SimulatedCounter } from './simulated-counter.js';

export interface DetectorOptions {
  config: DetectorConfig;
  /** The counters the modules read, by module id. */
  counters: ReadonlyMap<string, SimulatedCounter>;
}

export function detectorManager(options: DetectorOptions): ManagerFactory {
  return (kit): HardwareManager => {
    const { config, counters } = options;
    const modules = config.detector.modules;
    const seriesOf = new Map(modules.map((m) => [m.id, m.series ?? m.id]));
    const log = kit.log.child({ component: 'detector' });

    const machine = detectorSupervisor.provide({
      actors: {
        module: moduleMachine.provide({
          actors: {
            readCounts: fromPromise<number, { module: string }>(async ({ input }) => {
              const counter = counters.get(input.module);
              if (!counter) throw new Error(`no counter is configured for module ${input.module}`);
              return counter.read();
            }),
          },
          actions: {
            reply: (_, { origin, message }: Reply) => {
              log.info({ client: origin.client, answer: message }, 'answer');
              kit.answer(origin, message);
            },
            publishRate: (_, rate: CountRate) => {
              const at = kit.clock.now();
              kit.hub.broadcast({ type: 'answer', answer_type: 'count_rate', module: rate.module, counts: rate.counts, interval_s: rate.intervalMs / 1000, rate_hz: rate.rateHz });
              void kit.readingsLog.append(seriesOf.get(rate.module) ?? rate.module, at, rate.rateHz);
            },
          },
        }),
      },
    });
    const children: DetectorChildSpec[] = modules.map((m) => ({
      id: moduleChildId(m.id),
      kind: 'module',
      input: { module: m.id, defaultIntervalMs: m.interval_s * 1000, rateLimitHz: m.rate_limit_hz },
    }));

    return {
      name: 'detector',
      parse: detectorCommandParser(new Set(modules.map((m) => m.id))),
      supervision: { machine, children },
      machines: { supervisor: detectorSupervisor, module: moduleMachine, connector: connectorMachine },
      alarmSources: {
        instrumentOf: (spec) => (spec.kind === 'module' ? `sim::${(spec.input as { module: string }).module}` : null),
        childAlarms: (spec, snapshot) =>
          spec.kind === 'module' ? ((snapshot as { context?: ModuleContext }).context?.alarms ?? []).map((a) => ({ ...a, status: 'HIGH' as const })) : [],
        guidance: detectorGuidance,
      },
      descriptors: { resources: [], series: [...seriesOf.values()] },
      status: (supervisor, alarms, status) => ({ ...status, modules: modules.map((m) => m.id), ...actorsStatus(supervisor, alarms) }),
      // The state charts are the console: the operator's HV page knows nothing of modules.
      followedKinds: ['module'],
      pages: { '/': 'debug.html' },
      roles: Object.fromEntries(modules.map((m) => [m.id, `counting module ${m.id}`])),
      summary: { modules: modules.map((m) => m.id) },
      stop: async () => {},
    };
  };
}
