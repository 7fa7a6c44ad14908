// The ADAM analog-output driver, byte for byte (carriage-return terminated).
import { describe, expect, it } from 'vitest';
import { Adam4024 } from '../../src/hv/instruments/adam-4024.js';
import { ScriptedTransport } from '../helpers/scripted-transport.js';

describe('ADAM analog-output driver', () => {
  it('checks the configuration, reads back and sets the output', async () => {
    const transport = new ScriptedTransport(['!01320600\r', '!01+05.000\r', '>\r'], 'scripted::ao', '\r');
    const ao = new Adam4024('ao', transport, 1, 2000);
    expect(await ao.readOutput()).toBe(5);
    await ao.setOutput(2.5, { energize: true });
    expect(transport.written).toEqual(['$012\r', '$016\r', '#01+02.500\r']);
  });

  it('refuses a module set to another output range, and a refused command', async () => {
    const wrongRange = new Adam4024('ao', new ScriptedTransport(['!01300600\r'], 'x', '\r'), 1, 2000);
    await expect(wrongRange.readOutput()).rejects.toThrow(/\$012 answered "!01300600"; expected "!0132\.\.\." \(output range 0–10 V\)/);
    const refused = new Adam4024('ao', new ScriptedTransport(['!01320600\r', '?01\r'], 'x', '\r'), 1, 2000);
    await expect(refused.setOutput(3, { energize: true })).rejects.toThrow(/#01\+03\.000 answered "\?01"; expected ">"/);
  });

  it('refuses an output outside 0 to 10 V before writing anything', async () => {
    const transport = new ScriptedTransport([], 'x', '\r');
    await expect(new Adam4024('ao', transport, 10, 2000).setOutput(10.5, { energize: true })).rejects.toThrow('ao: output 10.5 V refused; expected 0 to 10 V');
    expect(transport.written).toEqual([]);
  });
});
