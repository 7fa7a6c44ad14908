#!/usr/bin/env node
// hv-sim: the simulated rack's instruments as a process of their own, for the server to reach
// over TCP as it reaches LAN instruments.

import { Command } from 'commander';
import { numberArgument } from '../../src/kit/cli/parse-number.js';
import { SerialInstrumentPort } from '../../sim/adapters/serial-instrument-port.js';
import { startLanInstruments } from '../../sim/lan-instruments.js';
import { parseRun, readingsCsv } from '../../src/hv/calibration/calibration-runs.js';
import { replay } from '../../sim/plant/replay.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { ScaledClock } from '../../src/kit/clock/clock.js';
import { ConfigError, loadConfig } from '../../src/hv/config/load-config.js';
import { addDayCommand } from '../day/day-cli.js';


const program = new Command('hv-sim').description('Simulated HV-rack instruments: calibrator, voltmeters, analog output, Prologix adapter.');

program
  .command('instruments')
  .description('serve each simulated instrument on its own TCP port; the first line on stdout maps names to ports (JSON)')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--base-port <port>', 'first instrument port, the others follow (0: any free ports)', numberArgument('--base-port', true), 5025)
  .option('--prologix-port <port>', 'port of the Prologix-style GPIB adapter', numberArgument('--prologix-port', true))
  .option('--control-port <port>', 'port of the back door (JSON lines)', numberArgument('--control-port', true))
  .option('--time-scale <k>', 'run K times faster than real time (match the server’s --time-scale)', numberArgument('--time-scale'), 1)
  .option('--config <file>', 'take the rack (blocks, voltmeters, their sim:: names) from a server config')
  .option('--ao-serial <path>', 'also put the analog-output module on this serial device (e.g. one end of a socat pty pair)')
  .action(async (opts: { host: string; basePort: number; prologixPort?: number; controlPort?: number; timeScale: number; config?: string; aoSerial?: string }) => {
    let config;
    try {
      config = loadConfig({ sim: true, ...(opts.config ? { config: opts.config } : {}) });
    } catch (err) {
      process.stderr.write(`hv-sim: ${(err as Error).message}\n`);
      process.exit(err instanceof ConfigError ? 2 : 1);
    }
    const free = opts.basePort === 0;
    const lan = await startLanInstruments({
      host: opts.host,
      basePort: opts.basePort,
      prologixPort: opts.prologixPort ?? (free ? 0 : 1234),
      controlPort: opts.controlPort ?? (free ? 0 : opts.basePort + 10),
      clock: new ScaledClock(opts.timeScale),
      blocks: config.blocks,
      voltmeters: config.voltmeters,
    });
    if (opts.aoSerial) {
      const ao = config.blocks.find((b) => b.output.driver === 'adam-4024');
      if (!ao) throw new Error('no block drives an adam-4024 module, so there is nothing to put on the serial line');
      await new SerialInstrumentPort(lan.rack.output(ao.id), { clock: lan.rack.clock, latencyMs: 2 }).open(opts.aoSerial);
    }
    process.stdout.write(`${JSON.stringify(lan.ports)}\n`);
    process.stdout.write(`GPIB addresses behind the Prologix port: ${JSON.stringify(lan.gpib)}; time scale ${opts.timeScale}\n`);
    const stop = () => void lan.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program
  .command('replay')
  .description('run the fitted plant under a setpoint schedule in virtual time; write readings as the lab records them')
  .requiredOption('--sets <file>', 'setpoint schedule: voltage_sets.csv ("timestamp","voltage","voltage_scaled")')
  .requiredOption('--out <file>', 'readings to write: voltage.csv ("timestamp","voltage","voltage_scaled")')
  .option('--seed <n>', 'seed of the noise, drift and outliers', numberArgument('--seed', true), 1)
  .option('--day <n>', 'which fitted calibration day’s transfer (0, 1, 2)', numberArgument('--day', true), 2)
  .option('--tail <seconds>', 'readings after the last setpoint', numberArgument('--tail'), 600)
  .action(async (opts: { sets: string; out: string; seed: number; day: number; tail: number }) => {
    let setpoints;
    try {
      setpoints = parseRun('schedule', readFileSync(opts.sets, 'utf8'), '"timestamp","voltage"\n').setpoints;
    } catch (err) {
      process.stderr.write(`hv-sim: cannot read ${opts.sets}: ${(err as Error).message}\n`);
      process.exit(2);
    }
    const bad = setpoints.findIndex((s) => !Number.isFinite(s.at) || !Number.isFinite(s.calibratorVolts));
    if (setpoints.length === 0 || bad !== -1) {
      process.stderr.write(`hv-sim: ${opts.sets} line ${bad + 2} is not "timestamp","voltage","voltage_scaled" with an ISO time and calibrator volts\n`);
      process.exit(2);
    }
    const started = Date.now();
    const readings = await replay(setpoints, { seed: opts.seed, day: opts.day, tailS: opts.tail });
    writeFileSync(opts.out, readingsCsv(readings));
    const hours = (readings.at(-1)!.at - readings[0]!.at) / 3600;
    process.stdout.write(`${readings.length} readings over ${hours.toFixed(2)} h of simulated time written to ${opts.out} in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${opts.seed}, day ${opts.day})\n`);
  });

addDayCommand(program);

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`hv-sim: ${(err as Error).message}\n`);
  process.exit(1);
});
