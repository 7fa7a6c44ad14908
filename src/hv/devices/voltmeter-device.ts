// Provides the voltmeter machine's instrument actors.

import { fromPromise } from 'xstate';
import { instrumentReader } from '../../../machines/voltmeter.machine.js';
import type { VoltmeterInstrument } from '../instruments/instrument.js';

export function voltmeterInstrumentActors(instruments: ReadonlyMap<string, VoltmeterInstrument>) {
  const instrument = (id: string): VoltmeterInstrument => {
    const found = instruments.get(id);
    if (!found) throw new Error(`no instrument is configured for voltmeter ${id}`);
    return found;
  };
  return {
    initVoltmeter: fromPromise<void, { voltmeter: string }>(async ({ input, signal }) => instrument(input.voltmeter).init(signal)),
    // `async`: an unknown voltmeter is a failed reading, as it was a failed promise actor.
    reader: instrumentReader(async (voltmeter, signal) => instrument(voltmeter).read(signal)),
  };
}
