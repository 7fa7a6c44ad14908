// From a decoded meta to a command the supervisor may act on, or the error reply that refuses it.
// Everything that could put a wrong voltage on the spectrometer is refused here, before any hardware.

import type { BlockConfig, Command, ErrorReply } from '../../schemas/types.js';
import type { Meta } from '../protocol/envelope.js';
import { errorReply, showValue } from './error-reply.js';
import { commandDefs, describeSchemaErrors, validators } from './schema-validators.js';

export type ParsedCommand = { ok: true; command: Command } | { ok: false; reply: ErrorReply };

const COMMAND_TYPES = ['set_voltage', 'set_voltage_and_check'] as const;

/** Online's defaults for set_voltage_and_check when a client leaves them out. */
export const CHECK_DEFAULTS = { max_error: 5, timeout: 20 } as const;

function refuse(code: ErrorReply['error_text_code'], description: string): ParsedCommand {
  return { ok: false, reply: errorReply(code, description) };
}

export function parseCommand(meta: Meta, blocks: ReadonlyMap<number, Pick<BlockConfig, 'id' | 'min_volts' | 'max_volts'>>): ParsedCommand {
  if (meta.type !== 'command') {
    return refuse('UNKNOWN_MESSAGE_ERROR', `field 'type' is ${showValue(meta.type)}; expected "command"`);
  }
  const commandType = meta.command_type;
  if (!COMMAND_TYPES.includes(commandType as (typeof COMMAND_TYPES)[number])) {
    return refuse(
      'UNKNOWN_MESSAGE_ERROR',
      `field 'command_type' is ${showValue(commandType)}; expected one of ${COMMAND_TYPES.map((t) => `"${t}"`).join(', ')}`,
    );
  }
  const validate = validators[commandType as (typeof COMMAND_TYPES)[number]];
  if (!validate(meta)) {
    return refuse('INCORRECT_MESSAGE_PARAMS', describeSchemaErrors(validate.errors!, meta, commandDefs));
  }

  const blockAsSent = meta.block as number | string;
  const block = Number(blockAsSent);
  const blockConfig = blocks.get(block);
  if (!blockConfig) {
    const known = [...blocks.keys()].join(', ');
    return refuse('INCORRECT_MESSAGE_PARAMS', `field 'block' is ${showValue(blockAsSent)}: block ${block} is not configured; expected one of the configured blocks (${known})`);
  }
  const voltage = meta.voltage as number;
  if (voltage < blockConfig.min_volts || voltage > blockConfig.max_volts) {
    return refuse(
      'INCORRECT_MESSAGE_PARAMS',
      `field 'voltage' is ${voltage} V; expected ${blockConfig.min_volts} to ${blockConfig.max_volts} V for block ${block}`,
    );
  }
  if (commandType === 'set_voltage') {
    return { ok: true, command: { command_type: 'set_voltage', block, blockAsSent, voltage } };
  }
  return {
    ok: true,
    command: {
      command_type: 'set_voltage_and_check',
      block,
      blockAsSent,
      voltage,
      max_error: (meta.max_error as number | undefined) ?? CHECK_DEFAULTS.max_error,
      timeout: (meta.timeout as number | undefined) ?? CHECK_DEFAULTS.timeout,
    },
  };
}
