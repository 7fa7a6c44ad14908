// The detector's configuration: the kit's sections and its own `detector` section, in one file,
// loaded by the kit's loader against the composed schema.

import { ConfigError, composeConfigSchema, loadManagerConfig, type KitConfig, type KitConfigFlags } from '../src/kit/index.js';
import { config as validate } from './generated/validate-config.js';
import configSchema from './schemas/config.schema.json' with { type: 'json' };

export interface ModuleConfig {
  id: string;
  series?: string;
  interval_s: number;
  rate_limit_hz: number;
  simulation: { rate_hz: number; seed: number };
}

export interface DetectorConfig extends KitConfig {
  detector: { modules: ModuleConfig[] };
}

// Its validator is compiled at build time (scripts/validators/validator-modules.ts); the schema
// itself is kept for the descriptions an error sentence quotes.
const schema = composeConfigSchema(configSchema);

export function loadDetectorConfig(flags: KitConfigFlags = {}): DetectorConfig {
  return loadManagerConfig<DetectorConfig>(flags, {
    validate,
    defs: schema.$defs ?? {},
    check: (config) => {
      const seen = new Set<string>();
      for (const [i, m] of config.detector.modules.entries()) {
        if (seen.has(m.id)) throw new ConfigError(`configuration: key 'detector.modules[${i}].id' is "${m.id}", which another module already has; expected a unique id`);
        seen.add(m.id);
      }
      // Every module is simulated here: there is no real counting module to drive yet.
      if (!config.sim) throw new ConfigError(`configuration: key 'sim' is false; expected true (the detector example drives simulated modules only)`);
    },
  });
}
