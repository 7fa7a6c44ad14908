// Prologix GPIB-ETHERNET framing: in data sent to the adapter, CR, LF, ESC and '+' must each be
// preceded by ESC, or the adapter takes them for line ends or its own "++" commands.

const ESC = 0x1b;
const SPECIAL = new Set([0x0d, 0x0a, ESC, 0x2b]);

export function escapeData(data: Buffer): Buffer {
  const out: number[] = [];
  for (const byte of data) {
    if (SPECIAL.has(byte)) out.push(ESC);
    out.push(byte);
  }
  return Buffer.from(out);
}

/** Splits adapter input into lines at unescaped CR/LF, removing the escapes; `rest` is an unfinished line. */
export function splitAdapterInput(input: Buffer): { lines: { text: string; escapedStart: boolean }[]; rest: Buffer } {
  const lines: { text: string; escapedStart: boolean }[] = [];
  let current: number[] = [];
  let escapedStart = false;
  let lineStart = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    if (byte === ESC) {
      if (i + 1 >= input.length) return { lines, rest: input.subarray(lineStart) };
      if (current.length === 0) escapedStart = true;
      current.push(input[++i]!);
      continue;
    }
    if (byte === 0x0d || byte === 0x0a) {
      if (current.length > 0) lines.push({ text: Buffer.from(current).toString('latin1'), escapedStart });
      current = [];
      escapedStart = false;
      lineStart = i + 1;
      continue;
    }
    current.push(byte);
  }
  return { lines, rest: input.subarray(lineStart) };
}
