// What happens to one decoded meta from a client, whatever connector it came through:
// refused at once with an error reply, or passed on to the supervisor as a command.

import type { Origin } from '../actor-types.js';
import type { AccessControl } from '../access/access-control.js';
import type { ClientLogThrottle } from '../log/client-log-throttle.js';
import { clip, inputExcerpt } from '../log/input-excerpt.js';
import type { Throttle } from '../log/log-throttle.js';
import type { Logger } from '../log/logger.js';
import { errorReply } from '../protocol/error-reply.js';
import type { AcceptedCommand, CommandParser } from '../manager-command.js';
import type { Meta } from '../protocol/envelope.js';
import type { ClientHub } from './client-hub.js';

export interface IntakeContext {
  hub: ClientHub;
  /** The manager's judge of a client's message (src/kit/manager-command.ts). */
  parse: CommandParser;
  log: Logger;
  /** Who may connect and who may command (src/access/). */
  access: AccessControl;
  /** How much is logged about bad input, per client address, across connections and connectors. */
  throttle: ClientLogThrottle;
}

export type ForwardCommand = (accepted: AcceptedCommand, origin: Origin) => void;

/**
 * Refuses `meta` with a reply or passes it on as a command. A refusal is answered before it is
 * logged: the client waits on the reply, and the log line, formatted on this event loop (about
 * 0.05 ms warm, up to 1 ms for the first ones), does not.
 */
export function takeMeta(meta: Meta, origin: Origin, ctx: IntakeContext, forward: ForwardCommand | null, throttle: Throttle): void {
  const parsed = ctx.parse(meta);
  if (!parsed.ok) {
    ctx.hub.deliver(origin, parsed.reply);
    const { log, suppressed } = throttle.take();
    // An excerpt only: a refused message can be as large as the connector allows.
    if (log) ctx.log.info({ client: origin.client, ...inputExcerpt(meta), reply: parsed.reply, suppressed }, `refused: ${parsed.reply.description}`);
    return;
  }
  ctx.hub.observe('command', origin, meta);
  if (!forward) {
    ctx.hub.deliver(origin, errorReply('ALGORITM_ERROR', 'the server is not accepting commands (starting or stopping)'));
    return;
  }
  ctx.log.info({ client: origin.client, command: parsed.accepted.fields }, `command ${parsed.accepted.description}`);
  forward(parsed.accepted, origin);
}

/** Bytes that could not be framed as an Envelope: the client is told why (code 4), then the log, throttled, is. */
export function refuseUndecodable(message: string, origin: Origin, ctx: IntakeContext, throttle: Throttle, fields: Record<string, unknown>): void {
  ctx.hub.deliver(origin, parseErrorReply(message));
  const { log, suppressed } = throttle.take();
  // The decoder's sentence may quote the input: an excerpt of it at most.
  if (log) ctx.log.warn({ ...fields, suppressed }, clip(message));
}

/** A decoding problem reported to the client that caused it (code 4). */
export function parseErrorReply(description: string): Record<string, unknown> {
  return errorReply('PARSE_MESSAGE_ERROR', description);
}

/** What a client is told when the server failed on its message (code 1): the details are in the log, not echoed. */
export function handlerFailedReply(): Record<string, unknown> {
  return errorReply('UNKNOWN_ERROR', 'the server failed while handling this message; the failure is logged, and other messages are served');
}
