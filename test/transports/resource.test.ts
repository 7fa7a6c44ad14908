// VISA resource strings pick the transport.
import { describe, expect, it } from 'vitest';
import { parseResource } from '../../src/kit/transports/resource.js';

describe('parseResource', () => {
  it.each([
    ['GPIB0::20::INSTR', { kind: 'gpib', board: 0, address: 20 }],
    ['gpib1::4::instr', { kind: 'gpib', board: 1, address: 4 }],
    ['TCPIP::192.168.1.50::5025::SOCKET', { kind: 'tcp-socket', host: '192.168.1.50', port: 5025 }],
    ['TCPIP0::localhost::5026::SOCKET', { kind: 'tcp-socket', host: 'localhost', port: 5026 }],
    ['PRLGX-TCPIP::10.0.0.7::1234::INTFC', { kind: 'prologix', host: '10.0.0.7', port: 1234 }],
    ['ASRL/dev/ttyUSB0::INSTR', { kind: 'serial', path: '/dev/ttyUSB0' }],
    ['sim::calibrator', { kind: 'sim', name: 'calibrator' }],
  ])('%s', (text, expected) => {
    expect(parseResource(text)).toMatchObject({ ...expected, text });
  });

  it.each([
    ['GPIB0::31::INSTR', /GPIB address "31" is not 0 to 30/],
    ['TCPIP::host::99999::SOCKET', /port "99999" is not a TCP port/],
    ['USB0::0x0957::0x0607::INSTR', /is not understood; expected one like GPIB0::20::INSTR/],
    ['sim::', /is not understood/],
  ])('refuses %s', (text, message) => {
    expect(() => parseResource(text)).toThrow(message);
  });
});
