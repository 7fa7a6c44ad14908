// The JSON Schema validators are compiled at build time (scripts/validators/validator-modules.ts) and
// committed: each committed module is what its schemas give now, each accepts, refuses, fills in
// defaults and reports errors exactly as ajv compiling the same schema at run time does, and no
// executable's bundle carries ajv's compiler (only its small runtime helpers).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { VALIDATOR_MODULES, validatorModule } from '../../scripts/validators/validator-modules.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the generated validators', () => {
  for (const module of VALIDATOR_MODULES) {
    it(`${module.file} is what ${module.from.join(' and ')} give (npm run build writes it again)`, () => {
      expect(readFileSync(join(root, module.file), 'utf8')).toBe(validatorModule(module));
    });
  }

  it('the check has teeth: a schema changed by one word gives another module', () => {
    const module = VALIDATOR_MODULES.find((m) => m.file.endsWith('detector/generated/validate-command.ts'))!;
    const changed = { ...module, schema: { ...module.schema, description: 'changed' } };
    expect(validatorModule(changed)).not.toBe(validatorModule(module));
  });

  // Inputs each validator sees: valid ones, and ones refused at the top, deep inside, by type, by
  // range, by a missing or an unknown key. Defaults are filled into a copy each side.
  const samples: Record<string, unknown[]> = {
    command: [
      { type: 'command', command_type: 'set_voltage', block: 1, voltage: 1000 },
      { type: 'command', command_type: 'set_voltage', block: '2', voltage: '1000' },
      { type: 'command', command_type: 'set_voltage', block: '', voltage: 1000 },
      { type: 'command', command_type: 'set_voltage_and_check', block: 1, voltage: 1000, max_error: 0.1, timeout: 20 },
      { type: 'command', command_type: 'set_voltage_and_check', block: 1, voltage: 1000, max_error: -1 },
      { type: 'command', command_type: 'explode', block: 1 },
      { type: 'command', command_type: 'set_voltage', block: 1, voltage: 1000, extra: true },
      { type: 'command' },
      'a string',
    ],
    config: [
      {},
      { tcp: { port: 5050 }, log: { console_level: 'debug' } },
      { tcp: { port: 'five' } },
      { blocks: [{ id: 1, max_volts: 'high' }] },
      { detector: { modules: [{ id: 'm1', interval_s: -1 }] } },
      { unknown_section: 1 },
      { limits: { http: { headers_timeout_s: 0 } } },
    ],
    control: [
      { cmd: 'status' },
      { cmd: 'fault', device: 'voltmeter-1', fault: 'offline', on: true },
      { cmd: 'fault', device: 'voltmeter-1', fault: 'melt', on: true },
      { cmd: 'launch' },
      { cmd: 'spike', device: 'v', volts: 'x' },
      { cmd: 'reset', extra: 1 },
      [],
    ],
    serverMessage: [
      { type: 'reply', reply_type: 'error', error_code: 9, error_text_code: 'INCORRECT_MESSAGE_PARAMS', description: 'x' },
      { type: 'reply', reply_type: 'error', error_code: '9' },
      { type: 'answer', answer_type: 'set_voltage', block: 1, status: 'ok' },
      { type: 'nonsense' },
    ],
  };
  samples.set_voltage = samples.command!;
  samples.set_voltage_and_check = samples.command!;
  // The detector's command: module and command names, and the acquisition's timing.
  const detectorCommands = [
    { type: 'command', command_type: 'start_acquisition', module: 'm1', interval_s: 1 },
    { type: 'command', command_type: 'start_acquisition', module: '', interval_s: 0 },
    { type: 'command', command_type: 'get_status' },
    { type: 'command', command_type: 'stop_acquisition', module: 'm1', colour: 'red' },
  ];

  for (const module of VALIDATOR_MODULES) {
    it(`${module.file} judges as ajv compiling the schema at run time does`, async () => {
      const generated = (await import(join(root, module.file))) as Record<string, ValidateFunction>;
      const ajv = new Ajv(module.options).addSchema(module.schema);
      let judged = 0;
      for (const [name, ref] of Object.entries(module.exports)) {
        const atRunTime = ajv.getSchema(ref)!;
        const inputs = module.file.startsWith('detector/') && name === 'command' ? detectorCommands : samples[name]!;
        expect(inputs.length).toBeGreaterThan(3);
        const outcomes = new Set<boolean>();
        for (const input of inputs) {
          const [a, b] = [structuredClone(input), structuredClone(input)];
          const valid = generated[name]!(a);
          expect(valid, JSON.stringify(input)).toBe(atRunTime(b));
          expect(a, 'defaults filled in').toEqual(b);
          expect(generated[name]!.errors ?? null).toEqual(atRunTime.errors ?? null);
          outcomes.add(valid);
          judged++;
        }
        // Both verdicts are among the samples, so the comparison is not of refusals alone.
        if (name !== 'config') expect([...outcomes].sort()).toEqual([false, true]);
      }
      expect(judged).toBeGreaterThan(0);
    });
  }
});

describe("the executables' bundles", () => {
  const bundle = join(root, 'dist', 'bundle');

  it("carry none of ajv but its runtime helpers: no JSON Schema compiler is loaded at run time", () => {
    if (!existsSync(bundle)) throw new Error('dist/bundle/ is missing: npm test builds it first (npm run build)');
    const sources = new Map<string, string[]>();
    for (const entry of readdirSync(bundle, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
      const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
      // esbuild wraps each bundled CommonJS file (ajv's, ws's) in a function keyed by its path:
      // `__commonJS({"node_modules/ajv/dist/core.js"(exports, module) {`.
      sources.set(entry.name, [...text.matchAll(/"(node_modules\/[^"]+)"\(exports/g)].map((m) => m[1]!));
    }
    const all = [...sources.values()].flat();
    // The check has teeth: the paths are there (ws is in every server's bundle).
    expect(all.some((path) => path.startsWith('node_modules/ws/'))).toBe(true);
    const ajv = all.filter((path) => path.startsWith('node_modules/ajv/'));
    expect(ajv.filter((path) => !path.startsWith('node_modules/ajv/dist/runtime/'))).toEqual([]);
  });
});
