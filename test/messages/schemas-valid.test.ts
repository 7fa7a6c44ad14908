// The rack's JSON Schemas are valid JSON Schemas: checked here, as well as when the build compiles
// their validators (scripts/validators/validator-modules.ts); the server compiles none at run time.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import commandSchema from '../../schemas/command.schema.json' with { type: 'json' };
import answerSchema from '../../schemas/answer.schema.json' with { type: 'json' };
import { rackConfigSchema } from '../../src/hv/messages/schema-validators.js';

describe('the rack schemas', () => {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true });
  for (const [name, schema] of [['command', commandSchema], ['answer', answerSchema], ['config (with the kit sections)', rackConfigSchema]] as const) {
    it(`${name}: valid against the JSON Schema meta-schema`, () => {
      expect(ajv.validateSchema(schema as object), ajv.errorsText()).toBe(true);
    });
  }

  it('the check has teeth: a schema with a misspelt type is refused', () => {
    expect(ajv.validateSchema({ type: 'strin' })).toBe(false);
  });
});
