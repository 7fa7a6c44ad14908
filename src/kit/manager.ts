// The contract between the kit and a hardware manager. A manager knows its hardware: which
// commands it takes (its own JSON Schemas), which actors drive the instruments, how commands are
// routed among them, what its alarms and status say. The kit knows everything else: the Envelope
// TCP and websocket connectors, the HTTP pages and status, the access rules and audit trail, the
// supervisor's restart policy, the alarm table, the readings log, the clock and the log. A manager
// is written as a factory the kit calls once with its services (`serveManager`, serve-manager.ts).

import type { AnyActorRef, AnyStateMachine } from 'xstate';
import type { Origin } from './actor-types.js';
import type { AlarmBook } from './alarms/alarm-book.js';
import type { AlarmSources, AlarmTable } from './alarms/alarm-table.js';
import type { ChannelCounters } from './alarms/notify/channel-delivery.js';
import type { Clock } from './clock/clock.js';
import type { KitConfig } from './config/kit-config.js';
import type { ClientHub } from './connectors/client-hub.js';
import type { DescriptorUsage } from './connectors/connection-budget.js';
import type { Logger } from './log/logger.js';
import type { ChildSpec } from './machines/supervisor.machine.js';
import type { CommandParser } from './manager-command.js';
import type { InstrumentRoles } from './simulator-back-door.js';
import type { ReadingsLog } from './storage/readings-log.js';
import type { StorageHealth } from './storage/storage-health.js';
import type { ChildWaiting } from './web/health.js';
import type { KitStatus, ManagerRoute } from './web/kit-routes.js';
import type { Pages } from './web/static-files.js';

/** What the kit gives a manager when it builds it. */
export interface ManagerServices {
  config: KitConfig;
  clock: Clock;
  log: Logger;
  /** Every connected client: `broadcast` publishes to all, observers get the page's feed. */
  hub: ClientHub;
  /** Answers one client's command, completing its audit-trail entry. */
  answer(origin: Origin, message: Record<string, unknown>): void;
  /** Alarms the manager raises and clears itself (the children's own are read from their snapshots). */
  alarms: AlarmTable;
  /** The alarms as people handle them (acknowledged, latched, shelved): read it, never act on it from the manager. */
  alarmBook: AlarmBook;
  /** Each notification receiver's counts (queued, delivered, failed attempts, overflowed, pending), for metrics. */
  notifications(): ChannelCounters[];
  /** Time series, one TSV file per series and day, in `data_dir`. */
  readingsLog: ReadingsLog;
  /** A storage fault of `source` as an alarm (STORAGE_FAULT), for the manager's own files. */
  storageHealth(source: string): StorageHealth;
  /** The least clock ms a time-out of the manager's own may last: `realMs` of real time at the present time scale (0 on an unscaled clock). */
  timeoutFloorMs(realMs: number): number;
  /** The running supervisor (null until it is created): to send it the manager's own events. */
  supervisor(): AnyActorRef | null;
}

/** One hardware manager, as the kit serves it. */
export interface HardwareManager {
  /** A short name for the log and the pages: 'hv', 'detector'. */
  readonly name: string;
  /** Accepts or refuses a client's message before anything acts on it. */
  readonly parse: CommandParser;
  /**
   * The supervisor machine (the kit's `createSupervisorMachine` with the manager's rules), its
   * children's actors and actions provided, and the children it starts with. The kit adds the
   * connectors, provides `reply` and `note`, and applies the restart policy from the config.
   */
  readonly supervision: { machine: AnyStateMachine; children: ChildSpec[] };
  /** The machines /debug draws, by kind (the kit adds nothing: list the supervisor and the connector too). */
  readonly machines: Record<string, AnyStateMachine>;
  /** How the alarm table reads the children's alarms. */
  readonly alarmSources: AlarmSources;
  /** What else a running child waits for before the server is ready. */
  readonly childWaiting?: ChildWaiting;
  /** Descriptors the manager's instruments and series will hold (for the connection caps). */
  readonly descriptors: DescriptorUsage;
  /** The manager's /api/status: its fields around the kit's. */
  status(supervisor: AnyActorRef, alarms: ReturnType<AlarmTable['list']>, kit: KitStatus): Record<string, unknown>;
  /** Its own HTTP routes, tried after the kit's and before the pages. */
  readonly route?: ManagerRoute;
  /** Its pages by path (its console at '/'); the kit serves /debug and /training. */
  readonly pages?: Pages;
  /** What one of its answers says, short, for the audit trail ("read 18600.002 V, error 0.002 V"). */
  answerDetail?(message: Record<string, unknown>): string | null;
  /** Each simulated instrument's role, for the instructor's console. */
  readonly roles?: InstrumentRoles;
  /** The kinds of children whose every snapshot the kit follows: those that carry alarms, or that `childSnapshot` wants. */
  readonly followedKinds: readonly string[];
  /** Told each snapshot of its followed children (the rack logs its blocks' setpoints). */
  childSnapshot?(id: string, snapshot: unknown): void;
  /** Resolves once no command is in flight (at most `ms`): the connectors wait for it before closing clients. */
  whenQuiet?(supervisor: AnyActorRef, ms: number): Promise<void>;
  /** A one-line summary for the 'server started' log line. */
  readonly summary?: Record<string, unknown>;
  /** Ends the manager's own work once the supervisor has stopped: flushes and closes its files. */
  stop(): Promise<void>;
}

/** Builds a manager from the kit's services; may throw a ConfigError to refuse its configuration. */
export type ManagerFactory = (services: ManagerServices) => HardwareManager;
