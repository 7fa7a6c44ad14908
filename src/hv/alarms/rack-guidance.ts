// What to check first on the rack for each of its alarms, written for its real instruments: the
// FuG supplies and their interlocks, the Fluke 5502E calibrator that programs block 1 (and its STBY
// key), the ADAM-4024 module that programs block 2 on its serial line, the Agilent 34401A
// voltmeters on GPIB and the dividers they read the HV through. The alarm's own sentence says what
// happened; these say where to look first.

const BLOCK: Readonly<Record<string, string>> = {
  OUTPUT_STANDBY:
    'Someone pressed STBY on the calibrator\'s front panel, or it went to standby on an error: look at its display for the error, then send the setpoint again from Online (only a command switches the output on).',
  NO_OUTPUT:
    'The FuG supply has tripped or its output is off: check its front panel for the interlock (HV door, cable connectors) and the over-current lamp, and its program input cable from the calibrator; send the setpoint again once it is on.',
  READBACK_MISMATCH:
    'The HV read through the divider is not what the output should give: check the divider\'s cable to the voltmeter and the voltmeter\'s range on its front panel, then the supply\'s program input; the block corrects nothing on such readings.',
  READING_OUTLIER:
    'A single reading was far off and was not used: usually a spark or interference on the divider line; if it repeats, check the divider\'s shielding and the voltmeter\'s input cable.',
  READING_STALE:
    'The voltmeter keeps giving the same value: look at its front panel (is it triggering, is REM lit, is an error shown?) and its GPIB cable; pressing LOCAL then re-sending a command resumes the readings.',
  DRIFT:
    'The HV moves against the output: compare the voltmeter with the second divider or the gun\'s voltmeter to tell a drifting divider from a drifting supply; the block stopped correcting until a command.',
  HOLD_LIMIT:
    'Holding stopped after moving the demand by its limit: the voltmeter or divider may be drifting; compare with the second divider, then send the setpoint again from Online to resume holding.',
  NO_READINGS:
    'The block\'s voltmeter does not answer: check its power, its GPIB cable and address (front panel: I/O menu), and the USB-GPIB adapter\'s lamp; the block holds its output unchanged meanwhile.',
};

/** The sentence for a device actor's failure, by the instrument it drives. */
function deviceFault(source: string): string | undefined {
  if (source.startsWith('voltmeter-'))
    return 'The voltmeter stopped answering: check its power and front panel (an error message, REM lit), its GPIB cable and the USB-GPIB adapter; the server restarts it by itself.';
  if (source === 'block-1')
    return 'The calibrator stopped answering: check its power and front panel for an error, and its GPIB cable; its output is left as it was while the server restarts its driver.';
  if (source === 'block-2')
    return 'The ADAM module stopped answering: check its 24 V supply, its serial (RS-485) converter and cable; its output is left as it was while the server restarts its driver.';
  return undefined;
}

/** The rack's guidance for an alarm of `source`, or undefined to leave it to the kit's. */
export function rackGuidance(code: string, source: string): string | undefined {
  if (code === 'DEVICE_FAULT') return deviceFault(source);
  return Object.hasOwn(BLOCK, code) ? BLOCK[code] : undefined;
}
