// The HV rack as a hardware manager on the kit (src/kit/manager.ts): its blocks and voltmeters as
// the supervisor's children, with their instruments, the learned transfer of each output, the
// setpoint history, the metrics, the history routes and the operator's console. Everything a
// client sees of it goes through the kit's connectors.

import { join } from 'node:path';
import { sendParent, waitFor, type AnyActorRef } from 'xstate';
import { blockMachine, topState, type BlockContext, type CorrectionSettings } from '../../machines/block.machine.js';
import type { CheckSettings } from '../../machines/reading-judge.js';
import { blockChildId, supervisorMachine, voltmeterChildId, type ChildSpec } from '../../machines/supervisor.machine.js';
import { voltmeterMachine, type VoltmeterContext } from '../../machines/voltmeter.machine.js';
import type { ServerConfig } from '../../schemas/types.js';
import { DEADLINE_FLOOR_MS } from '../kit/clock/clock.js';
import { ConfigError } from '../kit/config/config-error.js';
import { atMost } from '../kit/connectors/connector-server.js';
import { throttledLogger } from '../kit/log/log-throttle.js';
import { connectorMachine } from '../kit/machines/connector.machine.js';
import type { HardwareManager, ManagerFactory } from '../kit/manager.js';
import { rackAlarmSources } from './alarms/block-alarms.js';
import { descriptorUsage } from './config/descriptor-usage.js';
import { TransferEstimator } from './control/transfer-estimator.js';
import { TransferStore } from './control/transfer-store.js';
import { blockInstrumentActors, configuredTransfer, learnFrom, type OutputChannel } from './devices/output-device.js';
import { voltmeterInstrumentActors } from './devices/voltmeter-device.js';
import { MEASUREMENT_MS } from './instruments/agilent-34401a.js';
import type { Instruments } from './instruments/create-instruments.js';
import { answerDetail } from './messages/answer-detail.js';
import { hvCommandParser } from './messages/parse-command.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { SetpointLog } from './storage/setpoint-log.js';
import { instrumentRoles, RACK_PAGES, rackRoutes } from './web/http-routes.js';
import { serverStatus } from './web/status.js';

/** The voltmeters integrate 100 power-line cycles (VOLT:NPLC 100 at 50 Hz). */
const INTEGRATION_MS = 2000;

export interface RackOptions {
  config: ServerConfig;
  /** The instruments to drive, built by the composition root (real or simulated). */
  instruments: Instruments;
  /** The connectors' ids, for the metrics. */
  connectors: string[];
}

function correctionSettings(c: ServerConfig['blocks'][number]['correction'], outputStepHv: number): CorrectionSettings {
  return {
    strategy: c.strategy,
    maxStepV: c.max_step_v,
    maxTotalV: c.max_total_v,
    hold: c.hold,
    // Above half the output's own step, or holding hunts between two steps it can never sit between.
    holdDeadbandV: Math.max(c.hold_deadband_v, 0.55 * outputStepHv),
    settleResidualV: c.settle_residual_v,
    responseTauMs: c.response_tau_s * 1000,
    integrationMs: INTEGRATION_MS,
  };
}

function checkSettings(c: ServerConfig['blocks'][number]['checks']): CheckSettings {
  return {
    noiseV: c.noise_v,
    noiseVPerKv: c.noise_v_per_kv,
    outlierSigmas: c.outlier_sigmas,
    outlierFloorV: c.outlier_floor_v,
    modelToleranceVPerKv: c.model_tolerance_v_per_kv,
    modelToleranceV: c.model_tolerance_v,
    implausibleV: c.implausible_v,
    tripFraction: c.trip_fraction,
    staleRepeats: c.stale_repeats,
    driftVPerMin: c.drift_v_per_min,
    driftWindow: c.drift_window,
  };
}

/**
 * `stepHv`: each block's output step in HV volts (its instrument's resolution at full scale).
 * `timeoutFloorMs`: the least a voltmeter's own time-out may last, in clock ms (a real-time floor at a raised time scale).
 */
function childSpecs(config: ServerConfig, stepHv: ReadonlyMap<number, number>, timeoutFloorMs = 0): ChildSpec[] {
  return [
    ...config.voltmeters.map((m): ChildSpec => ({
      id: voltmeterChildId(m.id),
      kind: 'voltmeter',
      // The machine's own limit is a safety net behind the driver's deadline (twice it, so the
      // driver's clearer reason comes first, also at a raised time scale where the deadline is held
      // to a real-time floor).
      // Its route: the blocks on its divider, by their child ids (where the supervisor registers them).
      input: {
        voltmeter: m.id,
        dividerRatio: m.divider_ratio,
        readingTimeoutMs: Math.max(m.reading_timeout_s * 2000, timeoutFloorMs),
        readingPeriodMs: MEASUREMENT_MS,
        blocks: config.blocks.filter((b) => b.voltmeter === m.id).map((b) => blockChildId(b.id)),
      },
    })),
    ...config.blocks.map((b): ChildSpec => ({
      id: blockChildId(b.id),
      kind: 'block',
      voltmeter: b.voltmeter,
      input: {
        block: b.id,
        name: b.name,
        settleMs: b.settle_s * 1000,
        correction: correctionSettings(b.correction, stepHv.get(b.id) ?? 0),
        checks: checkSettings(b.checks),
        outputCheckMs: b.checks.output_check_s * 1000,
        holdLimitV: b.checks.hold_limit_v,
        demandRange: [b.output.gain * b.output.min_volts + b.output.offset, b.output.gain * b.output.max_volts + b.output.offset].sort((x, y) => x - y) as [number, number],
      },
    })),
  ];
}

/** Resolves when no block has a command in flight (or after `ms` of real time at most). */
function blocksQuiet(supervisor: AnyActorRef, ms: number): Promise<void> {
  const children = (supervisor.getSnapshot() as { children: Record<string, AnyActorRef | undefined> }).children;
  const blocks = Object.entries(children).filter(([id, ref]) => id.startsWith('block-') && ref) as [string, AnyActorRef][];
  // Idle, or in alarm (which holds no command): nothing to wait for.
  const quiet = blocks.map(([, ref]) =>
    waitFor(ref, (s: { value: unknown; status: string }) => s.status !== 'active' || ['idle', 'alarm'].includes(topState(s.value)), { timeout: ms }).catch(() => {}),
  );
  return atMost(Promise.all(quiet), ms);
}

export function rackManager(options: RackOptions): ManagerFactory {
  return (kit): HardwareManager => {
    const { config, instruments } = options;
    const { clock, log, hub, readingsLog } = kit;
    const transferStore = new TransferStore(join(config.data_dir, 'transfer'), (message) => log.error(message), {
      health: kit.storageHealth('transfer-store'),
      clock,
    });
    const channels = new Map<number, OutputChannel>();
    for (const block of config.blocks) {
      const instrument = instruments.outputs.get(block.id);
      if (!instrument) throw new ConfigError(`configuration: block ${block.id} has no output instrument`);
      const learns = block.correction.strategy === 'ours' && block.correction.learn;
      const estimator = learns ? new TransferEstimator(configuredTransfer(block.output), transferStore.load(block.id)) : null;
      channels.set(block.id, { instrument, calibration: block.output, estimator, learnLimitV: block.correction.max_total_v });
    }
    const seriesOf = new Map(config.voltmeters.map((m) => [m.id, m.series]));
    const publishedAs = new Map(config.voltmeters.flatMap((m) => (m.publish_as ? [[m.id, m.publish_as] as const] : [])));
    /** The blocks each voltmeter measures: each reading is published as get_voltage of each. */
    const measuredBy = new Map(config.voltmeters.map((m) => [m.id, config.blocks.filter((b) => b.voltmeter === m.id).map((b) => b.id)]));
    const setpoints = new SetpointLog(readingsLog, (change) => hub.setpoint(change));
    const metrics = new ServerMetrics({
      blocks: config.blocks,
      connectors: options.connectors,
      hub,
      supervisor: () => kit.supervisor(),
      alarms: () => kit.alarms.list(),
      unacknowledged: () => kit.alarmBook.unacknowledgedBySeverity(),
      notifications: () => kit.notifications(),
    });
    const blocks = config.blocks.map((b) => ({ id: b.id, name: b.name, min_volts: b.min_volts, max_volts: b.max_volts, voltmeter: b.voltmeter }));
    // Read-only voltmeters shown by name (the electron gun): the page gives each a card of its own.
    const meters = config.voltmeters.flatMap((m) => (m.publish_as ? [{ id: m.publish_as, voltmeter: m.id }] : []));

    const deviceLog = log.child({ component: 'device' });
    const implausible = throttledLogger(deviceLog);
    const supervisorLog = log.child({ component: 'supervisor' });
    const machine = supervisorMachine.provide({
      actors: {
        block: blockMachine.provide({
          actors: blockInstrumentActors(channels, clock),
          actions: {
            reply: (_, { origin, message }) => {
              supervisorLog.info({ client: origin.client, answer: message }, 'answer');
              kit.answer(origin, message);
            },
            note: ({ context }, { message, fields }) => deviceLog.info({ block: context.block, ...fields }, `block ${context.block}: ${message}`),
            // A built-in send, run once the block's step is done: a custom action that sent to the
            // supervisor itself would run the supervisor's and the voltmeter's steps inside it.
            outputChanged: sendParent((_, { block, settleMs }: { block: number; settleMs: number }) => ({ type: 'OUTPUT_CHANGED', block, settleMs })),
            rememberOffset: ({ context }, { offset }) => {
              const channel = channels.get(context.block);
              if (channel?.lastOutputVolts !== undefined) channel.trusted = { outputVolts: channel.lastOutputVolts, offset };
            },
            learnTransfer: ({ context }, { reading }) => {
              const channel = channels.get(context.block);
              const outcome = learnFrom(channel, reading, clock.now());
              if (outcome === 'learned') transferStore.save(context.block, channel!.estimator!.stateLater);
              if (outcome === 'implausible') {
                implausible.warn(
                  { block: context.block, volts: reading.volts, output_volts: channel!.lastOutputVolts },
                  `block ${context.block}: reading ${reading.volts.toFixed(3)} V is more than ${channel!.learnLimitV} V from what output ${channel!.lastOutputVolts!.toFixed(6)} V should give; not learned (is the voltmeter right?)`,
                );
              }
            },
          },
        }),
        voltmeter: voltmeterMachine.provide({
          actors: voltmeterInstrumentActors(instruments.voltmeters),
          actions: {
            /** Every client gets get_voltage for each block the voltmeter measures (or under its publish_as name); the TSV log a row. */
            publishReading: (_, { reading }) => {
              const measured = measuredBy.get(reading.voltmeter) ?? [];
              void readingsLog.append(seriesOf.get(reading.voltmeter) ?? reading.voltmeter, reading.endedAt, reading.volts);
              for (const block of measured) hub.broadcast({ type: 'answer', answer_type: 'get_voltage', block, voltage: reading.volts });
              const label = measured.length === 0 ? publishedAs.get(reading.voltmeter) : undefined;
              if (label) hub.broadcast({ type: 'answer', answer_type: 'get_voltage', block: label, voltage: reading.volts });
              if (hub.hasObservers) for (const block of label ? [label] : measured) hub.reading({ block, voltage: reading.volts, at: reading.endedAt });
              deviceLog.debug({ voltmeter: reading.voltmeter, volts: reading.volts, raw: reading.raw }, 'reading');
            },
          },
        }),
      },
    });

    const outputStepHv = new Map([...channels].map(([id, ch]) => [id, Math.abs(ch.calibration.gain) * (ch.instrument.resolution?.(ch.calibration.max_volts) ?? 0)] as const));
    const instrumentOf = new Map<string, string>([
      ...config.blocks.map((b) => [blockChildId(b.id), b.output.resource] as const),
      ...config.voltmeters.map((m) => [voltmeterChildId(m.id), m.resource] as const),
    ]);
    /** A block's setpoint, with the tolerance of the command setting it, into the setpoint history. */
    const noteSetpoint = (c: BlockContext | undefined) => {
      if (!c) return;
      const command = c.inFlight?.command;
      // The command's tolerance goes with its setpoint, once that is taken (the command is in flight before).
      const tolerance = command?.command_type === 'set_voltage_and_check' && command.voltage === c.setpoint ? command.max_error : null;
      setpoints.observe(c.block, c.setpoint, tolerance, clock.now());
    };

    return {
      name: 'hv',
      parse: hvCommandParser(new Map(config.blocks.map((b) => [b.id, b]))),
      // The voltmeters' own time-outs stay beyond the drivers' real-time floors (a reading waits on two
      // deadlines, its command and its answer), so a raised scale slows readings down rather than restarting them.
      supervision: { machine, children: childSpecs(config, outputStepHv, kit.timeoutFloorMs(4 * DEADLINE_FLOOR_MS)) },
      machines: { supervisor: supervisorMachine, block: blockMachine, voltmeter: voltmeterMachine, connector: connectorMachine },
      alarmSources: rackAlarmSources((spec) => instrumentOf.get(spec.id) ?? null),
      childWaiting: (spec, snapshot) => {
        // A block reads its instrument's present output first, and answers a command busy (8) until it has.
        if (spec.kind === 'block') return snapshot && topState((snapshot as { value?: unknown }).value ?? '') === 'starting' ? `${spec.id} is reading its output's present value` : null;
        if (spec.kind !== 'voltmeter') return null;
        return (snapshot?.context as VoltmeterContext | undefined)?.lastReading ? null : `${spec.id} has not read yet`;
      },
      descriptors: descriptorUsage(config),
      status: (supervisor, alarms, status) => serverStatus(supervisor, alarms, { ...status, blocks, meters, setpoints: setpoints.current() }),
      route: rackRoutes({ config, clock, readingsLog, metrics }),
      pages: RACK_PAGES,
      answerDetail,
      roles: instrumentRoles(config),
      followedKinds: ['block'],
      childSnapshot: (id, snapshot) => {
        if (id.startsWith('block-')) noteSetpoint((snapshot as { context?: BlockContext }).context);
      },
      whenQuiet: blocksQuiet,
      summary: { blocks: config.blocks.map((b) => b.id) },
      stop: () => transferStore.close(),
    };
  };
}
