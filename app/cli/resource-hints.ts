// What check-config tells an engineer whose serial or VISA instrument did not answer: where this
// system lists its serial ports and its VISA resources, so the address in the config can be
// checked against what the PC actually has.

import { parseResource } from '../../src/kit/transports/resource.js';

export type ResourceFamily = 'serial' | 'visa';

/** The family of a resource string whose listing can help, or null (LAN, simulated, unparsable). */
export function resourceFamily(resource: string): ResourceFamily | null {
  try {
    const kind = parseResource(resource).kind;
    return kind === 'serial' ? 'serial' : kind === 'gpib' ? 'visa' : null;
  } catch {
    return null;
  }
}

/** One line per family, for this system. */
export function listingHint(family: ResourceFamily, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    return family === 'serial'
      ? 'serial ports on this PC: Device Manager → Ports (COM & LPT), or in PowerShell [System.IO.Ports.SerialPort]::GetPortNames(); ASRL3::INSTR is COM3'
      : 'VISA resources on this PC: Keysight Connection Expert or NI MAX list every GPIB instrument as GPIB0::<address>::INSTR; the vendor installs visa64.dll in C:\\Windows\\System32 (else set instruments.visa_library)';
  }
  return family === 'serial'
    ? 'serial ports on this PC: ls -l /dev/serial/by-id/ /dev/ttyUSB* /dev/ttyS* (ASRL/dev/ttyUSB0::INSTR names one; the user needs the dialout group)'
    : 'VISA resources on this PC: the vendor’s own tool lists every GPIB instrument as GPIB0::<address>::INSTR (Keysight Connection Expert, NI’s visaconf or NI-VISA Interactive Control); set instruments.visa_library if the library is not where the vendor installs it';
}

/** The hints for the instruments that did not answer, each family once. */
export function hintsForFailures(failed: { resource: string }[], platform: NodeJS.Platform = process.platform): string[] {
  const families = new Set(failed.map((f) => resourceFamily(f.resource)).filter((f): f is ResourceFamily => f !== null));
  return (['serial', 'visa'] as const).filter((f) => families.has(f)).map((f) => listingHint(f, platform));
}
