// VISA-style resource strings, and which transport each one means.

export type Resource =
  | { kind: 'gpib'; board: number; address: number; text: string }
  | { kind: 'tcp-socket'; host: string; port: number; text: string }
  | { kind: 'prologix'; host: string; port: number; text: string }
  | { kind: 'serial'; path: string; text: string }
  | { kind: 'sim'; name: string; text: string };

export class ResourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceError';
  }
}

const EXPECTED =
  'GPIB0::20::INSTR, TCPIP::host::port::SOCKET, PRLGX-TCPIP::host::1234::INTFC, ASRL/dev/ttyUSB0::INSTR or sim::NAME';

function port(text: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new ResourceError(`resource ${text}: port "${value}" is not a TCP port from 1 to 65535`);
  return n;
}

export function parseResource(text: string): Resource {
  const parts = text.trim().split('::');
  const head = parts[0]?.toUpperCase() ?? '';
  let m: RegExpExecArray | null;
  if ((m = /^GPIB(\d*)$/.exec(head)) && parts.length === 3 && parts[2]!.toUpperCase() === 'INSTR') {
    const address = Number(parts[1]);
    if (!/^\d+$/.test(parts[1]!) || address > 30) throw new ResourceError(`resource ${text}: GPIB address "${parts[1]}" is not 0 to 30`);
    return { kind: 'gpib', board: Number(m[1] || 0), address, text };
  }
  if (/^TCPIP\d*$/.test(head) && parts.length === 4 && parts[3]!.toUpperCase() === 'SOCKET') {
    return { kind: 'tcp-socket', host: parts[1]!, port: port(text, parts[2]!), text };
  }
  if (/^PRLGX-TCPIP\d*$/.test(head) && parts.length === 4 && parts[3]!.toUpperCase() === 'INTFC') {
    return { kind: 'prologix', host: parts[1]!, port: port(text, parts[2]!), text };
  }
  if ((m = /^ASRL(.+)$/i.exec(parts[0] ?? '')) && parts.length === 2 && parts[1]!.toUpperCase() === 'INSTR') {
    // ASRL3 is COM3 on Windows; ASRL/dev/ttyUSB0 names the device path directly.
    const path = /^\d+$/.test(m[1]!) ? (process.platform === 'win32' ? `COM${m[1]}` : `/dev/ttyS${Number(m[1]) - 1}`) : m[1]!;
    return { kind: 'serial', path, text };
  }
  if (head === 'SIM' && parts.length === 2 && parts[1]) return { kind: 'sim', name: parts[1], text };
  throw new ResourceError(`resource "${text}" is not understood; expected one like ${EXPECTED}`);
}
