// The simulators' back door: faults and parameters changed while they run, by a test, a trainer
// or another process (over the control channel). Every command is checked against its schema.

import { Ajv } from 'ajv';
import controlSchema from '../../schemas/sim-control.schema.json' with { type: 'json' };
import type { ScaledClock } from '../../src/clock/clock.js';
import { Agilent34401A } from '../devices/agilent-34401a.js';
import type { LineDevice } from '../devices/line-device.js';
import type { SupplyPlant } from '../supply-plant.js';
import { ScpiDevice, ScpiError } from '../scpi/scpi-device.js';

export type ControlCommand =
  | { cmd: 'status' }
  | { cmd: 'fault'; device: string; fault: 'offline' | 'timeout' | 'garbage'; on: boolean }
  | { cmd: 'push_error'; device: string; code: number; text: string }
  | { cmd: 'freeze'; device: string; raw?: number | null }
  | { cmd: 'spike'; device: string; volts: number; readings?: number }
  | { cmd: 'time_scale'; value: number }
  | { cmd: 'drop_connections'; device?: string }
  | { cmd: 'noise_burst'; device: string; volts: number; readings?: number }
  | { cmd: 'drift'; block: number; volts_per_min: number }
  | { cmd: 'trip'; block: number }
  | { cmd: 'reset' };

export type ControlResult = { ok: true; [key: string]: unknown } | { ok: false; error: string };

const validate = new Ajv({ allErrors: false, allowUnionTypes: true }).compile(controlSchema);

export interface ControlHooks {
  /** Drops the device's network connections (LAN process only). */
  dropConnections?: (device?: string) => void;
  /** Told of every change, for the log. */
  changed?: (command: ControlCommand) => void;
}

export class SimulatorControl {
  constructor(
    private readonly devices: ReadonlyMap<string, LineDevice>,
    private readonly clock: Pick<ScaledClock, 'timeScale' | 'now'> & { setTimeScale?: (k: number) => void },
    private readonly hooks: ControlHooks = {},
    /** The supplies, by block, for drift and trips. */
    private readonly plants: ReadonlyMap<number, SupplyPlant> = new Map(),
  ) {}

  apply(input: unknown): ControlResult {
    if (!validate(input)) {
      const e = validate.errors?.[0];
      return { ok: false, error: `command ${JSON.stringify(input)} is not valid: ${e?.instancePath || 'command'} ${e?.message ?? ''}; see schemas/sim-control.schema.json` };
    }
    const command = input as ControlCommand;
    if (command.cmd === 'status') return { ok: true, time_scale: this.clock.timeScale, devices: this.status() };
    if (command.cmd === 'time_scale') {
      if (!this.clock.setTimeScale) return { ok: false, error: 'this clock cannot change its time scale' };
      this.clock.setTimeScale(command.value);
      this.hooks.changed?.(command);
      return { ok: true, time_scale: command.value };
    }
    if (command.cmd === 'drift' || command.cmd === 'trip') {
      const plant = this.plants.get(command.block);
      if (!plant) return { ok: false, error: `block ${command.block} has no simulated supply; expected one of ${[...this.plants.keys()].join(', ')}` };
      if (command.cmd === 'drift') plant.setRamp(command.volts_per_min, this.clock.now());
      else plant.trip(this.clock.now());
      this.hooks.changed?.(command);
      return { ok: true };
    }
    if (command.cmd === 'reset') {
      for (const device of this.devices.values()) {
        Object.assign(device.faults, { offline: false, timeout: false, garbage: false });
        if (device instanceof Agilent34401A) Object.assign(device.readingFaults, { frozen: null, spikeVolts: 0, spikeReadings: 0, burstVolts: 0, burstReadings: 0 });
      }
      for (const plant of this.plants.values()) plant.reset(this.clock.now());
      this.hooks.changed?.(command);
      return { ok: true, devices: this.status() };
    }
    if (command.cmd === 'drop_connections') {
      this.hooks.dropConnections?.(command.device);
      this.hooks.changed?.(command);
      return { ok: true };
    }
    const device = this.devices.get(command.device);
    if (!device) return { ok: false, error: `no simulated instrument is called "${command.device}"; expected one of ${[...this.devices.keys()].join(', ')}` };
    switch (command.cmd) {
      case 'fault':
        device.faults[command.fault] = command.on;
        if (command.fault === 'offline' && command.on) this.hooks.dropConnections?.(command.device);
        break;
      case 'push_error':
        if (!(device instanceof ScpiDevice)) return { ok: false, error: `${command.device} has no SCPI error queue` };
        device.pushError(new ScpiError(command.code, command.text));
        break;
      case 'freeze':
      case 'spike':
      case 'noise_burst': {
        if (!(device instanceof Agilent34401A)) return { ok: false, error: `${command.device} is not a voltmeter` };
        if (command.cmd === 'freeze') device.readingFaults.frozen = command.raw === undefined ? device.lastReading : command.raw;
        else if (command.cmd === 'spike') {
          device.readingFaults.spikeVolts = command.volts;
          device.readingFaults.spikeReadings = command.readings ?? 1;
        } else {
          device.readingFaults.burstVolts = command.volts;
          device.readingFaults.burstReadings = command.readings ?? 10;
        }
        break;
      }
    }
    this.hooks.changed?.(command);
    return { ok: true, device: this.describe(command.device, device) };
  }

  status(): Record<string, unknown> {
    return Object.fromEntries([...this.devices].map(([name, d]) => [name, this.describe(name, d)]));
  }

  private describe(name: string, device: LineDevice): Record<string, unknown> {
    const out: Record<string, unknown> = { name, faults: { ...device.faults } };
    if (device instanceof ScpiDevice) out.queued_errors = device.errorCount;
    if (device instanceof Agilent34401A) out.reading_faults = { ...device.readingFaults };
    return out;
  }
}
