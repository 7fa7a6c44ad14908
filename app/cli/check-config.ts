// `hv-server check-config FILE`: before a config goes on the rack, validates it, opens each
// instrument it names, asks who it is (*IDN?) and exits, changing no output. Exit 0 when every
// instrument answered as its driver expects, 1 when one did not, 2 when the file is refused.

import { Command } from 'commander';
import { ScaledClock } from '../../src/kit/clock/clock.js';
import { ConfigError, loadConfig } from '../../src/hv/config/load-config.js';
import { identifyInstruments } from '../../src/hv/instruments/identify-instruments.js';
import { SimulatedRack } from '../../sim/simulated-rack.js';
import { usesSimulator } from '../start-server.js';
import { hintsForFailures } from './resource-hints.js';

export async function checkConfigMain(argv: string[]): Promise<number> {
  const program = new Command('hv-server check-config')
    .description('Validate a configuration file, open each instrument it names and identify it (*IDN?); changes no output.')
    .argument('<file>', 'configuration file (JSON or YAML)')
    .option('--sim', 'check it as a simulation (as hv-server --sim would run it)')
    .exitOverride()
    .showHelpAfterError();
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const file = program.args[0]!;
  const flags = program.opts<{ sim?: boolean }>();
  let config;
  try {
    config = loadConfig({ config: file, ...(flags.sim ? { sim: true } : {}) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`hv-server check-config: ${err.message}\n`);
    return 2;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`${file}: valid; ${config.sim ? 'simulation (sim: true)' : 'the real rack (sim: false)'}, ${config.blocks.length} block(s), ${config.voltmeters.length} voltmeter(s)`);
  const clock = new ScaledClock(1);
  // sim:: resources are answered by simulators in this process, as the server would run them.
  const rack = usesSimulator(config) ? new SimulatedRack(config.blocks, config.voltmeters, clock) : null;
  const results = await identifyInstruments(config, { clock, simEndpoints: rack?.endpoints ?? new Map(), visaLibrary: config.instruments.visa_library });
  const width = Math.max(...results.map((r) => r.key.length));
  for (const r of results) out(`${r.ok ? 'ok    ' : 'FAILED'} ${r.key.padEnd(width)}  ${r.name}: ${r.detail}`);
  const identified = results.filter((r) => r.ok).length;
  out(`${identified} of ${results.length} instruments identified; no output, range or setting was changed`);
  for (const hint of hintsForFailures(results.filter((r) => !r.ok))) out(`hint: ${hint}`);
  return identified === results.length ? 0 : 1;
}
