// Serves one hardware manager: builds the kit's services (alarms, readings log, clients, access
// rules and audit trail), the manager from them, its supervisor with the Envelope TCP and
// websocket/HTTP connectors as children, and the sync of the data directory; and takes it all
// apart again in the order that loses nothing.

import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createActor, waitFor, type Actor, type AnyActorRef, type AnyStateMachine } from 'xstate';
import { AccessControl } from './access/access-control.js';
import { AccessPolicy } from './access/access-policy.js';
import { AuditTrail } from './access/audit-trail.js';
import type { Origin, Reply } from './actor-types.js';
import { AlarmBook } from './alarms/alarm-book.js';
import { AlarmLog } from './alarms/alarm-log.js';
import { AlarmStore } from './alarms/alarm-store.js';
import { guidanceFor } from './alarms/guidance.js';
import { startAlarmNotifications, type AlarmNotifications } from './alarms/notify/start-alarm-notifications.js';
import { AlarmTable, currentAlarms } from './alarms/alarm-table.js';
import type { Clock } from './clock/clock.js';
import { ConfigError } from './config/config-error.js';
import type { KitConfig } from './config/kit-config.js';
import { ClientHub } from './connectors/client-hub.js';
import { httpLimits, startBudget } from './connectors/connection-budget.js';
import { atMost, connectorActors, type ConnectorServices } from './connectors/connector-server.js';
import type { EarlyTcp } from './connectors/early-tcp.js';
import { TcpConnector } from './connectors/tcp-connector.js';
import { warmUp } from './connectors/warm-up.js';
import { WsConnector } from './connectors/ws-connector.js';
import { keepTime, TIME_SCALE_TOO_HIGH } from './clock/keep-time.js';
import type { LagSource } from './clock/time-keeping.js';
import { ClientLogThrottle } from './log/client-log-throttle.js';
import type { LogFile } from './log/log-file.js';
import type { Logger } from './log/logger.js';
import { connectorMachine } from './machines/connector.machine.js';
import type { ChildSpec } from './machines/supervisor.machine.js';
import type { HardwareManager, ManagerFactory } from './manager.js';
import type { SimulatorBackDoor } from './simulator-back-door.js';
import { checkDataDir } from './storage/check-data-dir.js';
import { ReadingsLog } from './storage/readings-log.js';
import { storageAlarm } from './alarms/storage-alarm.js';
import { SyncCommand } from './storage/sync-command.js';
import { followChildren, inspectWhileObserved } from './supervision-watch.js';
import { kitRoutes } from './web/kit-routes.js';
import { KIT_PAGES } from './web/static-files.js';

export const TCP_CONNECTOR = 'tcp';
export const WS_CONNECTOR = 'ws';
/** Alarm changes kept for a page opened later (GET /api/alarm-log). */
const ALARM_LOG_ENTRIES = 500;
/**
 * Reading cycles after a start within which an alarm that was active before it must be raised
 * again, or it is taken as cleared while the server was down: a block judges its first reading
 * within two cycles, a failed instrument's first restart comes within one.
 */
const RESTORE_GRACE_CYCLES = 3;

export interface ServeOptions {
  config: KitConfig;
  clock: Clock;
  log: Logger;
  /** Online's port, bound at process start before the server was loaded (early-tcp.ts). */
  earlyTcp?: EarlyTcp;
  /** The log file, whose write faults become an alarm like the readings log's. */
  logFile?: LogFile | null;
  /** The simulator's back door, when the instruments are simulated in this process. */
  simulator?: SimulatorBackDoor | null;
  /** The value column's name in the readings files' header (`value` when left out). */
  readingsColumn?: string;
  /** The period the manager's actors work at, clock ms (the rack's reading cycle): what time keeping judges a time scale by. */
  workCycleMs?: number;
  /** Where time keeping measures the event loop on a scaled clock (real timers when left out; tests stub it). */
  lagSource?: LagSource;
}

export interface RunningManager {
  tcp: { host: string; port: number };
  http: { host: string; port: number };
  manager: HardwareManager;
  supervisor: Actor<AnyStateMachine>;
  hub: ClientHub;
  readingsLog: ReadingsLog;
  /** Active alarms of every child and of the kit's services. */
  alarms: AlarmTable;
  /** The alarms as people handle them: latched until acknowledged, shelved, kept across restarts. */
  alarmBook: AlarmBook;
  /** The book on disk: `save` resolves once the book as it is now is written. */
  alarmStore: AlarmStore;
  /** Who set what: commands, training actions and refusals. */
  audit: AuditTrail;
  /** Stops accepting, ends commands in flight, closes clients, flushes the readings, runs the sync. */
  stop(reason?: string): Promise<void>;
}

export async function serveManager(create: ManagerFactory, options: ServeOptions): Promise<RunningManager> {
  const { config, clock, log } = options;
  // Read first (it reads the token file): a bad entry stops the server before any instrument is opened.
  const policy = AccessPolicy.fromConfig(config.access, config.http.host);
  if (!(policy instanceof AccessPolicy)) throw new ConfigError(`configuration: ${policy.message}`);
  checkDataDir(config.data_dir);
  // Storage faults are alarms, raised from the first write on.
  const alarms = new AlarmTable(log.child({ component: 'alarms' }), () => clock.now());
  const storageLog = log.child({ component: 'storage' });
  const storageHealth = (source: string) => storageAlarm(alarms, source, storageLog);
  // The book people handle, from what was listed before this start: it hears of every raise from here on.
  let describer: HardwareManager | null = null;
  const guidance = (code: string, source: string) => guidanceFor(code, source, { overrides: config.alarms.guidance, manager: describer?.alarmSources.guidance });
  const alarmStore = new AlarmStore(config.data_dir, clock, storageHealth('alarm-store'));
  const restored = alarmStore.restore();
  const alarmBook = new AlarmBook({
    clock,
    guidance,
    restored: restored.entries,
    restoreGraceMs: RESTORE_GRACE_CYCLES * (options.workCycleMs ?? 4000),
    // A training clock the machine cannot keep up with says nothing of the rack: shown while it lasts, not latched.
    nonLatching: new Set([TIME_SCALE_TOO_HIGH]),
  });
  alarms.onChange((change, alarm) => alarmBook.fromTable(change, alarm));
  if (restored.problem) {
    // A one-off finding at start: raised and cleared at once, it stays listed (latched) until someone has seen it.
    alarms.raise(restored.problem);
    alarms.clear(restored.problem.source, restored.problem.code);
  }
  options.logFile?.watch(storageHealth('log-file'));

  const hub = new ClientHub(log.child({ component: 'hub' }));
  // The audit trail is made before the manager (the manager's services use it); it asks the manager once there is one.
  const audit = new AuditTrail(
    config.access.audit_entries,
    () => clock.now(),
    log.child({ component: 'audit' }),
    (entry) => hub.audit(entry),
    (message) => describer?.answerDetail?.(message) ?? null,
  );
  const access = new AccessControl(policy, audit, hub);
  // Every answer and error reply to a command goes out through here, completing its audit entry.
  const answer = (origin: Origin, message: Record<string, unknown>) => {
    audit.settle(origin, message);
    hub.deliver(origin, message);
  };
  // Made once the manager names the server; its counters are read only when scraped.
  let notifications: AlarmNotifications | null = null;
  const readingsLog = new ReadingsLog({
    dataDir: config.data_dir,
    virtual: config.sim,
    backlogRows: config.readings_log.backlog_rows,
    clock,
    health: storageHealth('readings-log'),
    column: options.readingsColumn,
    // A clock with no time scale runs as fast as the machine allows (hv-sim day): rows go to the disk five simulated minutes at a time.
    coalesceMs: Number.isFinite(clock.timeScale) ? 0 : 300_000,
  });
  const alarmLog = new AlarmLog(ALARM_LOG_ENTRIES, () => clock.now());
  alarms.onChange((change, alarm) => {
    if (change === 'updated') return;
    const entry = alarmLog.add(change, alarm);
    hub.alarm({ change, alarm, alarms: alarms.list(), at: entry.at });
  });
  alarmBook.onChange((change) => {
    if (hub.hasObservers) hub.alarms({ change: change.kind, alarm: change.alarm, at: change.at, alarms: alarmBook.list(), unacknowledged: alarmBook.unacknowledgedBySeverity() });
  });
  alarmStore.follow(alarmBook);
  let supervisorRef: Actor<AnyStateMachine> | null = null;
  // On a scaled clock: measured before the first reading, said (log, status, alarm) when the scale is too high.
  const timeKeeping = keepTime({ clock, sim: config.sim, alarms, log: log.child({ component: 'clock' }), cycleMs: options.workCycleMs ?? 4000, source: options.lagSource });
  const manager = create({
    config,
    clock,
    log,
    hub,
    answer,
    alarms,
    alarmBook,
    notifications: () => notifications?.counters() ?? [],
    readingsLog,
    storageHealth,
    timeoutFloorMs: timeKeeping.floorMs,
    supervisor: () => supervisorRef,
  });
  describer = manager;
  // Alarms read back from the store, and any raised while the manager was made, get its sentences.
  alarmBook.refreshGuidance();
  warmUp(manager.parse, clock.now());
  // Told of the book's changes from here on: alarms raised while the server starts are in the book already, and are sent too.
  notifications = startAlarmNotifications({
    config,
    clock,
    log,
    book: alarmBook,
    alarms,
    storageHealth: storageHealth('notify-outbox'),
    dataDir: config.data_dir,
    serverName: `${manager.name} on ${hostname()}`,
  });

  const whenQuiet = () => (supervisorRef && manager.whenQuiet ? manager.whenQuiet(supervisorRef, 10_000) : Promise.resolve());
  const httpHandler = kitRoutes({
    sim: config.sim,
    clock,
    hub,
    simulator: options.simulator ?? null,
    roles: manager.roles ?? {},
    supervisor: () => supervisorRef,
    alarms: () => alarms.list(),
    alarmLog: () => alarmLog.list(),
    alarmBook: { book: alarmBook, access, now: () => clock.now(), saved: () => alarmStore.save(alarmBook) },
    timeKeeping: () => timeKeeping.status(),
    notifications: () => notifications?.status() ?? null,
    status: (supervisor, list, kit) => manager.status(supervisor, list, kit),
    childWaiting: manager.childWaiting,
    machines: manager.machines,
    pages: { ...KIT_PAGES, ...manager.pages },
    route: manager.route,
    auditEntries: config.access.audit_entries,
    log: log.child({ component: 'http' }),
    access,
  });
  const connectorLog = log.child({ component: 'connector' });
  const intake = { hub, parse: manager.parse, log: connectorLog, access, throttle: new ClientLogThrottle(() => clock.now()) };
  const limits = config.limits;
  const budget = startBudget(config, manager.descriptors, connectorLog);
  const servers = new Map<string, ConnectorServices>([
    [
      TCP_CONNECTOR,
      new TcpConnector(
        {
          id: TCP_CONNECTOR,
          ...config.tcp,
          // A socket systemd bound is where its ListenStream= says, whatever the config's host.
          host: options.earlyTcp?.address.host ?? config.tcp.host,
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

  const supervisorLog = log.child({ component: 'supervisor' });
  const machine = manager.supervision.machine.provide({
    actors: { connector: connectorMachine.provide({ actors: connectorActors(servers) }) },
    actions: {
      reply: (_: unknown, { origin, message }: Reply) => {
        supervisorLog.info({ client: origin.client, reply: message }, `refused: ${String(message.description)}`);
        answer(origin, message);
      },
      note: (_: unknown, { level, message, child }: { level: 'info' | 'warn' | 'error'; message: string; child?: string }) => supervisorLog[level]({ child }, message),
    },
  });

  const children = [
    ...manager.supervision.children,
    { id: TCP_CONNECTOR, kind: 'connector', input: { connector: TCP_CONNECTOR } },
    { id: WS_CONNECTOR, kind: 'connector', input: { connector: WS_CONNECTOR } },
  ];
  const actorIds = new Set(['supervisor', ...children.map((c) => c.id)]);
  // The alarm table follows the supervisor's and the children's snapshots, once per tick at most.
  // A followed child's snapshot (a block's, at every reading) that shows no alarm of its own, as the
  // one before it did, changes nothing in the table: no refresh.
  let alarmsDue = false;
  const specOf = new Map<string, ChildSpec>(children.map((c) => [c.id, c]));
  const quietChildren = new Set<string>();
  const refreshAlarms = (id?: string, snapshot?: unknown) => {
    const spec = id === undefined ? undefined : specOf.get(id);
    if (spec && manager.alarmSources.childAlarms) {
      const quiet = manager.alarmSources.childAlarms(spec, snapshot).length === 0;
      const wasQuiet = quietChildren.has(spec.id);
      if (quiet) quietChildren.add(spec.id);
      else quietChildren.delete(spec.id);
      if (quiet && wasQuiet) return;
    }
    if (alarmsDue) return;
    alarmsDue = true;
    queueMicrotask(() => {
      alarmsDue = false;
      if (supervisorRef) alarms.update(currentAlarms(supervisorRef, manager.alarmSources));
    });
  };
  const supervisor = createActor(machine, {
    id: 'supervisor',
    clock,
    input: {
      children,
      policy: {
        maxRestartsPerMinute: config.supervisor.max_restarts_per_minute,
        backoffInitialMs: config.supervisor.backoff_initial_s * 1000,
        backoffMaxMs: config.supervisor.backoff_max_s * 1000,
      },
    },
  });
  supervisorRef = supervisor;
  followChildren(supervisor, new Set(manager.followedKinds), refreshAlarms, (id, snapshot) => manager.childSnapshot?.(id, snapshot));
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
    await manager.stop().catch(() => {});
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
      alarmBook.stop();
      // After the book's last change; it never waits on a receiver: what is pending stays in the outbox.
      await notifications?.stop();
      await alarmStore.close(alarmBook);
      await readingsLog.close();
      await manager.stop();
      if (readingsLog.backlogRows > 0) log.error({ lost: readingsLog.backlogRows }, `${readingsLog.backlogRows} readings the disk refused are lost at shutdown`);
      log.info({ rows: readingsLog.rowsWritten }, 'readings log flushed and closed');
      if (sync) await sync.run('shutdown');
      log.info('stopped');
      // The last lines may still be on their way to the file; the exit's flush cannot wait for them.
      await options.logFile?.settle();
    })();
    return stopping;
  };

  log.info({ manager: manager.name, sim: config.sim, time_scale: clock.timeScale, ...manager.summary }, 'server started');
  return { tcp, http, manager, supervisor, hub, readingsLog, alarms, alarmBook, alarmStore, audit, stop };
}
