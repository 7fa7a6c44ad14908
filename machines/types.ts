// Events and values the machines exchange. Pure data: no I/O lives here.

import { ERROR_CODES, type Command, type ErrorReply, type ErrorTextCode } from '../schemas/types.js';

/** Which client sent a command: the connector's id and the client's nanoid. */
export interface Origin {
  connector: string;
  client: string;
  /** The audit-trail entry of the command this origin came with, so its answer completes the entry. */
  audit?: number;
}

/** One voltmeter reading, stamped with when its integration began and ended (clock ms). */
export interface Reading {
  voltmeter: string;
  /** HV-side volts: the voltmeter's volts times its divider ratio. */
  volts: number;
  /** Volts at the voltmeter's input. */
  raw: number;
  startedAt: number;
  endedAt: number;
}

/** An answer or error reply for one client; the supervisor's provider routes it to `origin`. */
export interface Reply {
  origin: Origin;
  message: Record<string, unknown>;
}

export type CommandEvent = { type: 'COMMAND'; command: Command; origin: Origin };
export type ReadingEvent = { type: 'READING'; reading: Reading };

/** What a device actor reports when it ends in its `error` state. */
export interface Fault {
  fault: string;
}

/** The message of whatever an actor rejected with. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An error reply as Online reads it (PROTOCOL.md §5): the one place such a message is built. */
export function errorReply(code: ErrorTextCode, description: string): ErrorReply {
  return { type: 'reply', reply_type: 'error', error_code: ERROR_CODES[code], error_text_code: code, description };
}

/**
 * Whether an instrument refused because its output is in standby (it says so with code 'standby'):
 * the block then raises an alarm and waits for a command, rather than failing and restarting.
 */
export function isStandbyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'standby';
}
