// Online's scenario lines, with Online's defaults.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/cli/scenario.js';

describe('parseScenario', () => {
  it('reads HV lines with Online’s defaults and skips the rest', () => {
    expect(parseScenario('SET_VOLTAGE 1 14000\n# comment\n\nset_voltage_and_check 1 0\nSET_VOLTAGE_AND_CHECK 2 300\nSET_VOLTAGE_AND_CHECK 1 18600 0.1 30\nWAIT 10')).toEqual([
      { kind: 'set', line: 1, text: 'SET_VOLTAGE 1 14000', block: 1, volts: 14000 },
      { kind: 'check', line: 4, text: 'set_voltage_and_check 1 0', block: 1, volts: 0, maxError: 10, timeout: 20 },
      { kind: 'check', line: 5, text: 'SET_VOLTAGE_AND_CHECK 2 300', block: 2, volts: 300, maxError: 5, timeout: 20 },
      { kind: 'check', line: 6, text: 'SET_VOLTAGE_AND_CHECK 1 18600 0.1 30', block: 1, volts: 18600, maxError: 0.1, timeout: 30 },
      { kind: 'skip', line: 7, text: 'WAIT 10' },
    ]);
  });

  it('names the line and the bad value', () => {
    expect(() => parseScenario('SET_VOLTAGE 1\n')).toThrow("scenario line 1: voltage is missing; expected a number");
    expect(() => parseScenario('\nSET_VOLTAGE one 5\n')).toThrow('scenario line 2: block is "one"; expected a number');
  });
});
