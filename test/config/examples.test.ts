// The shipped examples stay valid as the code changes.
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../app/cli/scenario.js';
import { loadConfig } from '../../src/hv/config/load-config.js';
import { parseResource } from '../../src/kit/transports/resource.js';

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

  it.each(['rack.yaml', 'rack-linux.yaml', 'rack-lan-serial.yaml'])('%s names the real rack: sim is false, the addresses and coefficients of docs/protocol.md §6', (name) => {
    const config = loadConfig({ config: example(name) });
    expect(config.sim).toBe(false);
    expect(config.blocks.map((b) => [b.id, b.output.driver, b.output.gain, b.output.offset])).toEqual([
      [1, 'fluke-5502e', 3500.5, 1.26],
      [2, 'adam-4024', 100, 0],
    ]);
    expect(config.voltmeters.map((m) => [m.id, m.divider_ratio])).toEqual([
      ['divider-1', -4050.65],
      ['divider-2', -2025.7],
      ['gun', 2025.4],
    ]);
    const gpib = (r: string, address?: number) => {
      const parsed = parseResource(r);
      return parsed.kind === 'gpib' ? parsed.address : address;
    };
    expect(gpib(config.blocks[0]!.output.resource, config.blocks[0]!.output.address)).toBe(4);
    expect(gpib(config.voltmeters[0]!.resource, config.voltmeters[0]!.address)).toBe(20);
  });

  it('scenario.txt parses', () => {
    expect(parseScenario(readFileSync(example('scenario.txt'), 'utf8')).filter((s) => s.kind !== 'skip')).toHaveLength(5);
  });
});
