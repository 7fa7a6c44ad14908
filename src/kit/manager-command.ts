// A client's message as a manager judges it: accepted as a command (with the words the log and the
// audit trail use for it), or refused with the error reply its client gets. The kit's connectors
// call the manager's parser; they never look inside a command.

import type { Meta } from './protocol/envelope.js';
import type { ErrorReply } from './protocol/error-reply.js';

/** A command the manager accepted, as the connectors pass it on. */
export interface AcceptedCommand<C = unknown> {
  /** The manager's own command, handed to its supervisor unchanged. */
  command: C;
  /** One line for the log and the audit trail: "set_voltage block 1 to 18600 V". */
  description: string;
  /** The fields the audit trail records, as the client sent them. */
  fields: Record<string, unknown>;
}

export type ParsedMessage<C = unknown> = { ok: true; accepted: AcceptedCommand<C> } | { ok: false; reply: ErrorReply };

/** Checks one decoded meta against the manager's own JSON Schemas and limits, before anything acts on it. */
export type CommandParser<C = unknown> = (meta: Meta) => ParsedMessage<C>;
