// A client's message to the detector: validated against schemas/command.schema.json, and the
// module it names checked against the configuration, before any module sees it.

import { describeSchemaErrors, errorReply, showValue, type CommandParser } from '../src/kit/index.js';
import { command as validate } from './generated/validate-command.js';
import type { DetectorCommand } from './module.machine.js';

export function detectorCommandParser(modules: ReadonlySet<string>): CommandParser<DetectorCommand> {
  return (meta) => {
    if (meta.type !== 'command') return { ok: false, reply: errorReply('UNKNOWN_MESSAGE_ERROR', `field 'type' is ${showValue(meta.type)}; expected "command"`) };
    if (!validate(meta)) return { ok: false, reply: errorReply('INCORRECT_MESSAGE_PARAMS', describeSchemaErrors(validate.errors!, meta, {})) };
    const command = meta as unknown as DetectorCommand & { type?: string };
    if (!modules.has(command.module)) {
      return { ok: false, reply: errorReply('INCORRECT_MESSAGE_PARAMS', `field 'module' is ${showValue(command.module)}; expected one of the configured modules (${[...modules].join(', ')})` ) };
    }
    if (command.command_type !== 'start_acquisition' && ('interval_s' in command || 'duration_s' in command)) {
      return { ok: false, reply: errorReply('INCORRECT_MESSAGE_PARAMS', `field 'interval_s' and 'duration_s' belong to start_acquisition; ${command.command_type} takes only 'module'`) };
    }
    const { type: _type, ...fields } = command;
    const timing = command.command_type === 'start_acquisition' ? `${command.interval_s ?? 'default'} s intervals${command.duration_s ? ` for ${command.duration_s} s` : ''}` : '';
    return { ok: true, accepted: { command: fields as DetectorCommand, description: `${command.command_type} module ${command.module}${timing ? ` (${timing})` : ''}`, fields } };
  };
}
