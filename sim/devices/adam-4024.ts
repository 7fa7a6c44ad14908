// A simulated ADAM-style analog-output module on a serial line (address AA, 0–10 V):
// `#AA+VV.VVV` sets the output (answer `>`), `$AA6` reads it back (`!AA+VV.VVV`),
// `$AA2` reports the configuration (`!AA320600`: 0–10 V, 9600 baud, engineering units),
// `$AAM` the model. A malformed command for this address answers `?AA`; other addresses stay silent.

import type { Clock } from '../../src/kit/clock/clock.js';
import type { DeviceFaults } from '../scpi/scpi-device.js';
import type { SupplyPlant } from '../supply-plant.js';
import type { LineDevice } from './line-device.js';
import { HeardMessages } from '../heard-messages.js';

export class Adam4024 implements LineDevice {
  readonly terminator = '\r';
  readonly faults: DeviceFaults = { offline: false, timeout: false, garbage: false };
  /** The commands received (the latest: heard-messages.ts), for tests and the training log. */
  readonly heard = new HeardMessages();
  private readonly address: string;

  constructor(
    readonly name: string,
    address: number,
    private readonly plant: SupplyPlant,
    private readonly clock: Clock,
  ) {
    this.address = address.toString(16).toUpperCase().padStart(2, '0');
  }

  /** The commands kept, oldest first. */
  get received(): readonly string[] {
    return this.heard.list;
  }

  handleMessage(message: string): string | null {
    this.heard.add(message);
    if (this.faults.offline || this.faults.timeout) return null;
    const reply = this.answer(message.trim());
    if (reply !== null && this.faults.garbage) return '!!\u0000garbage';
    return reply;
  }

  private answer(message: string): string | null {
    const lead = message[0];
    if ((lead !== '#' && lead !== '$') || message.slice(1, 3).toUpperCase() !== this.address) return null;
    const body = message.slice(3).toUpperCase();
    if (lead === '#') {
      const m = /^\+(\d\d\.\d\d\d)$/.exec(body);
      const volts = m ? Number(m[1]) : NaN;
      if (!m || volts > 10) return `?${this.address}`;
      this.plant.setDrive(volts, this.clock.now());
      return '>';
    }
    if (body === '6') return `!${this.address}+${this.plant.drive.toFixed(3).padStart(6, '0')}`;
    if (body === '2') return `!${this.address}320600`;
    if (body === 'M') return `!${this.address}4024`;
    return `?${this.address}`;
  }
}
