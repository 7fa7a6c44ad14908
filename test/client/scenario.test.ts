// Online's scenario lines, with Online's defaults.
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../../app/cli/scenario.js';
import { looksLikeHvKeyword } from '../../app/cli/scenario-keywords.js';

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

describe('parseScenario and mistyped HV lines', () => {
  it('refuses a line that looks like an HV command but does not parse, naming every such line', () => {
    const text = 'SET_VOLTAG 1 100\nACQUIRE 30\nSET_VOLTAGE 1 abc\n# SET_VOLTAG in a comment\nSET VOLTAGE 2 5\nset-voltage-and-chek 1 5\nSET_VOLTAGE 1 5 6\nSET_VOLTAGE_AND_CHECK 1 5 1 20 9\n';
    let problems: string[] = [];
    try {
      parseScenario(text);
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      problems = (err as ScenarioError).problems;
    }
    expect(problems).toEqual([
      'scenario line 1: "SET_VOLTAG" is not an HV command; did you mean SET_VOLTAGE? (expected SET_VOLTAGE B V or SET_VOLTAGE_AND_CHECK B V [MAX_ERROR [TIMEOUT]])',
      'scenario line 3: voltage is "abc"; expected a number',
      'scenario line 5: "SET VOLTAGE" is not an HV command; did you mean SET_VOLTAGE? (expected SET_VOLTAGE B V or SET_VOLTAGE_AND_CHECK B V [MAX_ERROR [TIMEOUT]])',
      'scenario line 6: "set-voltage-and-chek" is not an HV command; did you mean SET_VOLTAGE_AND_CHECK? (expected SET_VOLTAGE B V or SET_VOLTAGE_AND_CHECK B V [MAX_ERROR [TIMEOUT]])',
      'scenario line 7: SET_VOLTAGE has 3 values ("1 5 6"); expected at most 2 (SET_VOLTAGE B V or SET_VOLTAGE_AND_CHECK B V [MAX_ERROR [TIMEOUT]])',
      'scenario line 8: SET_VOLTAGE_AND_CHECK has 5 values ("1 5 1 20 9"); expected at most 4 (SET_VOLTAGE B V or SET_VOLTAGE_AND_CHECK B V [MAX_ERROR [TIMEOUT]])',
    ]);
  });

  it('still skips Online’s other commands and comments', () => {
    expect(parseScenario('ACQUIRE 30\nWAIT 10\nSET_FIELD 3\nPAUSE\n# SET_VOLTAG 1 100\nSET_VOLTAGE 2 100 # the shift\n').map((s) => [s.kind, s.line])).toEqual([
      ['skip', 1],
      ['skip', 2],
      ['skip', 3],
      ['skip', 4],
      ['set', 6],
    ]);
  });

  it('knows the near misses of the two HV keywords', () => {
    expect(looksLikeHvKeyword('SETVOLTAGE')).toEqual({ written: 'SETVOLTAGE', meant: 'SET_VOLTAGE' });
    expect(looksLikeHvKeyword('Set_Voltage_Check')).toEqual({ written: 'Set_Voltage_Check', meant: 'SET_VOLTAGE_AND_CHECK' });
    expect(looksLikeHvKeyword('VOLTAGE_SET')).toEqual({ written: 'VOLTAGE_SET', meant: 'SET_VOLTAGE' });
    expect(looksLikeHvKeyword('SET', 'VOLTAGE_AND_CHECK')).toEqual({ written: 'SET VOLTAGE_AND_CHECK', meant: 'SET_VOLTAGE_AND_CHECK' });
    expect(looksLikeHvKeyword('SET', '3')).toBeNull();
    expect(looksLikeHvKeyword('ACQUIRE')).toBeNull();
  });
});
