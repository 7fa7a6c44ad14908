#!/usr/bin/env node
// hv-detector: the simulated detector-module manager (detector/), served by the same kit as
// hv-server: the same Envelope TCP connector for Online, the same websocket, status and /debug.

import { runManagerProcess } from '../../src/kit/index.js';
import { loadDetectorConfig } from '../../detector/detector-config.js';
import { packageVersion } from './package-version.js';

void runManagerProcess({
  name: 'hv-detector',
  description: 'Simulated counting modules of the detector: start_acquisition, stop_acquisition, get_status over TCP (Envelope) and websocket; count rates published to every client.',
  version: packageVersion(),
  loadConfig: loadDetectorConfig,
  start: async (options) => {
    const { startDetectorServer } = await import('../start-detector.js');
    return startDetectorServer(options);
  },
});
