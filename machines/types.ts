// Events and values the machines exchange. Pure data: no I/O lives here.

import type { Command } from '../schemas/types.js';
export { errorReply } from '../src/kit/protocol/error-reply.js';
export { errorText, type Fault, type Origin, type Reply } from '../src/kit/actor-types.js';
import type { Origin } from '../src/kit/actor-types.js';

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

export type CommandEvent = { type: 'COMMAND'; command: Command; origin: Origin };
export type ReadingEvent = { type: 'READING'; reading: Reading };

/**
 * Whether an instrument refused because its output is in standby (it says so with code 'standby'):
 * the block then raises an alarm and waits for a command, rather than failing and restarting.
 */
export function isStandbyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'standby';
}
