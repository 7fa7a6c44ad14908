// Asks each instrument the config names who it is, and nothing else: `*IDN?` for the SCPI
// instruments, `$AAM` (module name) for an ADAM module. No command that changes an output, a range
// or a setting is sent (no *RST, no OUT, no OPER, no device clear), so it is safe on a rack that is
// holding a voltage for a run.

import type { ServerConfig } from '../../../schemas/types.js';
import { TransportFactory, type TransportContext } from '../../kit/transports/create-transport.js';
import type { Transport } from '../../kit/transports/transport.js';
import { instrumentSpecs, type InstrumentSpec } from './create-instruments.js';

export interface Identification {
  key: string;
  name: string;
  /** The resource string it was opened by. */
  resource: string;
  ok: boolean;
  /** The instrument's answer, or why there is none. */
  detail: string;
}

/** What each driver expects to hear: an instrument of another kind at that address is a wrong config. */
const EXPECTED: Record<InstrumentSpec['driver'], { pattern: RegExp; what: string }> = {
  'fluke-5502e': { pattern: /^FLUKE,5502E,/i, what: 'a Fluke 5502E' },
  'agilent-34401a': { pattern: /,34401A,/i, what: 'an Agilent or HP 34401A' },
  'adam-4024': { pattern: /^!([0-9A-F]{2})4024/i, what: 'an ADAM-4024 module' },
};

async function identifyOne(spec: InstrumentSpec, transports: TransportFactory): Promise<Identification> {
  const { key, name } = spec;
  const resource = spec.transport.resource;
  let transport: Transport | null = null;
  try {
    transport = transports.create(spec.transport);
    await transport.open();
    const question = spec.driver === 'adam-4024' ? `$${(spec.address ?? 1).toString(16).toUpperCase().padStart(2, '0')}M` : '*IDN?';
    const answer = await transport.query(question);
    const expected = EXPECTED[spec.driver];
    if (!expected.pattern.test(answer)) return { key, name, resource, ok: false, detail: `${question} answered ${JSON.stringify(answer)}; expected ${expected.what}` };
    return { key, name, resource, ok: true, detail: answer };
  } catch (err) {
    return { key, name, resource, ok: false, detail: (err as Error).message };
  } finally {
    await transport?.close().catch(() => {});
  }
}

/** One after another: instruments on one GPIB bus or Prologix adapter answer one at a time anyway. */
export async function identifyInstruments(config: ServerConfig, ctx: TransportContext): Promise<Identification[]> {
  const transports = new TransportFactory(ctx);
  const results: Identification[] = [];
  for (const spec of instrumentSpecs(config)) results.push(await identifyOne(spec, transports));
  return results;
}
