// Online's scenario lines for the HV rack: SET_VOLTAGE B V and SET_VOLTAGE_AND_CHECK B V,
// with Online's defaults (max_error 5 V, timeout 20 s; max_error 10 V for block 1 at 0 V).
// Other lines are Online's own commands (ACQUIRE 30, ...) and are skipped; but a line that looks
// like an HV command and does not parse is an error, so a typo never silently leaves a step out.

import { looksLikeHvKeyword } from './scenario-keywords.js';

export type ScenarioStep =
  | { kind: 'set'; line: number; text: string; block: number; volts: number }
  | { kind: 'check'; line: number; text: string; block: number; volts: number; maxError: number; timeout: number }
  | { kind: 'skip'; line: number; text: string };

/** Every bad line of a scenario file, one sentence each; thrown before anything is sent. */
export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ScenarioError';
  }
}

const FORMS = 'SET_VOLTAGE B V or SET_VOLTAGE_AND_CHECK B V [MAX_ERROR [TIMEOUT]]';

function numberAt(parts: string[], i: number, what: string, line: number): number {
  const n = Number(parts[i]);
  if (parts[i] === undefined || !Number.isFinite(n)) {
    throw new Error(`scenario line ${line}: ${what} is ${parts[i] === undefined ? 'missing' : `"${parts[i]}"`}; expected a number`);
  }
  return n;
}

function tooMany(parts: string[], most: number, line: number): void {
  if (parts.length - 1 > most) {
    throw new Error(`scenario line ${line}: ${parts[0]} has ${parts.length - 1} values ("${parts.slice(1).join(' ')}"); expected at most ${most} (${FORMS})`);
  }
}

function parseLine(content: string, line: number): ScenarioStep {
  const parts = content.split(/\s+/);
  const keyword = parts[0]!.toUpperCase();
  if (keyword === 'SET_VOLTAGE') {
    tooMany(parts, 2, line);
    return { kind: 'set', line, text: content, block: numberAt(parts, 1, 'block', line), volts: numberAt(parts, 2, 'voltage', line) };
  }
  if (keyword === 'SET_VOLTAGE_AND_CHECK') {
    tooMany(parts, 4, line);
    const block = numberAt(parts, 1, 'block', line);
    const volts = numberAt(parts, 2, 'voltage', line);
    const maxError = parts[3] !== undefined ? numberAt(parts, 3, 'max_error', line) : block === 1 && volts === 0 ? 10 : 5;
    const timeout = parts[4] !== undefined ? numberAt(parts, 4, 'timeout', line) : 20;
    return { kind: 'check', line, text: content, block, volts, maxError, timeout };
  }
  const near = looksLikeHvKeyword(parts[0]!, parts[1]);
  if (near) throw new Error(`scenario line ${line}: "${near.written}" is not an HV command; did you mean ${near.meant}? (expected ${FORMS})`);
  return { kind: 'skip', line, text: content };
}

/** The steps of a scenario file; throws a ScenarioError naming every line that does not parse. */
export function parseScenario(text: string): ScenarioStep[] {
  const steps: ScenarioStep[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const content = raw.replace(/#.*$/, '').trim();
    if (!content) return;
    try {
      steps.push(parseLine(content, index + 1));
    } catch (err) {
      problems.push((err as Error).message);
    }
  });
  if (problems.length > 0) throw new ScenarioError(problems);
  return steps;
}
