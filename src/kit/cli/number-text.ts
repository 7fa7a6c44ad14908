// A number given on the command line, as every tool reads it: the whole text a finite number
// (an integer where one is expected). Apart from the command-line library (parse-number.ts), so
// that the supervising process reads its few flags with the same rule without loading it.

export function numberFromText(value: string, integer = false): number | null {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) return null;
  return n;
}
