// From a decoded meta to a command the supervisor may act on, or the error reply that refuses it.
// Everything that could put a wrong voltage on the spectrometer is refused here, before any hardware.

import type { BlockConfig, Command, ErrorReply } from '../../../schemas/types.js';
import type { ParsedMessage } from '../../kit/manager-command.js';
import type { Meta } from '../../kit/protocol/envelope.js';
import { errorReply, showValue } from '../../kit/protocol/error-reply.js';
import { commandDefs, describeSchemaErrors, validators } from './schema-validators.js';

export type ParsedCommand = { ok: true; command: Command } | { ok: false; reply: ErrorReply };

type CommandType = Command['command_type'];

function refuse(code: ErrorReply['error_text_code'], description: string): ParsedCommand {
  return { ok: false, reply: errorReply(code, description) };
}

export function parseCommand(meta: Meta, blocks: ReadonlyMap<number, Pick<BlockConfig, 'id' | 'min_volts' | 'max_volts'>>): ParsedCommand {
  // Only an unknown `type` is an unknown message (7); a command the schema refuses, its
  // command_type included, is a command with wrong parameters (9) (PROTOCOL.md §3, §5).
  if (meta.type !== 'command') {
    return refuse('UNKNOWN_MESSAGE_ERROR', `field 'type' is ${showValue(meta.type)}; expected "command"`);
  }
  if (!validators.command(meta)) {
    return refuse('INCORRECT_MESSAGE_PARAMS', describeSchemaErrors(validators.command.errors!, meta, commandDefs));
  }
  const commandType = meta.command_type as CommandType;
  const validate = validators[commandType];
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
      // Both required by the schema: a check never runs with a tolerance or a deadline nobody sent.
      max_error: meta.max_error as number,
      timeout: meta.timeout as number,
    },
  };
}

/** The HV manager's judge of a client's message, as the kit's connectors call it. */
export function hvCommandParser(blocks: ReadonlyMap<number, Pick<BlockConfig, 'id' | 'min_volts' | 'max_volts'>>): (meta: Meta) => ParsedMessage<Command> {
  return (meta) => {
    const parsed = parseCommand(meta, blocks);
    if (!parsed.ok) return parsed;
    return { ok: true, accepted: { command: parsed.command, description: describeCommand(parsed.command), fields: commandFields(parsed.command) } };
  };
}

/** "set_voltage_and_check block 1 to 18600 V (±0.1 V, 20 s)". */
export function describeCommand(command: Command): string {
  const base = `${command.command_type} block ${command.block} to ${command.voltage} V`;
  return command.command_type === 'set_voltage_and_check' ? `${base} (±${command.max_error} V, ${command.timeout} s)` : base;
}

function commandFields(command: Command): Record<string, unknown> {
  const { blockAsSent, ...fields } = command;
  return { ...fields, block: blockAsSent };
}
