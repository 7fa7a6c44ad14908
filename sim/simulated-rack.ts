// The simulated rack: one supply plant per block, a calibrator driving each, and the voltmeter
// on each block's divider, all on one clock.

import type { BlockConfig, VoltmeterConfig } from '../schemas/types.js';
import type { Clock } from '../src/clock/clock.js';
import type { OutputInstrument, VoltmeterInstrument } from '../src/instruments/instrument.js';
import { SeededRandom } from './random.js';
import { SimulatedCalibrator } from './simulated-calibrator.js';
import { SimulatedVoltmeter } from './simulated-voltmeter.js';
import { SupplyPlant } from './supply-plant.js';

export interface SimulatedRack {
  outputs: Map<number, SimulatedCalibrator>;
  voltmeters: Map<string, SimulatedVoltmeter>;
  plants: Map<number, SupplyPlant>;
}

export function buildSimulatedRack(blocks: BlockConfig[], voltmeters: VoltmeterConfig[], clock: Clock): SimulatedRack {
  const rack: SimulatedRack = { outputs: new Map(), voltmeters: new Map(), plants: new Map() };
  for (const block of blocks) {
    const sim = block.simulation;
    const plant = new SupplyPlant(
      { gain: sim.gain ?? block.output.gain, offset: sim.offset ?? block.output.offset, tauMs: sim.tau_s * 1000 },
      sim.initial_output_volts,
      clock.now(),
    );
    rack.plants.set(block.id, plant);
    const limits = { min: block.output.min_volts, max: block.output.max_volts };
    rack.outputs.set(block.id, new SimulatedCalibrator(`simulated output of block ${block.id}`, plant, clock, limits));
  }
  for (const meter of voltmeters) {
    const block = blocks.find((b) => b.voltmeter === meter.id);
    // A voltmeter on no block's divider reads a supply that stays at 0 V.
    const plant = block ? rack.plants.get(block.id)! : new SupplyPlant({ gain: 0, offset: 0, tauMs: 1 }, 0, clock.now());
    const s = meter.simulation;
    rack.voltmeters.set(
      meter.id,
      new SimulatedVoltmeter(
        `simulated voltmeter ${meter.id}`,
        plant,
        meter.divider_ratio,
        clock,
        new SeededRandom(s.seed),
        { periodMs: s.reading_period_s * 1000, integrationMs: s.integration_s * 1000, triggerDelayMs: 10 },
        s.noise_volts,
      ),
    );
  }
  return rack;
}

/** The rack's instruments as the server's device layer sees them. */
export function rackInstruments(rack: SimulatedRack): {
  outputs: Map<number, OutputInstrument>;
  voltmeters: Map<string, VoltmeterInstrument>;
} {
  return { outputs: rack.outputs, voltmeters: rack.voltmeters };
}
