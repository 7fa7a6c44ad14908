// The JSON Schema validators every executable uses, compiled at build time by ajv's standalone code
// (https://ajv.js.org/standalone.html) into modules of plain JavaScript: a process then loads no
// schema compiler at all (ajv's compiler was 20-40 ms of a start per validator, and 12 MiB of RSS).
// Each module is compiled with exactly the options its validator had when it was compiled at run time,
// so it accepts, refuses, fills in defaults and reports errors (`verbose`: with the schema) the same.
// The modules are committed; `npm run build` writes them again (scripts/generate-validators.ts), and
// test/messages/generated-validators.test.ts fails when a committed one differs from what its schemas give.

import { createRequire } from 'node:module';
import { Ajv, type Options } from 'ajv';
// A CommonJS module whose exports are the function, with itself as `default` (which TypeScript sees).
import standalone from 'ajv/dist/standalone/index.js';
import commandSchema from '../../schemas/command.schema.json' with { type: 'json' };
import answerSchema from '../../schemas/answer.schema.json' with { type: 'json' };
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import controlSchema from '../../schemas/sim-control.schema.json' with { type: 'json' };
import detectorCommandSchema from '../../detector/schemas/command.schema.json' with { type: 'json' };
import detectorConfigSchema from '../../detector/schemas/config.schema.json' with { type: 'json' };
import { composeConfigSchema } from '../../src/kit/config/compose-schema.js';

interface ValidatorModule {
  /** The generated module, from the repository's root. */
  file: string;
  /** The schema files it is compiled from (named in its header). */
  from: string[];
  /** ajv's options, as the validator's user compiled it at run time. */
  options: Options;
  schema: { $id?: string; $defs?: Record<string, unknown> };
  /** Export name → the schema it validates ($id, or $id#/$defs/name). */
  exports: Record<string, string>;
}

// Commands are validated as received (no defaults, no coercion: "1000" is not a voltage); a
// configuration gets its defaults filled in by the same pass that checks it.
const rackStrict: Options = { allErrors: false, verbose: true, strict: true, allowUnionTypes: true };
const rackConfig: Options = { ...rackStrict, useDefaults: true };

const rackConfigSchema = composeConfigSchema(configSchema);
const detectorConfig = composeConfigSchema(detectorConfigSchema);
const commandId = commandSchema.$id;

export const VALIDATOR_MODULES: readonly ValidatorModule[] = [
  {
    file: 'src/hv/messages/generated/validate-command.ts',
    from: ['schemas/command.schema.json'],
    options: rackStrict,
    schema: commandSchema,
    exports: { command: commandId, set_voltage: `${commandId}#/$defs/set_voltage`, set_voltage_and_check: `${commandId}#/$defs/set_voltage_and_check` },
  },
  {
    file: 'src/hv/messages/generated/validate-answer.ts',
    from: ['schemas/answer.schema.json'],
    options: rackStrict,
    schema: answerSchema,
    exports: { serverMessage: answerSchema.$id },
  },
  {
    file: 'src/hv/messages/generated/validate-config.ts',
    from: ['src/kit/config/kit-config.schema.json', 'schemas/config.schema.json'],
    options: rackConfig,
    schema: rackConfigSchema,
    exports: { config: configSchema.$id },
  },
  {
    file: 'sim/control/generated/validate-control.ts',
    from: ['schemas/sim-control.schema.json'],
    // The schema picks its branch by `cmd`, so a refusal names what is wrong in that very command.
    options: { allErrors: false, allowUnionTypes: true, discriminator: true, verbose: true },
    schema: controlSchema,
    exports: { control: controlSchema.$id },
  },
  {
    file: 'detector/generated/validate-command.ts',
    from: ['detector/schemas/command.schema.json'],
    options: { allErrors: false, verbose: true, strict: true },
    schema: detectorCommandSchema,
    exports: { command: detectorCommandSchema.$id },
  },
  {
    file: 'detector/generated/validate-config.ts',
    from: ['src/kit/config/kit-config.schema.json', 'detector/schemas/config.schema.json'],
    options: { allErrors: false, verbose: true, useDefaults: true, strict: true, allowUnionTypes: true },
    schema: detectorConfig,
    exports: { config: detectorConfigSchema.$id },
  },
];

/** ajv's helpers the generated code calls, as ajv names them: `require("ajv/dist/runtime/ucs2length").default`. */
const RUNTIME_REQUIRE = /require\("ajv\/dist\/runtime\/([a-z0-9_]+)"\)\.default/g;
const require = createRequire(import.meta.url);

/**
 * One of ajv's runtime helpers (a string's length in code points, a deep equality), copied into the
 * module as source. ajv's ES module output still calls `require` for them, which an ES module has not
 * got; an import of the CommonJS helper would mean its function in Node and in esbuild's bundle but
 * the exports object under vitest. The helpers are self-contained functions of a few lines, and the
 * test compares each module's verdicts and errors with ajv's own.
 */
function runtimeHelper(name: string): string {
  const helper = (require(`ajv/dist/runtime/${name}`) as { default?: unknown }).default;
  if (typeof helper !== 'function') throw new Error(`ajv/dist/runtime/${name} exports ${typeof helper} as its default; expected a function`);
  return `const ajvRuntime_${name} = ${helper.toString()};`;
}

/** One module's text: ajv's standalone code as an ES module with ajv's runtime helpers in it. */
export function validatorModule(module: ValidatorModule): string {
  const ajv = new Ajv({ ...module.options, code: { source: true, esm: true, lines: true } });
  ajv.addSchema(module.schema);
  let code = standalone.default(ajv, module.exports).replace(/^"use strict";\n/, '');
  const helpers = new Set<string>();
  code = code.replace(RUNTIME_REQUIRE, (_: string, name: string) => {
    helpers.add(name);
    return `ajvRuntime_${name}`;
  });
  if (/\brequire\(/.test(code)) throw new Error(`${module.file}: the generated code calls require() other than for ajv's runtime helpers; expected none`);
  // The exports typed as ajv's validators, for the modules that import them.
  code = code.replace(/^export const (\w+) = (validate\d+);$/gm, 'export const $1: ValidateFunction = $2;');
  const helperSources = [...helpers].sort().map(runtimeHelper);
  return [
    '// @ts-nocheck',
    `// Generated by scripts/generate-validators.ts from ${module.from.join(' and ')}: ajv's standalone`,
    '// code, compiled at build time (scripts/validators/validator-modules.ts). Do not edit: `npm run build`',
    '// writes it again, and test/messages/generated-validators.test.ts fails when it differs from the schemas.',
    "import type { ValidateFunction } from 'ajv';",
    ...helperSources,
    code.trimEnd(),
    '',
  ].join('\n');
}

/** Every generated module's text, by its path from the repository's root. */
export function validatorModules(): Record<string, string> {
  return Object.fromEntries(VALIDATOR_MODULES.map((module) => [module.file, validatorModule(module)]));
}
