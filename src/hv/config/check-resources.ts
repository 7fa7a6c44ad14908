// The instruments' resource strings, checked when the config is loaded rather than when the
// first command reaches the instrument: a mistyped address must stop the server at start, with
// one sentence naming the key, the value and the choices, not fail an hour into a run.

import { existsSync } from 'node:fs';
import type { ServerConfig } from '../../../schemas/types.js';
import { parseResource, ResourceError, type Resource } from '../../kit/transports/resource.js';
import { ConfigError } from '../../kit/config/config-error.js';

const EXPECTED_RESOURCES =
  'GPIB0::20::INSTR, TCPIP::host::port::SOCKET, PRLGX-TCPIP::host::1234::INTFC, ASRL/dev/ttyUSB0::INSTR (ASRL3::INSTR for COM3) or sim::NAME';

/** Which transports each driver can talk over: an ADAM module has no GPIB interface. */
const DRIVER_TRANSPORTS: Record<string, readonly Resource['kind'][]> = {
  'fluke-5502e': ['gpib', 'prologix', 'tcp-socket', 'serial', 'sim'],
  'agilent-34401a': ['gpib', 'prologix', 'tcp-socket', 'serial', 'sim'],
  'adam-4024': ['serial', 'tcp-socket', 'sim'],
};

const KIND_NAMES: Record<Resource['kind'], string> = {
  gpib: 'GPIB (VISA)',
  prologix: 'GPIB through a Prologix adapter',
  'tcp-socket': 'TCPIP::…::SOCKET',
  serial: 'ASRL serial',
  sim: 'sim::NAME',
};

interface Named {
  key: string;
  driver: string;
  resource: string;
  address: number | undefined;
}

/** Whether a resource string names an instrument simulated in this process (`sim::NAME`). */
export function isSimulated(resource: string): boolean {
  return /^\s*sim::/i.test(resource);
}

/** Every instrument resource of the rack: each block's output, then each voltmeter. */
export function rackResources(config: Pick<ServerConfig, 'blocks' | 'voltmeters'>): string[] {
  return [...config.blocks.map((b) => b.output.resource), ...config.voltmeters.map((m) => m.resource)];
}

/** Whether the (not yet validated) config names any instrument that is not simulated in this process. */
export function namesRealResource(raw: Record<string, unknown>): boolean {
  const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object') : []);
  const resources = [
    ...list(raw.blocks).map((b) => (b.output && typeof b.output === 'object' ? (b.output as Record<string, unknown>).resource : undefined)),
    ...list(raw.voltmeters).map((m) => m.resource),
  ];
  return resources.some((r) => typeof r === 'string' && !isSimulated(r));
}

export function checkResources(config: ServerConfig): void {
  const fail = (message: string): never => {
    throw new ConfigError(`configuration: ${message}`);
  };
  const named: Named[] = [
    ...config.blocks.map((b, i) => ({ key: `blocks[${i}].output`, driver: b.output.driver, resource: b.output.resource, address: b.output.address })),
    ...config.voltmeters.map((m, i) => ({ key: `voltmeters[${i}]`, driver: m.driver, resource: m.resource, address: m.address })),
  ];
  const simNames = new Map<string, string>();
  for (const { key, driver, resource, address } of named) {
    let parsed: Resource;
    try {
      parsed = parseResource(resource);
    } catch (err) {
      if (!(err instanceof ResourceError)) throw err;
      return fail(`key '${key}.resource' is "${resource}", which is not a resource string; expected one like ${EXPECTED_RESOURCES}`);
    }
    const allowed = DRIVER_TRANSPORTS[driver] ?? [];
    if (!allowed.includes(parsed.kind)) {
      fail(`key '${key}.resource' is "${resource}" (${KIND_NAMES[parsed.kind]}), which driver ${driver} cannot use; expected ${allowed.map((k) => KIND_NAMES[k]).join(', ')}`);
    }
    if (parsed.kind === 'prologix' && address === undefined) {
      fail(`key '${key}.address' is missing for resource "${resource}"; expected the instrument's GPIB address (0 to 30) behind the Prologix adapter`);
    }
    if (parsed.kind === 'sim') {
      // One simulated instrument per name: a second instrument of the same name would replace the first.
      const other = simNames.get(parsed.name.toLowerCase());
      if (other) fail(`key '${key}.resource' is "${resource}", which '${other}.resource' already names; expected a sim:: name of its own`);
      simNames.set(parsed.name.toLowerCase(), key);
    }
  }
  const library = config.instruments.visa_library;
  // A bare file name is looked up by the system loader; on the real rack a path must name a file
  // that is there (a simulation may name the test library before it is built).
  if (!config.sim && library && /[\\/]/.test(library) && !existsSync(library)) {
    fail(`key 'instruments.visa_library' is "${library}", which does not exist; expected the path of the vendor's VISA library (or leave it out to look in the usual places)`);
  }
}
