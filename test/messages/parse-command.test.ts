// Commands are refused with Online's codes and a sentence that names the field, the value and what was expected.
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/hv/messages/parse-command.js';
import { serverMessage } from '../../src/hv/messages/generated/validate-answer.js';

const blocks = new Map([
  [1, { id: 1, min_volts: 0, max_volts: 25000 }],
  [2, { id: 2, min_volts: 0, max_volts: 1000 }],
]);
const base = { type: 'command', command_type: 'set_voltage', block: 1, voltage: 1000 };

function refusal(meta: Record<string, unknown>) {
  const parsed = parseCommand(meta, blocks);
  if (parsed.ok) throw new Error(`expected a refusal for ${JSON.stringify(meta)}`);
  expect(serverMessage(parsed.reply)).toBe(true);
  return parsed.reply;
}

describe('parseCommand', () => {
  it('accepts set_voltage with a numeric or string block, echoing the block as sent', () => {
    expect(parseCommand(base, blocks)).toEqual({
      ok: true,
      command: { command_type: 'set_voltage', block: 1, blockAsSent: 1, voltage: 1000 },
    });
    const parsed = parseCommand({ ...base, block: '2', voltage: 500 }, blocks);
    expect(parsed.ok && parsed.command).toMatchObject({ block: 2, blockAsSent: '2' });
  });

  it('says so when block 2 is not configured', () => {
    const parsed = parseCommand({ ...base, block: '2' }, new Map([[1, { id: 1, min_volts: 0, max_volts: 25000 }]]));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reply).toMatchObject({
      error_code: 9,
      description: `field 'block' is "2": block 2 is not configured; expected one of the configured blocks (1)`,
    });
  });

  it('takes max_error and timeout of set_voltage_and_check as sent', () => {
    const parsed = parseCommand({ ...base, command_type: 'set_voltage_and_check', block: '1', max_error: 0.1, timeout: 30 }, blocks);
    expect(parsed.ok && parsed.command).toMatchObject({ max_error: 0.1, timeout: 30 });
  });

  it.each([
    [{ ...base, type: 'query' }, 7, /field 'type' is "query"; expected "command"/],
    [{ voltage: 5 }, 7, /field 'type' is missing/],
    [{ ...base, command_type: 'reboot' }, 9, /field 'command_type' is "reboot"; expected one of "set_voltage", "set_voltage_and_check"/],
    [{ type: 'command', block: 1, voltage: 5 }, 9, /field 'command_type' is missing; expected one of "set_voltage"/],
    [{ ...base, command_type: ['set_voltage'] }, 9, /field 'command_type' is \["set_voltage"\]; expected one of/],
    [{ ...base, voltage: 'abc' }, 9, /field 'voltage' is "abc"; expected a finite number of volts/],
    [{ ...base, voltage: '1000' }, 9, /field 'voltage' is "1000"/],
    [{ ...base, voltage: 1e9 }, 9, /field 'voltage' is 1000000000 V; expected 0 to 25000 V for block 1/],
    [{ ...base, voltage: -5 }, 9, /field 'voltage' is -5 V; expected 0 to 25000 V/],
    [{ ...base, voltage: Infinity }, 9, /field 'voltage' is Infinity; expected a finite number/],
    [JSON.parse('{"type":"command","command_type":"set_voltage","block":1,"voltage":1e999}'), 9, /is Infinity/],
    [{ ...base, voltage: null }, 9, /field 'voltage' is null/],
    [{ ...base, block: 2, voltage: 1500 }, 9, /expected 0 to 1000 V for block 2/],
    [{ ...base, block: 3 }, 9, /field 'block' is 3: block 3 is not configured; expected one of the configured blocks \(1, 2\)/],
    [{ ...base, block: 'main' }, 9, /field 'block' is "main"; expected a block number/],
    [{ ...base, block: 1.5 }, 9, /field 'block' is 1.5/],
    [{ type: 'command', command_type: 'set_voltage', block: 1 }, 9, /field 'voltage' is missing; expected a finite number/],
    [{ type: 'command', command_type: 'set_voltage', voltage: 1 }, 9, /field 'block' is missing; expected a block number/],
    [{ ...base, command_type: 'set_voltage_and_check', max_error: 0, timeout: 20 }, 9, /field 'max_error' is 0; expected a tolerance in volts above 0/],
    [{ ...base, command_type: 'set_voltage_and_check', max_error: 5, timeout: 'soon' }, 9, /field 'timeout' is "soon"; expected seconds/],
    [{ ...base, command_type: 'set_voltage_and_check', timeout: 20 }, 9, /^field 'max_error' is missing; expected a tolerance in volts above 0 and at most 1000$/],
    [{ ...base, command_type: 'set_voltage_and_check', max_error: 5 }, 9, /^field 'timeout' is missing; expected seconds above 0 and at most 3600$/],
    [{ ...base, command_type: 'set_voltage_and_check' }, 9, /field '(max_error|timeout)' is missing/],
  ])('refuses %j with code %i', (meta, code, description) => {
    const reply = refusal(meta);
    expect(reply.error_code).toBe(code);
    expect(reply.description).toMatch(description);
  });
});
