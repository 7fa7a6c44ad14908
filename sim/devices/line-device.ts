// What a protocol adapter (TCP port, Prologix bus, in-process transport) needs from a simulated
// instrument: its line terminator, and an answer (or none) to each message.

import type { DeviceFaults } from '../scpi/scpi-device.js';

export interface LineDevice {
  readonly name: string;
  readonly faults: DeviceFaults;
  /** What ends a message in each direction ("\n" for SCPI, "\r" for ADAM modules). */
  readonly terminator: string;
  /** The answer (null: none), at once or as a promise. */
  handleMessage(message: string): string | null | Promise<string | null>;
}
