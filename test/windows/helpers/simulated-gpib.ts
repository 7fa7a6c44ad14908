// The simulated rack on LAN ports in the test's own process, and what visa64.dll (the VISA test
// library) needs to reach it from under Wine: the lab's GPIB addresses, each mapped to the port of
// its simulated instrument.
import { loadConfig } from '../../../src/hv/config/load-config.js';
import { ScaledClock } from '../../../src/kit/clock/clock.js';
import { startLanInstruments, type LanInstruments } from '../../../sim/lan-instruments.js';

/** The lab's GPIB addresses (docs/protocol.md §6) and the simulated instrument at each. */
const GPIB = { 4: 'calibrator', 20: 'voltmeter-1', 21: 'voltmeter-2', 22: 'voltmeter-gun' } as const;

export async function startSimulatedRack(timeScale: number): Promise<{ lan: LanInstruments; clock: ScaledClock; gpibEnv: NodeJS.ProcessEnv }> {
  const clock = new ScaledClock(timeScale);
  const defaults = loadConfig(); // the simulated rack with the lab's instruments and coefficients
  const lan = await startLanInstruments({ host: '127.0.0.1', basePort: 0, prologixPort: 0, controlPort: 0, clock, blocks: defaults.blocks, voltmeters: defaults.voltmeters });
  const gpibEnv = Object.fromEntries(Object.entries(GPIB).map(([address, name]) => [`HV_VISA_SIM_GPIB_${address}`, `127.0.0.1:${lan.ports[name]}`]));
  return { lan, clock, gpibEnv };
}

/** Flags for a server on ports of the system's choosing, simulated time allowed. */
export function serverFlags(config: string, dataDir: string, timeScale: number): string[] {
  return ['--config', config, '--data-dir', dataDir, '--sim', '--time-scale', String(timeScale), '--tcp-host', '127.0.0.1', '--tcp-port', '0', '--http-host', '127.0.0.1', '--http-port', '0'];
}
