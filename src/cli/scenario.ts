// Online's scenario lines for the HV rack: SET_VOLTAGE B V and SET_VOLTAGE_AND_CHECK B V,
// with Online's defaults (max_error 5 V, timeout 20 s; max_error 10 V for block 1 at 0 V).

export type ScenarioStep =
  | { kind: 'set'; line: number; text: string; block: number; volts: number }
  | { kind: 'check'; line: number; text: string; block: number; volts: number; maxError: number; timeout: number }
  | { kind: 'skip'; line: number; text: string };

function numberAt(parts: string[], i: number, what: string, line: number): number {
  const n = Number(parts[i]);
  if (parts[i] === undefined || !Number.isFinite(n)) {
    throw new Error(`scenario line ${line}: ${what} is ${parts[i] === undefined ? 'missing' : `"${parts[i]}"`}; expected a number`);
  }
  return n;
}

export function parseScenario(text: string): ScenarioStep[] {
  const steps: ScenarioStep[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/#.*$/, '').trim();
    if (!content) return;
    const parts = content.split(/\s+/);
    const keyword = parts[0]!.toUpperCase();
    if (keyword === 'SET_VOLTAGE') {
      steps.push({ kind: 'set', line, text: content, block: numberAt(parts, 1, 'block', line), volts: numberAt(parts, 2, 'voltage', line) });
    } else if (keyword === 'SET_VOLTAGE_AND_CHECK') {
      const block = numberAt(parts, 1, 'block', line);
      const volts = numberAt(parts, 2, 'voltage', line);
      const maxError = parts[3] !== undefined ? numberAt(parts, 3, 'max_error', line) : block === 1 && volts === 0 ? 10 : 5;
      const timeout = parts[4] !== undefined ? numberAt(parts, 4, 'timeout', line) : 20;
      steps.push({ kind: 'check', line, text: content, block, volts, maxError, timeout });
    } else {
      steps.push({ kind: 'skip', line, text: content });
    }
  });
  return steps;
}
