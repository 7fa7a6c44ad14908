#!/usr/bin/env node
// hv-server: the HV rack's control server. Simulated instruments unless a config file says otherwise.

import { join } from 'node:path';
import { Command } from 'commander';
import { numberArgument } from './parse-number.js';
import { ScaledClock } from '../clock/clock.js';
import { ConfigError, loadConfig, type ConfigFlags } from '../config/load-config.js';
import { createLogger } from '../log/logger.js';
import { startServer } from '../server.js';


const program = new Command('hv-server')
  .description('Control server for the precision HV rack: Online over TCP (Envelope), websocket /channel over HTTP.')
  .option('--config <file>', 'configuration file (JSON or YAML); without one the server runs in simulation')
  .option('--sim', 'drive simulated instruments (the default without --config)')
  .option('--tcp-host <host>', 'address for Online’s TCP connector (default 127.0.0.1)')
  .option('--tcp-port <port>', 'TCP port (default 5555)', numberArgument('--tcp-port', true))
  .option('--http-host <host>', 'address for HTTP and the websocket (default 127.0.0.1)')
  .option('--http-port <port>', 'HTTP port (default 8080)', numberArgument('--http-port', true))
  .option('--data-dir <dir>', 'directory for readings and logs (default data)')
  .option('--time-scale <k>', 'run the clock K times faster (simulation only)', numberArgument('--time-scale'))
  .option('--log-level <level>', 'console log level: fatal, error, warn, info, debug, trace, silent')
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<ConfigFlags>();
  let config;
  try {
    config = loadConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hv-server: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const clock = new ScaledClock(config.time_scale);
  const { logger: log, flush, file: logFile } = await createLogger({
    now: () => clock.now(),
    consoleLevel: config.log.console_level,
    fileLevel: config.log.file_level,
    file: join(config.data_dir, config.log.file),
    rotate: { sizeMb: config.log.rotate_size_mb, retainFiles: config.log.retain_files },
    pretty: config.log.pretty,
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err: err.stack ?? err.message }, 'uncaught exception; exiting (the instruments keep their present output)');
    flush();
    process.exit(1);
  });

  let server;
  try {
    server = await startServer({ config, clock, log, logFile });
  } catch (err) {
    log.fatal({ err: (err as Error).message }, `cannot start: ${(err as Error).message}`);
    flush();
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  // One machine-readable line for scripts and tests that start the server on port 0.
  log.info({ tcp: server.tcp, http: server.http }, `ready: TCP ${server.tcp.host}:${server.tcp.port}, HTTP http://${server.http.host}:${server.http.port}/`);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      log.warn(`${signal} again: exiting without waiting (the instruments keep their present output)`);
      flush();
      process.exit(1);
    }
    void server.stop(signal).then(() => {
      flush();
      process.exit(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

void main();
