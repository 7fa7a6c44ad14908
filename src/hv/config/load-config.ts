// The rack's configuration: defaults, then the file (JSON or YAML), then command-line flags;
// validated against the kit's and the rack's schemas with errors that name the key. The kit reads
// the file (src/kit/config/read-config-file.ts); what is done with it is rack-config.ts's.

import type { ServerConfig } from '../../../schemas/types.js';
import { readConfigFile } from '../../kit/config/read-config-file.js';
import { rackConfig, type ConfigFlags } from './rack-config.js';

export { ConfigError } from '../../kit/config/config-error.js';
export { MAX_CONFIG_BYTES } from '../../kit/config/read-config-file.js';
export { rackConfig, type ConfigFlags } from './rack-config.js';

export function loadConfig(flags: ConfigFlags = {}): ServerConfig {
  return rackConfig(flags, flags.config ? readConfigFile(flags.config) : {});
}
