// The rack's configuration: defaults, then the file (JSON or YAML), then command-line flags;
// validated against the kit's and the rack's schemas (src/kit/config/kit-config.schema.json,
// schemas/config.schema.json) with errors that name the key. The kit reads the file and applies
// the flags (src/kit/config/load-kit-config.ts); the rack adds its instruments and their checks.

import type { ServerConfig } from '../../../schemas/types.js';
import { ConfigError } from '../../kit/config/config-error.js';
import { loadManagerConfig, type KitConfigFlags } from '../../kit/config/load-kit-config.js';
import { configDefs, validators } from '../messages/schema-validators.js';
import { checkResources, namesRealResource } from './check-resources.js';
import { DEFAULT_BLOCKS, DEFAULT_VOLTMETERS } from './default-config.js';

export { ConfigError } from '../../kit/config/config-error.js';
export { MAX_CONFIG_BYTES } from '../../kit/config/load-kit-config.js';

/** Flags as the CLI parsed them; each overrides the file's key of the same meaning. */
export type ConfigFlags = KitConfigFlags;

export function loadConfig(flags: ConfigFlags = {}): ServerConfig {
  return loadManagerConfig<ServerConfig>(flags, {
    validate: validators.config,
    defs: configDefs,
    defaults: (merged) => {
      merged.blocks ??= structuredClone(DEFAULT_BLOCKS);
      merged.voltmeters ??= structuredClone(DEFAULT_VOLTMETERS);
    },
    // Only a file can select the real rack: --sim wins, then the file's own `sim` key, then what
    // the file names (any resource that is not `sim::NAME` is a real instrument, so the real rack).
    // The schema's default (true) would otherwise make a file of GPIB addresses drive simulators.
    simDefault: (merged) => !namesRealResource(merged),
    check: (config) => {
      checkConsistency(config);
      checkResources(config);
    },
  });
}

/** What the schema alone cannot say of the rack's sections: references between them, and ranges that make sense. */
function checkConsistency(config: ServerConfig): void {
  const fail = (message: string): never => {
    throw new ConfigError(`configuration: ${message}`);
  };
  const meterIds = new Set<string>();
  for (const [i, meter] of config.voltmeters.entries()) {
    if (meterIds.has(meter.id)) fail(`key 'voltmeters[${i}].id' is "${meter.id}", which another voltmeter already has; expected a unique id`);
    meterIds.add(meter.id);
  }
  const blockIds = new Set<number>();
  for (const [i, block] of config.blocks.entries()) {
    if (blockIds.has(block.id)) fail(`key 'blocks[${i}].id' is ${block.id}, which another block already has; expected a unique block number`);
    blockIds.add(block.id);
    if (!meterIds.has(block.voltmeter)) {
      fail(`key 'blocks[${i}].voltmeter' is "${block.voltmeter}"; expected one of the voltmeters' ids (${[...meterIds].join(', ')})`);
    }
    if (!(block.min_volts < block.max_volts)) {
      fail(`keys 'blocks[${i}].min_volts' and 'max_volts' are ${block.min_volts} and ${block.max_volts}; expected min_volts below max_volts`);
    }
    if (!(block.output.min_volts < block.output.max_volts)) {
      fail(`keys 'blocks[${i}].output.min_volts' and 'max_volts' are ${block.output.min_volts} and ${block.output.max_volts}; expected min below max`);
    }
  }
}
