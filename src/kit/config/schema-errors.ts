// One sentence for a value a JSON Schema refused, naming the field, the value and what was
// expected (the schema's own description where it has one): for commands and configurations alike.

import type { ErrorObject } from 'ajv';
import { showValue } from '../protocol/error-reply.js';

/** `blocks[0].max_volts` from ajv's `/blocks/0/max_volts`. */
export function fieldName(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (child !== undefined) parts.push(child);
  return parts.reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}

function valueAt(data: unknown, instancePath: string): unknown {
  let value = data;
  for (const part of instancePath.split('/').slice(1)) {
    value = (value as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

function expected(schema: unknown, error: ErrorObject): string {
  const description = (schema as { description?: string } | undefined)?.description;
  if (description) return description;
  if (error.keyword === 'enum') return `one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map(showValue).join(', ')}`;
  if (error.keyword === 'const') return showValue((error.params as { allowedValue: unknown }).allowedValue);
  return error.message ?? 'a valid value';
}

/**
 * One sentence for a failed validation: "field 'voltage' is "abc"; expected a finite number of volts ...".
 * `defs` are the schema's own $defs, where a $ref'd field keeps its description.
 */
export function describeSchemaErrors(errors: ErrorObject[], data: unknown, defs: Record<string, unknown>, noun = 'field'): string {
  const error = errors[0]!;
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    const propSchema = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties?.[missing];
    return `${noun} '${fieldName(error.instancePath, missing)}' is missing; expected ${expected(resolveRef(propSchema, defs), error)}`;
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
    return `${noun} '${fieldName(error.instancePath, extra)}' is not a known key; expected one of ${known.join(', ')}`;
  }
  // A oneOf reports each failed branch first; the field's description sits on the schema that holds the oneOf.
  const described = errors.find(
    (e) => e.instancePath === error.instancePath && (e.parentSchema as { description?: string } | undefined)?.description,
  );
  const name = fieldName(error.instancePath) || 'message';
  const value = showValue(valueAt(data, error.instancePath));
  return `${noun} '${name}' is ${value}; expected ${expected(described?.parentSchema ?? error.parentSchema, described ?? error)}`;
}

function resolveRef(schema: unknown, defs: Record<string, unknown>): unknown {
  const ref = (schema as { $ref?: string } | undefined)?.$ref;
  return ref ? (defs[ref.split('/').pop()!] ?? schema) : schema;
}
