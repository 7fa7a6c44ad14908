// The block's answers to the client whose command it carries, pure: a check's answer (ok or
// timeout), a set_voltage's, and the error replies for busy, shutdown, failure and fault.

import type { Command } from '../schemas/types.js';
import { stoppingAlarm } from './block-alarms.js';
import { checkCommand, type BlockContext } from './block-context.js';
import type { CommandEvent, Reply } from './types.js';
import { errorReply } from './types.js';

/** "set_voltage_and_check to 12000 V": a command as the block's messages name it. */
export function describe(command: Command): string {
  return `${command.command_type} to ${command.voltage} V`;
}

/** The answer to the check in flight: its status, with the last reading and its error when there is one. */
export function checkAnswer(context: BlockContext, status: 'ok' | 'timeout'): Record<string, unknown> {
  const command = checkCommand(context)!;
  const answer: Record<string, unknown> = { type: 'answer', answer_type: 'set_voltage_and_check', block: command.blockAsSent, status };
  if (context.lastReading) {
    answer.voltage = context.lastReading.volts;
    answer.error = context.lastReading.volts - command.voltage;
  }
  return answer;
}

/** A message to the client that sent the command in flight. */
export function replyTo(context: BlockContext, message: Record<string, unknown>): Reply {
  return { origin: context.inFlight!.origin, message };
}

/** The check's timeout passed before a reading confirmed it: answered with status timeout. */
export const timeoutReply = (context: BlockContext): Reply => replyTo(context, checkAnswer(context, 'timeout'));

/** A reading confirmed the check. */
export const confirmedReply = (context: BlockContext): Reply => replyTo(context, checkAnswer(context, 'ok'));

/** A set_voltage is done once its output is written. */
export const setVoltageReply = (context: BlockContext): Reply =>
  replyTo(context, { type: 'answer', answer_type: 'set_voltage', block: context.inFlight!.command.blockAsSent, status: 'ok' });

/** The server shuts down under the command in flight: code 6. */
export const shutdownReply = (context: BlockContext): Reply =>
  replyTo(
    context,
    errorReply('ALGORITM_ERROR', `block ${context.block}: the server is shutting down; ${describe(context.inFlight!.command)} ended before a reading confirmed it`),
  );

/** The output instrument failed under the command in flight: code 6 with the block's fault. */
export const failedReply = (context: BlockContext): Reply => replyTo(context, errorReply('ALGORITM_ERROR', `block ${context.block}: ${context.fault}`));

/** The command in flight cannot complete: code 6, naming the fault (the newest major alarm). */
export function faultReply(context: BlockContext): Reply {
  const alarm = stoppingAlarm(context.alarms);
  const why = alarm ? `${alarm.code}: ${alarm.message}` : 'an alarm is active';
  return replyTo(context, errorReply('ALGORITM_ERROR', `block ${context.block}: ${describe(context.inFlight!.command)} stopped, ${why}`));
}

/** A command while the block is busy (or still starting): code 8, to its sender only. */
export function busyReply(context: BlockContext, event: CommandEvent): Reply {
  return {
    origin: event.origin,
    message: errorReply(
      'SERVER_BUSY_ERROR',
      context.inFlight ? `block ${context.block} is busy with ${describe(context.inFlight.command)}` : `block ${context.block} is busy starting up`,
    ),
  };
}
