// The 34401A's reading format as the simulated meters write it: sign, nine digits, an exponent of
// at least two digits.
import { describe, expect, it } from 'vitest';
import { scpiExponential } from '../../sim/scpi/scpi-device.js';

describe('scpiExponential', () => {
  it('writes a sign always, nine digits and a two-digit exponent', () => {
    expect(scpiExponential(1)).toBe('+1.00000000E+00');
    expect(scpiExponential(0)).toBe('+0.00000000E+00');
    expect(scpiExponential(-1.23456789e-5)).toBe('-1.23456789E-05');
    expect(scpiExponential(9.9e37)).toBe('+9.90000000E+37');
    expect(scpiExponential(1234.4, 3)).toBe('+1.234E+03');
  });

  it('keeps an exponent of three digits whole, and reads back as the number it rounds to', () => {
    expect(scpiExponential(1e-300)).toBe('+1.00000000E-300');
    expect(scpiExponential(-2.5e123)).toBe('-2.50000000E+123');
    for (const v of [3.14159265358, -0.000271828, 12345.6789, 7e-11]) expect(Number(scpiExponential(v))).toBe(Number(v.toExponential(8)));
  });
});
