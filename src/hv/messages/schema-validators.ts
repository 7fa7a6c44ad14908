// The rack's JSON Schemas, compiled once by ajv; the sentences naming a bad field are the kit's.

import { Ajv, type ValidateFunction } from 'ajv';
import commandSchema from '../../../schemas/command.schema.json' with { type: 'json' };
import answerSchema from '../../../schemas/answer.schema.json' with { type: 'json' };
import configSchema from '../../../schemas/config.schema.json' with { type: 'json' };
import { composeConfigSchema } from '../../kit/config/compose-schema.js';

export { describeSchemaErrors, fieldName } from '../../kit/config/schema-errors.js';

/** The rack's whole configuration schema: the kit's sections and the rack's. */
export const rackConfigSchema = composeConfigSchema(configSchema);

// Commands are validated as received (no defaults, no coercion: "1000" is not a voltage);
// the config gets its defaults filled in by the same pass that checks it.
// The schemas are the project's own files, checked against the JSON Schema meta-schema by the tests
// (test/messages/schemas-valid.test.ts); checking them again at every start would compile the
// meta-schema in each instance, a third of a start's schema work. Strict mode still applies.
const strict = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true, validateSchema: false });
// The configuration is validated once per start: its validator is compiled without ajv's pass that
// tidies the generated code (a third less CPU to compile it; the code checks exactly the same).
const withDefaults = new Ajv({ allErrors: false, verbose: true, useDefaults: true, strict: true, allowUnionTypes: true, validateSchema: false, code: { optimize: false } });
strict.addSchema(commandSchema).addSchema(answerSchema);

const commandId = commandSchema.$id;

/** A validator compiled when first used (each takes 20-40 ms): the answer schema only in tests. */
function compiledOnce(compile: () => ValidateFunction): () => ValidateFunction {
  let validate: ValidateFunction | null = null;
  return () => (validate ??= compile());
}

const compiled = {
  command: compiledOnce(() => strict.getSchema(commandId) as ValidateFunction),
  set_voltage: compiledOnce(() => strict.getSchema(`${commandId}#/$defs/set_voltage`) as ValidateFunction),
  set_voltage_and_check: compiledOnce(() => strict.getSchema(`${commandId}#/$defs/set_voltage_and_check`) as ValidateFunction),
  serverMessage: compiledOnce(() => strict.getSchema(answerSchema.$id) as ValidateFunction),
  config: compiledOnce(() => withDefaults.compile(rackConfigSchema)),
};

export const validators = {
  /** Any command: its command_type is one the server knows. */
  get command() {
    return compiled.command();
  },
  get set_voltage() {
    return compiled.set_voltage();
  },
  get set_voltage_and_check() {
    return compiled.set_voltage_and_check();
  },
  /** Any message the server sends (tests check every answer against it). */
  get serverMessage() {
    return compiled.serverMessage();
  },
  get config() {
    return compiled.config();
  },
};

/** Compiles the command validators now, so the first command is answered as fast as the next. */
export function warmCommandValidators(): void {
  compiled.command();
  compiled.set_voltage();
  compiled.set_voltage_and_check();
}

export const commandDefs = commandSchema.$defs as Record<string, unknown>;
export const configDefs = rackConfigSchema.$defs as Record<string, unknown>;
