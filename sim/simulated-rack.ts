// The simulated rack: one supply plant per block, the simulated instrument that drives each
// (Fluke 5502E or ADAM module), and the 34401A on each voltmeter's divider, all on one clock.
// Instruments are named by their `sim::NAME` resources and reached through their protocol.

import type { BlockConfig, VoltmeterConfig } from '../schemas/types.js';
import type { Clock } from '../src/kit/clock/clock.js';
import type { InProcessEndpoint } from '../src/kit/transports/in-process-transport.js';
import { parseResource } from '../src/kit/transports/resource.js';
import { inProcessEndpoint } from './adapters/in-process-endpoint.js';
import { Adam4024 } from './devices/adam-4024.js';
import { Agilent34401A } from './devices/agilent-34401a.js';
import { Fluke5502E } from './devices/fluke-5502e.js';
import type { LineDevice } from './devices/line-device.js';
import { FITTED_PLANT, fittedDay } from './plant/plant-model.js';
import { SeededRandom } from './random.js';
import { SupplyPlant } from './supply-plant.js';

export class SimulatedRack {
  readonly plants = new Map<number, SupplyPlant>();
  readonly devices = new Map<string, LineDevice>();
  readonly endpoints = new Map<string, InProcessEndpoint>();
  private readonly outputs = new Map<number, Fluke5502E | Adam4024>();
  private readonly meters = new Map<string, Agilent34401A>();

  constructor(
    blocks: BlockConfig[],
    voltmeters: VoltmeterConfig[],
    readonly clock: Clock,
    /** Round trip of one message on the simulated bus. */
    busLatencyMs = 2,
  ) {
    for (const block of blocks) {
      const sim = block.simulation;
      const fitted = sim.model === 'fitted';
      const plant = new SupplyPlant(
        fitted
          ? { ...fittedDay(sim.day), tauMs: (sim.tau_s ?? FITTED_PLANT.tau_s) * 1000, driftV2PerS: FITTED_PLANT.drift_v2_per_s, seed: sim.seed ?? block.id }
          : { gain: sim.gain ?? block.output.gain, offset: sim.offset ?? block.output.offset, tauMs: (sim.tau_s ?? 0.4) * 1000 },
        sim.initial_output_volts,
        clock.now(),
      );
      this.plants.set(block.id, plant);
      const name = simName(block.output.resource);
      if (!name) continue;
      const device =
        block.output.driver === 'adam-4024'
          ? new Adam4024(name, block.output.address ?? 1, plant, clock)
          : new Fluke5502E(name, plant, clock, fitted ? FITTED_PLANT.range_glitch : null);
      this.outputs.set(block.id, device);
      this.add(device, busLatencyMs);
    }
    for (const meter of voltmeters) {
      const name = simName(meter.resource);
      if (!name) continue;
      const block = blocks.find((b) => b.voltmeter === meter.id);
      // A voltmeter on no block's divider (the electron gun's) reads a steady supply of its own.
      const plant =
        (block && this.plants.get(block.id)) ??
        new SupplyPlant({ gain: 0, offset: meter.simulation.constant_hv_volts, tauMs: 1, driftV2PerS: FITTED_PLANT.drift_v2_per_s, seed: meter.simulation.seed }, 0, clock.now());
      const s = meter.simulation;
      const device = new Agilent34401A(name, plant, meter.divider_ratio, clock, new SeededRandom(s.seed), {
        sigma0V: s.noise_volts,
        perKvV: s.noise_volts_per_kv,
        outlierRate: s.outlier_rate,
        outlierV: s.outlier_volts,
      });
      this.meters.set(meter.id, device);
      this.add(device, busLatencyMs);
    }
  }

  /** The simulated instrument driving block `block`'s supply. */
  output(block: number): Fluke5502E | Adam4024 {
    const device = this.outputs.get(block);
    if (!device) throw new Error(`block ${block} has no simulated output instrument`);
    return device;
  }

  /** Whether voltmeter `id` is simulated here (its resource is `sim::NAME`). */
  simulates(voltmeterId: string): boolean {
    return this.meters.has(voltmeterId);
  }

  /** The simulated 34401A of voltmeter `id`. */
  voltmeter(id: string): Agilent34401A {
    const device = this.meters.get(id);
    if (!device) throw new Error(`voltmeter ${id} is not simulated`);
    return device;
  }

  private add(device: LineDevice, busLatencyMs: number): void {
    this.devices.set(device.name, device);
    this.endpoints.set(device.name, inProcessEndpoint(device, this.clock, busLatencyMs));
  }
}

function simName(resource: string): string | null {
  const parsed = parseResource(resource);
  return parsed.kind === 'sim' ? parsed.name : null;
}
