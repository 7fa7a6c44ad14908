// The process around a manager's server, for any manager: the command line (config file, ports,
// data directory, time scale, log level, who may control), Online's port bound before anything
// else is loaded (or taken from whoever holds it across restarts: held-port.ts), the log, the
// signals that stop it cleanly, and a fault nothing caught. A manager's executable names itself,
// loads its configuration and starts its server; this does the rest. Stopping, by signal or fault,
// never writes to an instrument: the outputs keep what they have.

import { join } from 'node:path';
import { ScaledClock, type Clock } from '../clock/clock.js';
import { ConfigError } from '../config/config-error.js';
import type { KitConfig } from '../config/kit-config.js';
import { earlyTcpSettings, type EarlyTcpSettings } from '../config/early-tcp-settings.js';
import type { KitConfigFlags } from '../config/manager-config.js';
import { EarlyTcp } from '../connectors/early-tcp.js';
import type { LogFile } from '../log/log-file.js';
import type { Logger } from '../log/logger.js';
import { heldPort, type HeldPort } from './held-port.js';
import { cannotListen } from './listen-failure.js';
import { kitFlags } from './port-flags.js';
import { StopRequests, type StopFrom } from './stop-requests.js';
import { exitDeadlineMs, stopSignals } from './stop-signals.js';

/** What a started server gives back to its process. */
export interface StartedServer {
  tcp: { host: string; port: number };
  http: { host: string; port: number };
  stop(reason?: string): Promise<void>;
}

export interface ManagerProcess<C extends KitConfig> {
  /** The executable's name, first word of every message on the console. */
  name: string;
  description: string;
  version: string;
  /** More help after the options (subcommands, examples). */
  helpAfter?: string;
  /** Its executable runs it under the port-holding supervisor (process-supervisor.ts), which `--no-supervise` turns off. */
  supervised?: boolean;
  /** Handles a subcommand in `argv` (after the executable) and resolves with its exit code, or null when there is none. */
  subcommand?(argv: string[]): Promise<number | null>;
  /**
   * The configuration from the flags and the file's document (`file`: {} without a file), read
   * once, by the supervising process or by this one; throws a ConfigError to refuse it. Called once
   * Online's port is bound (unless the settings for binding it cannot be read alone): it may load
   * its validators then.
   */
  loadConfig(flags: KitConfigFlags, file: Record<string, unknown>): C | Promise<C>;
  /** Starts the server on the bound port; loaded only now, so the port is bound first. */
  start(options: { config: C; clock: Clock; log: Logger; logFile: LogFile | null; earlyTcp: EarlyTcp }): Promise<StartedServer>;
}

export async function runManagerProcess<C extends KitConfig>(manager: ManagerProcess<C>): Promise<void> {
  const { name } = manager;
  const sub = await manager.subcommand?.(process.argv.slice(2));
  if (sub !== undefined && sub !== null) process.exit(sub);
  // Signals are taken from the first moment, so one that arrives while the server starts still ends
  // it cleanly (exit 0, the port closed) rather than killing it mid-start.
  let early: EarlyTcp | null = null;
  let server: StartedServer | null = null;
  let stopRequested: NodeJS.Signals | null = null;
  const stops = new StopRequests();
  let flush = () => {};
  let log: { info(msg: string): void; warn(msg: string): void } = { info: () => {}, warn: (msg) => process.stderr.write(`${name}: ${msg}\n`) };
  const exit = (code: number) => {
    // An exit moments after start can find the log file not yet open ("sonic boom is not ready
    // yet"); what was not written is lost either way, and a stack trace would hide the reason.
    try {
      flush();
    } catch {
      /* the exit's own reason was already written to the console */
    }
    process.exit(code);
  };
  // A signal ends the process the way SIGTERM does: no new clients, commands in flight ended,
  // readings flushed. The outputs keep what they have: stopping never changes the high voltage.
  // A supervisor passes on the signals it gets, which this process may have got too (stop-requests.ts).
  const onSignal = (signal: NodeJS.Signals, from: StopFrom = 'signal') => {
    const count = stops.note(from);
    if (count === 'echo') return;
    if (count === 'again' || stopRequested) {
      log.warn(`${signal} again: exiting without waiting (the instruments keep their present output)`);
      exit(1);
    }
    stopRequested = signal;
    setTimeout(() => {
      log.warn(`${signal}: not stopped within ${exitDeadlineMs(signal) / 1000} s; exiting (the instruments keep their present output)`);
      exit(1);
    }, exitDeadlineMs(signal)).unref();
    if (server) void server.stop(signal).then(() => exit(0));
    // Still starting: nothing was sent to an instrument yet; close the port (if bound) and go.
    else if (early) void early.close().then(() => exit(0));
    else exit(0);
  };
  for (const signal of stopSignals()) process.on(signal, (s: NodeJS.Signals) => onSignal(s));
  const held = heldPort({
    stop: (signal) => onSignal(signal, 'supervisor'),
    gone: () => {
      if (stopRequested) return;
      log.warn('the supervising process is gone: stopping (the instruments keep their present output)');
      onSignal('SIGTERM', 'supervisor');
    },
  });

  // A command line this process understands entirely is read without the command-line library;
  // any other (help, the version, a bad flag) is the library's to judge and answer, as before.
  const flags: KitConfigFlags = kitFlags(process.argv.slice(2)) ?? (await import('./kit-program.js')).parseCommandLine(manager);
  // The file's document: the supervising process's reading of it, or this process's (read here,
  // loading the reader, only where nobody read it yet: a file that cannot be read is refused here).
  const loadConfig = async (file: Record<string, unknown> | null): Promise<C> => {
    try {
      const document = file ?? (flags.config ? (await import('../config/read-config-file.js')).readConfigFile(flags.config) : {});
      return await manager.loadConfig(flags, document);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`${name}: ${err.message}\n`);
        // A port bound already (or the socket held for this server) is closed as the process ends.
        process.exit(2);
      }
      throw err;
    }
  };

  // Online's port before anything else (see early-tcp.ts): Online reconnects only once, a second
  // after it lost the server. What binding it needs of the configuration is read first
  // (early-tcp-settings.ts); the whole configuration is validated, and the rest of the server
  // loaded, once the port is bound. Where the port is held across restarts, its socket is taken
  // as it is, with the connections waiting in it: the port is open already, so the whole
  // configuration is read first. The file is read and parsed once: what the supervising process
  // read of it comes with the socket (config-document.ts), and the server loads no reader of its
  // own; a server alone reads it here for the port, loading the reader only where there is a file.
  let file: Record<string, unknown> | null = null;
  let settings: EarlyTcpSettings | null = null;
  if (!held.holder) {
    const read = flags.config ? (await import('../config/read-config-file.js')).readConfigFile : null;
    settings = earlyTcpSettings(flags, (path) => (file = read!(path)));
  }
  const socket = await held.socket();
  file ??= held.configFile(flags.config);
  if (stopRequested) return; // exit is under way
  let config: C | null = settings ? null : await loadConfig(file);
  const tcp = config ? { ...config.tcp, maxMessageBytes: config.limits.max_message_bytes, maxClients: config.limits.tcp.max_connections } : settings!;
  if (stopRequested) return; // exit is under way
  try {
    early = await EarlyTcp.open({ ...tcp, socket });
  } catch (err) {
    const where = socket ? `the socket held by ${held.holder}` : `${tcp.host}:${tcp.port}`;
    process.stderr.write(cannotListen(name, where, err as NodeJS.ErrnoException));
    process.exit(1);
  }
  held.keep(early.server);
  // What the supervising process accepted before this server listened comes as it would have from the port.
  const listening = early;
  held.connections((client) => listening.adopt(client));
  if (stopRequested) return; // exit is under way
  config ??= await loadConfig(file);
  if (stopRequested) return; // exit is under way

  const clock = new ScaledClock(config.time_scale);
  const { createLogger } = await import('../log/logger.js');
  const logging = await createLogger({
    now: () => clock.now(),
    consoleLevel: config.log.console_level,
    fileLevel: config.log.file_level,
    file: join(config.data_dir, config.log.file),
    rotate: { sizeMb: config.log.rotate_size_mb, retainFiles: config.log.retain_files },
    pretty: config.log.pretty,
  });
  flush = logging.flush;
  log = logging.logger;
  describeHeldPort(logging.logger, held, early.address, config.tcp.port);
  const fatal = logging.logger;
  process.on('uncaughtException', (err) => {
    // A fault no boundary caught: the process state cannot be trusted, so stop as cleanly as a
    // signal would (readings flushed, clients closed), within a few seconds, and exit non-zero for
    // the service manager to restart it. Nothing here writes to an instrument.
    fatal.fatal({ err: err.stack ?? err.message }, 'uncaught exception; stopping (the instruments keep their present output)');
    if (stopRequested) exit(1);
    stopRequested = 'SIGTERM';
    setTimeout(() => exit(1), 5000).unref();
    if (server) void server.stop('uncaught exception').catch(() => {}).then(() => exit(1));
    else exit(1);
  });

  try {
    server = await manager.start({ config, clock, log: logging.logger, logFile: logging.file, earlyTcp: early });
  } catch (err) {
    logging.logger.fatal({ err: (err as Error).message }, `cannot start: ${(err as Error).message}`);
    exit(err instanceof ConfigError ? 2 : 1);
    return;
  }
  // The supervisor first, so whoever reads the line below and then kills the server finds it restarted.
  held.ready();
  // One machine-readable line for scripts and tests that start the server on port 0 (the pid: the
  // server's own process, not the supervisor's).
  logging.logger.info({ tcp: server.tcp, http: server.http, server_pid: process.pid }, `ready: TCP ${server.tcp.host}:${server.tcp.port}, HTTP http://${server.http.host}:${server.http.port}/`);
  if (stopRequested) void server.stop(stopRequested).then(() => exit(0));
}

/** Says in the log who keeps Online's port open across a restart, and why this server was started. */
function describeHeldPort(log: Logger, held: HeldPort, address: { host: string; port: number }, configPort: number): void {
  const at = `${address.host}:${address.port}`;
  if (held.holder) log.info({ holder: held.holder, tcp: address }, `Online's port ${at} is held by ${held.holder}: it stays open while this server restarts`);
  else log.info({ tcp: address }, `Online's port ${at} is bound by this process alone: it closes while the server restarts`);
  if (configPort !== 0 && address.port !== configPort) {
    log.warn({ tcp: address, config_port: configPort }, `Online's port is ${address.port}, as held by ${held.holder}; the configured port ${configPort} is not used (restart the holder to move it)`);
  }
  const restart = held.restart;
  if (restart) log.warn({ restart }, `started again by the supervising process: the server before (process ${restart.previousPid}) ended (${restart.previous}); restart ${restart.count}`);
}
