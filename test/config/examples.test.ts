// The shipped examples stay valid as the code changes.
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/cli/scenario.js';
import { loadConfig } from '../../src/config/load-config.js';
import { parseResource } from '../../src/transports/resource.js';

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

describe('examples', () => {
  it('sim.yaml is a valid config equal to the defaults', () => {
    const fromFile = loadConfig({ config: example('sim.yaml') });
    expect(fromFile).toEqual(loadConfig());
  });

  it.each(['lan-sockets.yaml', 'lan-prologix.yaml', 'visa.yaml'])('%s is a valid config whose resources all parse', (name) => {
    const config = loadConfig({ config: example(name) });
    const resources = [...config.blocks.map((b) => b.output.resource), ...config.voltmeters.map((m) => m.resource)];
    expect(resources.map((r) => parseResource(r).kind).every((k) => k !== 'sim')).toBe(true);
  });

  it('scenario.txt parses', () => {
    expect(parseScenario(readFileSync(example('scenario.txt'), 'utf8')).filter((s) => s.kind !== 'skip')).toHaveLength(5);
  });
});
