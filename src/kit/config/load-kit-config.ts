// Loading a manager's configuration, the kit's part: the file (JSON or YAML, sized and nested
// within bounds before it is parsed, read-config-file.ts), then what manager-config.ts does with
// it: the command-line flags over it, one validation against the manager's whole schema that fills
// in the defaults, and the checks of the kit's own sections that a schema cannot say.

import type { KitConfig } from './kit-config.js';
import { managerConfig, type KitConfigFlags, type ManagerConfigRules } from './manager-config.js';
import { readConfigFile } from './read-config-file.js';

export { checkKitSections, managerConfig, type KitConfigFlags, type ManagerConfigRules } from './manager-config.js';
export { MAX_CONFIG_BYTES, readConfigFile } from './read-config-file.js';
export { sectionOf } from './section-of.js';

/** Defaults, then the file, then the flags; validated, defaults filled in, checked. */
export function loadManagerConfig<T extends KitConfig>(flags: KitConfigFlags, rules: ManagerConfigRules<T>): T {
  return managerConfig(flags, flags.config ? readConfigFile(flags.config) : {}, rules);
}
