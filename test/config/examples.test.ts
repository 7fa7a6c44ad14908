// The shipped examples stay valid as the code changes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/cli/scenario.js';
import { loadConfig } from '../../src/config/load-config.js';

const example = (name: string) => new URL(`../../examples/${name}`, import.meta.url).pathname;

describe('examples', () => {
  it('sim.yaml is a valid config equal to the defaults', () => {
    const fromFile = loadConfig({ config: example('sim.yaml') });
    expect(fromFile).toEqual(loadConfig());
  });

  it('scenario.txt parses', () => {
    expect(parseScenario(readFileSync(example('scenario.txt'), 'utf8')).filter((s) => s.kind !== 'skip')).toHaveLength(5);
  });
});
