// The rack's JSON Schema validators, compiled at build time by ajv's standalone code
// (scripts/validators/validator-modules.ts): the server loads no schema compiler, and the first
// command is answered as fast as the next. The sentences naming a bad field are the kit's.

import configSchema from '../../../schemas/config.schema.json' with { type: 'json' };
import commandSchema from '../../../schemas/command.schema.json' with { type: 'json' };
import { composeConfigSchema } from '../../kit/config/compose-schema.js';
import { command, set_voltage, set_voltage_and_check } from './generated/validate-command.js';
import { config } from './generated/validate-config.js';

export { describeSchemaErrors, fieldName } from '../../kit/config/schema-errors.js';

/** The rack's whole configuration schema: the kit's sections and the rack's. */
export const rackConfigSchema = composeConfigSchema(configSchema);

// Commands are validated as received (no defaults, no coercion: "1000" is not a voltage);
// the config gets its defaults filled in by the same pass that checks it.
export const validators = {
  /** Any command: its command_type is one the server knows. */
  command,
  set_voltage,
  set_voltage_and_check,
  config,
};

export const commandDefs = commandSchema.$defs as Record<string, unknown>;
export const configDefs = rackConfigSchema.$defs as Record<string, unknown>;
