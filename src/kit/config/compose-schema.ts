// A manager's whole configuration schema: the kit's sections (kit-config.schema.json) and the
// manager's own in one object, so one validation pass checks both and fills in both defaults, and
// a key nobody knows is refused with the list of those that are.

import kitSchema from './kit-config.schema.json' with { type: 'json' };

interface ObjectSchema {
  $id?: string;
  properties?: Record<string, unknown>;
  $defs?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The kit's own sections, as a schema (for a manager that adds none, and for documents). */
export const KIT_CONFIG_SCHEMA: ObjectSchema = kitSchema as ObjectSchema;

/** `manager`'s schema with the kit's sections first; a section both define is the manager's. */
export function composeConfigSchema(manager: ObjectSchema): ObjectSchema {
  const { $schema, ...rest } = manager;
  return {
    ...($schema === undefined ? {} : { $schema }),
    ...rest,
    additionalProperties: false,
    properties: { ...KIT_CONFIG_SCHEMA.properties, ...manager.properties },
    $defs: { ...KIT_CONFIG_SCHEMA.$defs, ...manager.$defs },
  };
}
