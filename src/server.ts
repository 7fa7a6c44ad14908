// Puts the server together from its config: instruments, supervisor with its children,
// connectors, readings log and sync; and takes it apart again in the order that loses nothing.

import { join, resolve } from 'node:path';
import { createActor, waitFor, type Actor, type AnyActorRef } from 'xstate';
import { blockMachine, topState, type BlockContext, type CorrectionSettings } from '../machines/block.machine.js';
import { connectorMachine } from '../machines/connector.machine.js';
import type { CheckSettings } from '../machines/reading-judge.js';
import { blockChildId, supervisorMachine, voltmeterChildId, type ChildSpec } from '../machines/supervisor.machine.js';
import { voltmeterMachine } from '../machines/voltmeter.machine.js';
import type { Origin } from '../machines/types.js';
import type { ServerConfig } from '../schemas/types.js';
import { SimulatorControl } from '../sim/control/simulator-control.js';
import { SimulatedRack } from '../sim/simulated-rack.js';
import { AccessControl } from './access/access-control.js';
import { AccessPolicy } from './access/access-policy.js';
import { AuditTrail } from './access/audit-trail.js';
import { AlarmLog } from './alarms/alarm-log.js';
import { AlarmTable, currentAlarms, type Alarm } from './alarms/alarm-table.js';
import { DEADLINE_FLOOR_MS, type Clock } from './clock/clock.js';
import type { LagSource } from './clock/time-keeping.js';
import { ConfigError } from './config/load-config.js';
import { ClientHub } from './connectors/client-hub.js';
import { httpLimits, startBudget } from './connectors/connection-budget.js';
import type { EarlyTcp } from './connectors/early-tcp.js';
import { atMost, connectorActors, type ConnectorServices } from './connectors/connector-server.js';
import { TcpConnector } from './connectors/tcp-connector.js';
import { WsConnector } from './connectors/ws-connector.js';
import { TransferEstimator } from './control/transfer-estimator.js';
import { TransferStore } from './control/transfer-store.js';
import { blockInstrumentActors, configuredTransfer, learnFrom, type OutputChannel } from './devices/output-device.js';
import { voltmeterInstrumentActors } from './devices/voltmeter-device.js';
import { MEASUREMENT_MS } from './instruments/agilent-34401a.js';
import { createInstruments, type Instruments } from './instruments/create-instruments.js';
import { ClientLogThrottle } from './log/client-log-throttle.js';
import type { LogFile } from './log/log-file.js';
import type { Logger } from './log/logger.js';
import { throttledLogger } from './log/log-throttle.js';
import { checkDataDir } from './storage/check-data-dir.js';
import { ReadingsLog } from './storage/readings-log.js';
import { SetpointLog } from './storage/setpoint-log.js';
import { storageAlarm } from './storage/storage-health.js';
import { SyncCommand } from './storage/sync-command.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { httpRoutes } from './web/http-routes.js';
import { followBlocks, inspectWhileObserved } from './server-watch.js';
import { keepTime } from './server-time-keeping.js';

export const TCP_CONNECTOR = 'tcp';
/** Alarm changes kept for a page opened later (GET /api/alarm-log). */
const ALARM_LOG_ENTRIES = 500;
export const WS_CONNECTOR = 'ws';

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

export interface RunningServer {
  tcp: { host: string; port: number };
  http: { host: string; port: number };
  supervisor: Actor<typeof supervisorMachine>;
  hub: ClientHub;
  readingsLog: ReadingsLog;
  /** Active alarms of every block and instrument. */
  alarms: AlarmTable;
  /** The simulated rack, when instruments are simulated in this process. */
  rack: SimulatedRack | null;
  /** Its back door (faults, time scale): for tests and the training page. */
  control: SimulatorControl | null;
  /** Who set what: commands, training actions and refusals. */
  audit: AuditTrail;
  /** Stops accepting, ends commands in flight, closes clients, flushes the readings, runs the sync. */
  stop(reason?: string): Promise<void>;
}

/** The voltmeters integrate 100 power-line cycles (VOLT:NPLC 100 at 50 Hz). */
const INTEGRATION_MS = 2000;

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
      input: { voltmeter: m.id, dividerRatio: m.divider_ratio, readingTimeoutMs: Math.max(m.reading_timeout_s * 2000, timeoutFloorMs), readingPeriodMs: MEASUREMENT_MS },
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
    { id: TCP_CONNECTOR, kind: 'connector', input: { connector: TCP_CONNECTOR } },
    { id: WS_CONNECTOR, kind: 'connector', input: { connector: WS_CONNECTOR } },
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

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, clock, log } = options;
  // Read first (it reads the token file): a bad entry stops the server before any instrument is opened.
  const policy = AccessPolicy.fromConfig(config.access, config.http.host);
  if (!(policy instanceof AccessPolicy)) throw new ConfigError(`configuration: ${policy.message}`);
  checkDataDir(config.data_dir);
  // Storage faults are alarms, raised from the first write on.
  const alarms = new AlarmTable(log.child({ component: 'alarms' }), () => clock.now());
  const storageLog = log.child({ component: 'storage' });
  options.logFile?.watch(storageAlarm(alarms, 'log-file', storageLog));
  // Simulated instruments (`sim::NAME` resources) live in this process, on the server's clock.
  const usesSim = [...config.blocks.map((b) => b.output.resource), ...config.voltmeters.map((m) => m.resource)].some((r) => /^sim::/i.test(r));
  const rack = usesSim ? new SimulatedRack(config.blocks, config.voltmeters, clock) : null;
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
  const transferStore = new TransferStore(join(config.data_dir, 'transfer'), (message) => log.error(message), {
    health: storageAlarm(alarms, 'transfer-store', storageLog),
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

  const hub = new ClientHub(log.child({ component: 'hub' }));
  const audit = new AuditTrail(config.access.audit_entries, () => clock.now(), log.child({ component: 'audit' }), (entry) => hub.audit(entry));
  const access = new AccessControl(policy, audit, hub);
  // Every answer and error reply to a command goes out through here, completing its audit entry.
  const answer = (origin: Origin, message: Record<string, unknown>) => {
    audit.settle(origin, message);
    hub.deliver(origin, message);
  };
  const readingsLog = new ReadingsLog({
    dataDir: config.data_dir,
    virtual: config.sim,
    backlogRows: config.readings_log.backlog_rows,
    clock,
    health: storageAlarm(alarms, 'readings-log', storageLog),
    // A clock with no time scale runs as fast as the machine allows (hv-sim day): rows go to the disk five simulated minutes at a time.
    coalesceMs: Number.isFinite(clock.timeScale) ? 0 : 300_000,
  });
  const seriesOf = new Map(config.voltmeters.map((m) => [m.id, m.series]));
  const publishedAs = new Map(config.voltmeters.flatMap((m) => (m.publish_as ? [[m.id, m.publish_as] as const] : [])));
  const blocks = new Map(config.blocks.map((b) => [b.id, b]));
  const connectorLog = log.child({ component: 'connector' });
  const alarmLog = new AlarmLog(ALARM_LOG_ENTRIES, () => clock.now());
  alarms.onChange((change, alarm) => {
    const entry = alarmLog.add(change, alarm);
    hub.alarm({ change, alarm, alarms: alarms.list(), at: entry.at });
  });
  const setpoints = new SetpointLog(readingsLog, (change) => hub.setpoint(change));
  let supervisorRef: Actor<typeof supervisorMachine> | null = null;
  const whenQuiet = () => (supervisorRef ? blocksQuiet(supervisorRef, 10_000) : Promise.resolve());
  const metrics = new ServerMetrics({
    blocks: config.blocks,
    connectors: [TCP_CONNECTOR, WS_CONNECTOR],
    hub,
    supervisor: () => supervisorRef,
    alarms: () => alarms.list(),
  });
  const httpHandler = httpRoutes({
    metrics,
    config,
    clock,
    hub,
    readingsLog,
    control: () => control,
    supervisor: () => supervisorRef,
    alarms: () => alarms.list(),
    alarmLog: () => alarmLog.list(),
    setpoints: () => setpoints.current(),
    timeKeeping: () => timeKeeping?.status() ?? null,
    machines: { supervisor: supervisorMachine, block: blockMachine, voltmeter: voltmeterMachine, connector: connectorMachine },
    log: log.child({ component: 'http' }),
    access,
  });
  const intake = { hub, blocks, log: connectorLog, access, throttle: new ClientLogThrottle(() => clock.now()) };
  const limits = config.limits;
  const budget = startBudget(config, connectorLog);
  const servers = new Map<string, ConnectorServices>([
    [
      TCP_CONNECTOR,
      new TcpConnector(
        {
          id: TCP_CONNECTOR,
          ...config.tcp,
          maxMessageBytes: limits.max_message_bytes,
          sendQueueBytes: limits.client_send_queue_bytes,
          maxClients: budget.tcp.maxConnections,
          maxClientsPerAddress: budget.tcp.maxPerAddress,
          whenQuiet,
          early: options.earlyTcp,
        },
        { ...intake, clock },
      ),
    ],
    [
      WS_CONNECTOR,
      new WsConnector(
        {
          id: WS_CONNECTOR,
          ...config.http,
          maxMessageBytes: limits.max_message_bytes,
          sendQueueBytes: limits.client_send_queue_bytes,
          maxClients: budget.websocket.maxClients,
          maxClientsPerAddress: budget.websocket.maxClientsPerAddress,
          httpLimits: httpLimits(config, budget),
          whenQuiet,
          http: (req, res) => void httpHandler(req, res),
        },
        intake,
      ),
    ],
  ]);

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
            answer(origin, message);
          },
          note: ({ context }, { message, fields }) => deviceLog.info({ block: context.block, ...fields }, `block ${context.block}: ${message}`),
          outputChanged: (_, { block, settleMs }) => supervisorRef?.send({ type: 'OUTPUT_CHANGED', block, settleMs }),
          rememberOffset: ({ context }, { offset }) => {
            const channel = channels.get(context.block);
            if (channel?.lastOutputVolts !== undefined) channel.trusted = { outputVolts: channel.lastOutputVolts, offset };
          },
          learnTransfer: ({ context }, { reading }) => {
            const channel = channels.get(context.block);
            const outcome = learnFrom(channel, reading, clock.now());
            if (outcome === 'learned') transferStore.save(context.block, channel!.estimator!.state);
            if (outcome === 'implausible') {
              implausible.warn(
                { block: context.block, volts: reading.volts, output_volts: channel!.lastOutputVolts },
                `block ${context.block}: reading ${reading.volts.toFixed(3)} V is more than ${channel!.learnLimitV} V from what output ${channel!.lastOutputVolts!.toFixed(6)} V should give; not learned (is the voltmeter right?)`,
              );
            }
          },
        },
      }),
      voltmeter: voltmeterMachine.provide({ actors: voltmeterInstrumentActors(instruments.voltmeters) }),
      connector: connectorMachine.provide({ actors: connectorActors(servers) }),
    },
    actions: {
      reply: (_, { origin, message }) => {
        supervisorLog.info({ client: origin.client, reply: message }, `refused: ${String(message.description)}`);
        answer(origin, message);
      },
      publishReading: (_, { reading, blocks: measured }) => {
        void readingsLog.append(seriesOf.get(reading.voltmeter) ?? reading.voltmeter, reading.endedAt, reading.volts);
        for (const block of measured) hub.broadcast({ type: 'answer', answer_type: 'get_voltage', block, voltage: reading.volts });
        const label = measured.length === 0 ? publishedAs.get(reading.voltmeter) : undefined;
        if (label) hub.broadcast({ type: 'answer', answer_type: 'get_voltage', block: label, voltage: reading.volts });
        if (hub.hasObservers) for (const block of label ? [label] : measured) hub.reading({ block, voltage: reading.volts, at: reading.endedAt });
        deviceLog.debug({ voltmeter: reading.voltmeter, volts: reading.volts, raw: reading.raw }, 'reading');
      },
      note: (_, { level, message, child }) => supervisorLog[level]({ child }, message),
    },
  });

  const outputStepHv = new Map([...channels].map(([id, ch]) => [id, Math.abs(ch.calibration.gain) * (ch.instrument.resolution?.(ch.calibration.max_volts) ?? 0)] as const));
  // On a scaled clock: measured before the first reading, said (log, status, alarm) when the scale is too high.
  const timeKeeping = keepTime({ clock, sim: config.sim, alarms, log: log.child({ component: 'clock' }), cycleMs: MEASUREMENT_MS, source: options.lagSource });
  // The voltmeters' own time-outs stay beyond the drivers' real-time floors (a reading waits on two
  // deadlines, its command and its answer), so a raised scale slows readings down rather than restarting them.
  const specs = childSpecs(config, outputStepHv, timeKeeping.floorMs(4 * DEADLINE_FLOOR_MS));
  const actorIds = new Set(['supervisor', ...specs.map((c) => c.id)]);
  const instrumentOf = new Map<string, string>([
    ...config.blocks.map((b) => [blockChildId(b.id), b.output.resource] as const),
    ...config.voltmeters.map((m) => [voltmeterChildId(m.id), m.resource] as const),
  ]);
  // The alarm table follows the blocks' and the supervisor's snapshots, once per tick at most.
  let alarmsDue = false;
  const refreshAlarms = () => {
    if (alarmsDue) return;
    alarmsDue = true;
    queueMicrotask(() => {
      alarmsDue = false;
      if (supervisorRef) alarms.update(currentAlarms(supervisorRef, { instrumentOf: (spec) => instrumentOf.get(spec.id) ?? null }));
    });
  };
  /** A block's setpoint, with the tolerance of the command setting it, into the setpoint history. */
  const noteSetpoint = (c: BlockContext | undefined) => {
    if (!c) return;
    const command = c.inFlight?.command;
    // The command's tolerance goes with its setpoint, once that is taken (the command is in flight before).
    const tolerance = command?.command_type === 'set_voltage_and_check' && command.voltage === c.setpoint ? command.max_error : null;
    setpoints.observe(c.block, c.setpoint, tolerance, clock.now());
  };
  const supervisor = createActor(machine, {
    id: 'supervisor',
    clock,
    input: {
      children: specs,
      policy: {
        maxRestartsPerMinute: config.supervisor.max_restarts_per_minute,
        backoffInitialMs: config.supervisor.backoff_initial_s * 1000,
        backoffMaxMs: config.supervisor.backoff_max_s * 1000,
      },
    },
  });
  supervisorRef = supervisor;
  followBlocks(supervisor, refreshAlarms, noteSetpoint);
  // The state-chart page follows every machine actor live, while a page observes: their snapshots and starts.
  inspectWhileObserved(supervisor.system, hub, (event) => {
    const id = (event.actorRef as { id?: string }).id ?? '';
    if (!actorIds.has(id)) return;
    if (event.type === '@xstate.snapshot') {
      const snap = event.snapshot as { value?: unknown; status?: string };
      hub.inspect({ actor: id, kind: 'snapshot', state: snap.value ?? null, status: snap.status ?? null, event: (event.event as { type?: string }).type ?? null, at: clock.now() });
    } else if (event.type === '@xstate.actor') {
      hub.inspect({ actor: id, kind: 'started', at: clock.now() });
    }
  });
  // The supervisor handles every child failure; this catches a fault in the supervisor itself,
  // which would otherwise be thrown at the top level and end the process without a word.
  supervisor.subscribe({ error: (err) => log.fatal({ err: (err as Error).message }, 'supervisor failed; the server must be restarted') });
  supervisor.start();

  const connectorAddress = async (id: string) => {
    const ref = supervisor.getSnapshot().children[id] as AnyActorRef | undefined;
    if (!ref) throw new Error(`connector ${id} did not start`);
    const s = (await waitFor(ref, (snap: { status: string; value: unknown }) => snap.status !== 'active' || snap.value !== 'starting', {
      timeout: 10_000,
    })) as { status: string; context: { address: { host: string; port: number } | null; fault: string | null } };
    if (s.status !== 'active' || !s.context.address) {
      // A port in use is no fault of the config (an old server may still be stopping): exit 1, so a
      // service manager restarts it, and say what to look for.
      const inUse = /EADDRINUSE/.test(s.context.fault ?? '');
      const what = id === WS_CONNECTOR ? `the web pages and websocket on ${config.http.host}:${config.http.port}` : `Online on ${config.tcp.host}:${config.tcp.port}`;
      throw new Error(inUse ? `cannot listen for ${what}: the port is in use; is another server running?` : `connector ${id}: ${s.context.fault ?? 'did not start'}`);
    }
    return s.context.address;
  };
  let tcp: { host: string; port: number };
  let http: { host: string; port: number };
  try {
    [tcp, http] = await Promise.all([connectorAddress(TCP_CONNECTOR), connectorAddress(WS_CONNECTOR)]);
  } catch (err) {
    timeKeeping.stop();
    supervisor.stop();
    for (const server of servers.values()) await server.close().catch(() => {});
    throw err;
  }

  const sync = config.readings_log.sync_command
    ? new SyncCommand(
        config.readings_log.sync_command,
        { intervalMs: config.readings_log.sync_interval_s * 1000, timeoutMs: config.readings_log.sync_timeout_s * 1000, cwd: resolve(config.data_dir) },
        clock,
        log.child({ component: 'sync' }),
      )
    : null;
  sync?.start();

  let stopping: Promise<void> | null = null;
  const stop = (reason = 'stop requested') => {
    stopping ??= (async () => {
      log.info({ reason }, 'shutting down: no new clients; ending commands in flight');
      sync?.stop();
      timeKeeping.stop();
      supervisor.send({ type: 'SHUTDOWN' });
      const connectors = [TCP_CONNECTOR, WS_CONNECTOR].map((id) => supervisor.getSnapshot().children[id] as AnyActorRef | undefined);
      await atMost(
        Promise.all(connectors.map((ref) => (ref ? waitFor(ref, (s: { status: string }) => s.status !== 'active', { timeout: 20_000 }).catch(() => {}) : null))),
        20_000,
      );
      supervisor.stop();
      await readingsLog.close();
      await transferStore.close();
      if (readingsLog.backlogRows > 0) log.error({ lost: readingsLog.backlogRows }, `${readingsLog.backlogRows} readings the disk refused are lost at shutdown`);
      log.info({ rows: readingsLog.rowsWritten }, 'readings log flushed and closed');
      if (sync) await sync.run('shutdown');
      log.info('stopped');
      // The last lines may still be on their way to the file; the exit's flush cannot wait for them.
      await options.logFile?.settle();
    })();
    return stopping;
  };

  log.info({ sim: config.sim, time_scale: clock.timeScale, blocks: config.blocks.map((b) => b.id) }, 'server started');
  return { tcp, http, supervisor, hub, readingsLog, alarms, rack, control, audit, stop };
}
