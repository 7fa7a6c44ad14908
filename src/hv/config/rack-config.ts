// The rack's configuration from its file's document: defaults, then the document, then command-line
// flags; validated against the kit's and the rack's schemas (src/kit/config/kit-config.schema.json,
// schemas/config.schema.json) with errors that name the key. The kit applies the flags
// (src/kit/config/manager-config.ts); the rack adds its instruments and their checks. The file is
// read by load-config.ts, or by the supervising process, which hands its document to the server
// (run-manager.ts): this module loads no file reader, so the server loads no YAML parser.

import type { ServerConfig } from '../../../schemas/types.js';
import { ConfigError } from '../../kit/config/config-error.js';
import { managerConfig, type KitConfigFlags } from '../../kit/config/manager-config.js';
import { configDefs, validators } from '../messages/schema-validators.js';
import { checkResources, namesRealResource } from './check-resources.js';
import { DEFAULT_BLOCKS, DEFAULT_VOLTMETERS } from './default-config.js';

/** Flags as the CLI parsed them; each overrides the file's key of the same meaning. */
export type ConfigFlags = KitConfigFlags;

/** The rack's configuration from the flags and the file's document (`file`, {} without a file). */
export function rackConfig(flags: ConfigFlags, file: Record<string, unknown>): ServerConfig {
  return managerConfig<ServerConfig>(flags, file, {
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
