// The instruments the config names, each a driver over the transport its resource calls for.

import type { ServerConfig } from '../../schemas/types.js';
import { TransportFactory, type TransportContext } from '../transports/create-transport.js';
import { Adam4024 } from './adam-4024.js';
import { Agilent34401A } from './agilent-34401a.js';
import { Fluke5502E } from './fluke-5502e.js';
import type { OutputInstrument, VoltmeterInstrument } from './instrument.js';

export interface Instruments {
  outputs: Map<number, OutputInstrument>;
  voltmeters: Map<string, VoltmeterInstrument>;
}

export function createInstruments(config: ServerConfig, ctx: TransportContext): Instruments {
  const queryTimeoutMs = config.instruments.query_timeout_s * 1000;
  const transports = new TransportFactory(ctx);
  const outputs = new Map<number, OutputInstrument>();
  for (const block of config.blocks) {
    const { driver, resource, address, baud_rate } = block.output;
    const name = `block ${block.id} ${driver} at ${resource}`;
    if (driver === 'adam-4024') {
      const transport = transports.create({ resource, terminator: '\r', timeoutMs: queryTimeoutMs, ...(baud_rate !== undefined ? { baudRate: baud_rate } : {}) });
      outputs.set(block.id, new Adam4024(name, transport, address ?? 1, queryTimeoutMs));
    } else {
      const transport = transports.create({ resource, terminator: '\n', timeoutMs: queryTimeoutMs, ...(address !== undefined ? { address } : {}) });
      outputs.set(block.id, new Fluke5502E(name, transport, queryTimeoutMs));
    }
  }
  const voltmeters = new Map<string, VoltmeterInstrument>();
  for (const meter of config.voltmeters) {
    const transport = transports.create({
      resource: meter.resource,
      terminator: '\n',
      timeoutMs: queryTimeoutMs,
      ...(meter.address !== undefined ? { address: meter.address } : {}),
    });
    voltmeters.set(
      meter.id,
      new Agilent34401A(`voltmeter ${meter.id} at ${meter.resource}`, transport, ctx.clock, {
        readingTimeoutMs: meter.reading_timeout_s * 1000,
        queryTimeoutMs,
      }),
    );
  }
  return { outputs, voltmeters };
}
