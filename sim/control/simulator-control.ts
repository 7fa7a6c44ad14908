// The simulators' back door: faults and parameters changed while they run, by a test, a trainer
// or another process (over the control channel). Every command is checked against its schema.

import type { ControlResult, SimulatorBackDoor } from '../../src/kit/simulator-back-door.js';
import type { ErrorObject } from 'ajv';
import controlSchema from '../../schemas/sim-control.schema.json' with { type: 'json' };
import type { ScaledClock } from '../../src/kit/clock/clock.js';
import { control as validate } from './generated/validate-control.js';
import { Agilent34401A } from '../devices/agilent-34401a.js';
import { Fluke5502E } from '../devices/fluke-5502e.js';
import type { LineDevice } from '../devices/line-device.js';
import type { SupplyPlant } from '../supply-plant.js';
import { ScpiDevice, ScpiError } from '../scpi/scpi-device.js';

export type ControlCommand =
  | { cmd: 'status' }
  | { cmd: 'fault'; device: string; fault: 'offline' | 'timeout' | 'garbage'; on: boolean }
  | { cmd: 'push_error'; device: string; code: number; text: string }
  | { cmd: 'clear_errors'; device: string }
  | { cmd: 'freeze'; device: string; raw?: number | null }
  | { cmd: 'spike'; device: string; volts: number; readings?: number }
  | { cmd: 'time_scale'; value: number }
  | { cmd: 'drop_connections'; device?: string }
  | { cmd: 'noise_burst'; device: string; volts: number; readings?: number }
  | { cmd: 'drift'; block: number; volts_per_min: number }
  | { cmd: 'trip'; block: number; on?: boolean }
  | { cmd: 'standby'; device: string }
  | { cmd: 'offset'; device: string; volts: number }
  | { cmd: 'meter_drift'; device: string; volts_per_min: number }
  | { cmd: 'reset' };

/** Commands on a voltmeter's readings. */
type ReadingCommand = Extract<ControlCommand, { cmd: 'freeze' | 'spike' | 'noise_burst' | 'offset' | 'meter_drift' }>;
/** Commands on one named instrument. */
type DeviceCommand = Extract<ControlCommand, { cmd: 'fault' | 'push_error' | 'clear_errors' | 'standby' }> | ReadingCommand;
/** Commands on a block's supply. */
type SupplyCommand = Extract<ControlCommand, { cmd: 'drift' | 'trip' }>;

export type { ControlResult } from '../../src/kit/simulator-back-door.js';

// The schema picks its branch by `cmd`, so a refusal names what is wrong in that very command
// (its validator is compiled at build time: scripts/validators/validator-modules.ts).
const COMMANDS = controlSchema.oneOf.map((branch) => branch.properties.cmd.const);

/** One schema error in words: where, what is wrong, what was expected. */
function schemaError(e: ErrorObject | undefined): string {
  if (!e) return 'command does not match the schema';
  const where = e.instancePath || 'command';
  // The received values are not repeated: the answer goes back over HTTP, where error bodies never echo the request.
  if (e.keyword === 'discriminator') return `cmd is not a command; expected one of ${COMMANDS.join(', ')}`;
  if (e.keyword === 'additionalProperties') {
    const takes = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    return `${where} has a field this command does not take; it takes ${takes.join(', ')}`;
  }
  if (e.keyword === 'enum') return `${where} must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
  return `${where} ${e.message ?? 'is not valid'}`;
}

export interface ControlHooks {
  /** Drops the device's network connections (LAN process only). */
  dropConnections?: (device?: string) => void;
  /** Told of every change, for the log. */
  changed?: (command: ControlCommand) => void;
}

export class SimulatorControl implements SimulatorBackDoor {
  constructor(
    private readonly devices: ReadonlyMap<string, LineDevice>,
    private readonly clock: Pick<ScaledClock, 'timeScale' | 'now'> & { setTimeScale?: (k: number) => void },
    private readonly hooks: ControlHooks = {},
    /** The supplies, by block, for drift and trips. */
    private readonly plants: ReadonlyMap<number, SupplyPlant> = new Map(),
  ) {}

  apply(input: unknown): ControlResult {
    if (!validate(input)) {
      return { ok: false, error: `the command is not valid: ${schemaError(validate.errors?.[0])}; see schemas/sim-control.schema.json` };
    }
    const command = input as ControlCommand;
    const result = this.run(command);
    if (result.ok && command.cmd !== 'status') this.hooks.changed?.(command);
    return result;
  }

  status(): Record<string, unknown> {
    return Object.fromEntries([...this.devices].map(([name, d]) => [name, this.describe(name, d)]));
  }

  /** Each block's supply: tripped or not, and the training drift's rate. */
  supplies(): Record<string, unknown> {
    return Object.fromEntries([...this.plants].map(([block, plant]) => [block, describeSupply(plant)]));
  }

  private run(command: ControlCommand): ControlResult {
    switch (command.cmd) {
      case 'status':
        return { ok: true, time_scale: this.clock.timeScale, devices: this.status(), supplies: this.supplies() };
      case 'time_scale':
        if (!this.clock.setTimeScale) return { ok: false, error: 'this clock cannot change its time scale' };
        this.clock.setTimeScale(command.value);
        return { ok: true, time_scale: command.value };
      case 'drift':
      case 'trip':
        return this.onSupply(command);
      case 'reset':
        return this.reset();
      case 'drop_connections':
        this.hooks.dropConnections?.(command.device);
        return { ok: true };
      default:
        return this.onDevice(command);
    }
  }

  private onSupply(command: SupplyCommand): ControlResult {
    const plant = this.plants.get(command.block);
    if (!plant) return { ok: false, error: `block ${command.block} has no simulated supply; expected one of ${[...this.plants.keys()].join(', ')}` };
    const now = this.clock.now();
    if (command.cmd === 'drift') plant.setRamp(command.volts_per_min, now);
    else if (command.on === false) plant.recover(now);
    else plant.trip(now);
    return { ok: true, supply: describeSupply(plant) };
  }

  /** Every fault off. A calibrator's operate/standby is the server's to change: clearing faults never energizes an output. */
  private reset(): ControlResult {
    const now = this.clock.now();
    for (const device of this.devices.values()) {
      Object.assign(device.faults, { offline: false, timeout: false, garbage: false });
      if (device instanceof Agilent34401A) device.clearReadingFaults();
    }
    for (const plant of this.plants.values()) plant.reset(now);
    return { ok: true, devices: this.status(), supplies: this.supplies() };
  }

  private onDevice(command: DeviceCommand): ControlResult {
    const device = this.devices.get(command.device);
    if (!device) return { ok: false, error: `no simulated instrument is called "${command.device}"; expected one of ${[...this.devices.keys()].join(', ')}` };
    const refusal = this.act(command, device);
    if (refusal) return { ok: false, error: refusal };
    return { ok: true, device: this.describe(command.device, device) };
  }

  /** Acts on one instrument; answers why not when it cannot. */
  private act(command: DeviceCommand, device: LineDevice): string | null {
    switch (command.cmd) {
      case 'fault':
        device.faults[command.fault] = command.on;
        if (command.fault === 'offline' && command.on) this.hooks.dropConnections?.(command.device);
        return null;
      case 'push_error':
        if (!(device instanceof ScpiDevice)) return `${command.device} has no SCPI error queue`;
        device.pushError(new ScpiError(command.code, command.text));
        return null;
      case 'clear_errors':
        if (!(device instanceof ScpiDevice)) return `${command.device} has no SCPI error queue`;
        device.discardErrors();
        return null;
      case 'standby':
        if (!(device instanceof Fluke5502E)) return this.notA(command.device, 'a Fluke 5502E calibrator', Fluke5502E);
        device.pressStandby();
        return null;
      default:
        if (!(device instanceof Agilent34401A)) return this.notA(command.device, 'a voltmeter', Agilent34401A);
        actOnReadings(command, device);
        return null;
    }
  }

  /** "ao is not a voltmeter; expected one of voltmeter-1, ...": the instruments of the kind the command needs. */
  private notA(name: string, what: string, kind: new (...args: never[]) => LineDevice): string {
    const candidates = [...this.devices].filter(([, d]) => d instanceof kind).map(([n]) => n);
    return `${name} is not ${what}; expected ${candidates.length > 0 ? `one of ${candidates.join(', ')}` : 'one, and this rack has none'}`;
  }

  private describe(name: string, device: LineDevice): Record<string, unknown> {
    const out: Record<string, unknown> = { name, faults: { ...device.faults } };
    if (device instanceof ScpiDevice) out.queued_errors = device.errorCount;
    if (device instanceof Agilent34401A) out.reading_faults = { ...device.readingFaults };
    if (device instanceof Fluke5502E) Object.assign(out, device.output); // operating, volts
    return out;
  }
}

function actOnReadings(command: ReadingCommand, meter: Agilent34401A): void {
  const faults = meter.readingFaults;
  switch (command.cmd) {
    case 'freeze':
      faults.frozen = command.raw === undefined ? meter.lastReading : command.raw;
      break;
    case 'spike':
      faults.spikeVolts = command.volts;
      faults.spikeReadings = command.readings ?? 1;
      break;
    case 'noise_burst':
      faults.burstVolts = command.volts;
      faults.burstReadings = command.readings ?? 10;
      break;
    case 'offset':
      meter.setOffset(command.volts);
      break;
    case 'meter_drift':
      meter.setDrift(command.volts_per_min);
      break;
  }
}

function describeSupply(plant: SupplyPlant): Record<string, unknown> {
  return { tripped: plant.isTripped, drift_volts_per_min: plant.rampVoltsPerMinute };
}
