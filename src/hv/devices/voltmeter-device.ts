// Provides the voltmeter machine's instrument actors.

import { fromPromise } from 'xstate';
import type { RawReading, VoltmeterInstrument } from '../instruments/instrument.js';

export function voltmeterInstrumentActors(instruments: ReadonlyMap<string, VoltmeterInstrument>) {
  const instrument = (id: string): VoltmeterInstrument => {
    const found = instruments.get(id);
    if (!found) throw new Error(`no instrument is configured for voltmeter ${id}`);
    return found;
  };
  return {
    initVoltmeter: fromPromise<void, { voltmeter: string }>(async ({ input, signal }) => instrument(input.voltmeter).init(signal)),
    takeReading: fromPromise<RawReading, { voltmeter: string }>(async ({ input, signal }) => instrument(input.voltmeter).read(signal)),
  };
}
