// The kit's public surface: what a manager, its composition root and its executable use. A
// manager other than the HV rack imports the kit from here only (test/architecture/layers.test.ts
// holds the detector example to it); the rest of src/kit/ is the kit's own business.

// The contract
export type { HardwareManager, ManagerFactory, ManagerServices } from './manager.js';
export type { AcceptedCommand, CommandParser, ParsedMessage } from './manager-command.js';
export { errorText, type Fault, type Origin, type Reply } from './actor-types.js';

// Supervision
export {
  CONNECTOR_KIND,
  createSupervisorMachine,
  RESTART_WINDOW_MS,
  unavailable,
  type ChildSpec,
  type ChildStatus,
  type Delivery,
  type RelayOutcome,
  type RestartPolicy,
  type SupervisorContext,
  type SupervisorRules,
} from './machines/supervisor.machine.js';
export { connectorMachine, type ConnectorInput } from './machines/connector.machine.js';
export { topState } from './machines/top-state.js';

// Serving a manager, and the process around it
export { serveManager, TCP_CONNECTOR, WS_CONNECTOR, type RunningManager, type ServeOptions } from './serve-manager.js';
export { runManagerProcess, type ManagerProcess, type StartedServer } from './cli/run-manager.js';
export type { EarlyTcp } from './connectors/early-tcp.js';
export type { ClientHub } from './connectors/client-hub.js';
export type { DescriptorUsage } from './connectors/connection-budget.js';

// Online's protocol
export type { Meta } from './protocol/envelope.js';
export { encodeEnvelope } from './protocol/envelope-encoder.js';
export { EnvelopeDecoder } from './protocol/envelope-decoder.js';
export { ERROR_CODES, errorReply, showValue, type ErrorReply, type ErrorTextCode } from './protocol/error-reply.js';

// Configuration
export type { AccessConfig, KitConfig } from './config/kit-config.js';
export { composeConfigSchema, KIT_CONFIG_SCHEMA } from './config/compose-schema.js';
export { loadManagerConfig, type KitConfigFlags, type ManagerConfigRules } from './config/load-kit-config.js';
export { ConfigError } from './config/config-error.js';
export { describeSchemaErrors } from './config/schema-errors.js';

// Alarms, status and pages
export type { Alarm, AlarmSeverity, AlarmSources, AlarmTable, EpicsStatus, RawAlarm } from './alarms/alarm-table.js';
export { actorsStatus, type ChildDetails } from './web/status.js';
export type { ChildWaiting } from './web/health.js';
export type { KitStatus, ManagerRoute } from './web/kit-routes.js';
export { KIT_PAGES, type Pages } from './web/static-files.js';
export type { ControlResult, InstrumentRoles, SimulatorBackDoor } from './simulator-back-door.js';

// Services: time, logs, storage, instruments
export { ManualClock, ScaledClock, sleepOn, type Clock } from './clock/clock.js';
export { createLogger, silentLogger, type Logger, type LogLevel } from './log/logger.js';
export type { LogFile } from './log/log-file.js';
export type { ReadingsLog } from './storage/readings-log.js';
export type { StorageHealth } from './storage/storage-health.js';
export { TransportFactory, type TransportContext, type TransportSpec } from './transports/create-transport.js';
export { TransportError, type Transport } from './transports/transport.js';
