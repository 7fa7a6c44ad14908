#!/usr/bin/env node
// hv-server: the HV rack's control server. Simulated instruments unless a config file says otherwise.
// The process around it (command line, early port, log, signals) is the kit's (run-manager.ts);
// bin/hv-server.js runs it under the kit's port-holding supervisor (process-supervisor.ts).

import { runManagerProcess } from '../../src/kit/cli/run-manager.js';
import { packageVersion } from './package-version.js';

void runManagerProcess({
  name: 'hv-server',
  description: 'Control server for the precision HV rack: Online over TCP (Envelope), websocket /channel over HTTP.',
  version: packageVersion(),
  supervised: true,
  helpAfter: '\nAlso: hv-server check-config FILE   validate FILE, identify each instrument it names (*IDN?), change nothing',
  subcommand: async (argv) => {
    if (argv[0] !== 'check-config') return null;
    const { checkConfigMain } = await import('./check-config.js');
    return checkConfigMain(argv.slice(1));
  },
  // Loaded once Online's port is bound, with the schema validators; the file was read already.
  loadConfig: async (flags, file) => (await import('../../src/hv/config/rack-config.js')).rackConfig(flags, file),
  start: async (options) => {
    const { startServer } = await import('../start-server.js');
    return startServer(options);
  },
});
