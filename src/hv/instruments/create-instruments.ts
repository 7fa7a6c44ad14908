// The instruments the config names, each a driver over the transport its resource calls for.

import type { ServerConfig } from '../../../schemas/types.js';
import { TransportFactory, type TransportContext, type TransportSpec } from '../../kit/transports/create-transport.js';
import { Adam4024 } from './adam-4024.js';
import { Agilent34401A } from './agilent-34401a.js';
import { Fluke5502E } from './fluke-5502e.js';
import type { OutputInstrument, VoltmeterInstrument } from './instrument.js';

export interface Instruments {
  outputs: Map<number, OutputInstrument>;
  voltmeters: Map<string, VoltmeterInstrument>;
}

/** One instrument the config names, and how to reach it: also what `hv-server check-config` opens. */
export interface InstrumentSpec {
  /** The config key it comes from, e.g. blocks[0].output. */
  key: string;
  /** For messages: "block 1 fluke-5502e at GPIB0::4::INSTR". */
  name: string;
  driver: 'fluke-5502e' | 'adam-4024' | 'agilent-34401a';
  transport: TransportSpec;
  /** The ADAM module's address on its RS-485 bus. */
  address?: number;
}

export function instrumentSpecs(config: ServerConfig): InstrumentSpec[] {
  const timeoutMs = config.instruments.query_timeout_s * 1000;
  const outputs = config.blocks.map((block, i): InstrumentSpec => {
    const { driver, resource, address, baud_rate } = block.output;
    const name = `block ${block.id} ${driver} at ${resource}`;
    if (driver === 'adam-4024') {
      return { key: `blocks[${i}].output`, name, driver, address: address ?? 1, transport: { resource, terminator: '\r', timeoutMs, ...(baud_rate !== undefined ? { baudRate: baud_rate } : {}) } };
    }
    return { key: `blocks[${i}].output`, name, driver, transport: { resource, terminator: '\n', timeoutMs, ...(address !== undefined ? { address } : {}) } };
  });
  const meters = config.voltmeters.map(
    (meter, i): InstrumentSpec => ({
      key: `voltmeters[${i}]`,
      name: `voltmeter ${meter.id} at ${meter.resource}`,
      driver: meter.driver,
      transport: { resource: meter.resource, terminator: '\n', timeoutMs, ...(meter.address !== undefined ? { address: meter.address } : {}) },
    }),
  );
  return [...outputs, ...meters];
}

export function createInstruments(config: ServerConfig, ctx: TransportContext): Instruments {
  const queryTimeoutMs = config.instruments.query_timeout_s * 1000;
  const transports = new TransportFactory(ctx);
  const specs = instrumentSpecs(config);
  const outputs = new Map<number, OutputInstrument>();
  config.blocks.forEach((block, i) => {
    const spec = specs[i]!;
    const transport = transports.create(spec.transport);
    outputs.set(
      block.id,
      spec.driver === 'adam-4024' ? new Adam4024(spec.name, transport, spec.address ?? 1, queryTimeoutMs) : new Fluke5502E(spec.name, transport, queryTimeoutMs),
    );
  });
  const voltmeters = new Map<string, VoltmeterInstrument>();
  config.voltmeters.forEach((meter, i) => {
    const spec = specs[config.blocks.length + i]!;
    voltmeters.set(
      meter.id,
      new Agilent34401A(spec.name, transports.create(spec.transport), ctx.clock, {
        readingTimeoutMs: meter.reading_timeout_s * 1000,
        queryTimeoutMs,
      }),
    );
  });
  return { outputs, voltmeters };
}
