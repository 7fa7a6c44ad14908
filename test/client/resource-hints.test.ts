// check-config's hints: where each system lists its serial ports and VISA resources, given only
// for the kinds of instrument that did not answer.
import { describe, expect, it } from 'vitest';
import { hintsForFailures } from '../../app/cli/resource-hints.js';

describe('check-config hints', () => {
  it('on Windows: the Device Manager or PowerShell for COM ports, Connection Expert or NI MAX for VISA', () => {
    const hints = hintsForFailures([{ resource: 'ASRL3::INSTR' }, { resource: 'GPIB0::22::INSTR' }, { resource: 'GPIB0::21::INSTR' }], 'win32');
    expect(hints).toHaveLength(2);
    expect(hints[0]).toMatch(/Device Manager → Ports \(COM & LPT\).*GetPortNames\(\); ASRL3::INSTR is COM3$/);
    expect(hints[1]).toMatch(/Keysight Connection Expert or NI MAX .*visa64\.dll/);
  });

  it('on Linux: /dev/serial/by-id and the dialout group, the vendor’s VISA tool', () => {
    const hints = hintsForFailures([{ resource: 'ASRL/dev/ttyUSB0::INSTR' }, { resource: 'GPIB0::20::INSTR' }], 'linux');
    expect(hints[0]).toMatch(/ls -l \/dev\/serial\/by-id\/.*dialout/);
    expect(hints[1]).toMatch(/visaconf/);
  });

  it('nothing for LAN and simulated instruments, nor when everything answered', () => {
    expect(hintsForFailures([{ resource: 'TCPIP::10.0.0.5::5025::SOCKET' }, { resource: 'sim::calibrator' }], 'win32')).toEqual([]);
    expect(hintsForFailures([], 'linux')).toEqual([]);
  });
});
