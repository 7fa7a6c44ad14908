// The simulated rack as LAN instruments in their own process: each instrument on its own TCP port
// (raw SCPI socket), the GPIB ones also behind one Prologix-style adapter port, and the back door.

import type { BlockConfig, VoltmeterConfig } from '../schemas/types.js';
import type { ScaledClock } from '../src/kit/clock/clock.js';
import { PrologixServer } from './adapters/prologix-server.js';
import { TcpInstrumentServer } from './adapters/tcp-instrument-server.js';
import { ControlServer } from './control/control-server.js';
import { SimulatorControl } from './control/simulator-control.js';
import type { LineDevice } from './devices/line-device.js';
import { SimulatedRack } from './simulated-rack.js';

export interface LanInstrumentsOptions {
  host: string;
  /** First instrument port; the others follow in order. 0: the system picks every port. */
  basePort: number;
  prologixPort: number;
  controlPort: number;
  clock: ScaledClock;
  blocks: BlockConfig[];
  voltmeters: VoltmeterConfig[];
}

export interface LanInstruments {
  /** Port of each instrument, the Prologix adapter and the control channel. */
  ports: Record<string, number>;
  /** GPIB address of each instrument behind the Prologix port. */
  gpib: Record<string, number>;
  rack: SimulatedRack;
  control: SimulatorControl;
  close(): Promise<void>;
}

/** PROTOCOL.md §6: the Fluke at 4, the Agilent at 20 (a second voltmeter at 21, and so on). */
function gpibAddresses(blocks: BlockConfig[], voltmeters: VoltmeterConfig[], rack: SimulatedRack): Map<number, LineDevice> {
  const bus = new Map<number, LineDevice>();
  blocks.forEach((block) => {
    const device = rack.output(block.id);
    if (block.output.driver === 'fluke-5502e') bus.set(block.output.address ?? 4, device);
  });
  voltmeters.forEach((meter, i) => {
    if (rack.simulates(meter.id)) bus.set(meter.address ?? 20 + i, rack.voltmeter(meter.id));
  });
  return bus;
}

export async function startLanInstruments(options: LanInstrumentsOptions): Promise<LanInstruments> {
  const { host, clock } = options;
  const rack = new SimulatedRack(options.blocks, options.voltmeters, clock);
  const timing = { clock, latencyMs: 2 };
  const servers = new Map<string, TcpInstrumentServer>();
  const ports: Record<string, number> = {};
  let offset = 0;
  for (const [name, device] of rack.devices) {
    const server = new TcpInstrumentServer(device, timing);
    ports[name] = await server.listen(host, options.basePort === 0 ? 0 : options.basePort + offset++);
    servers.set(name, server);
  }
  const bus = gpibAddresses(options.blocks, options.voltmeters, rack);
  const prologix = new PrologixServer(bus, timing);
  ports.prologix = await prologix.listen(host, options.prologixPort);
  const control = new SimulatorControl(
    rack.devices,
    clock,
    {
      dropConnections: (device) => {
        for (const [name, server] of servers) if (device === undefined || device === name) server.dropConnections();
      },
    },
    rack.plants,
  );
  const controlServer = new ControlServer(control);
  ports.control = await controlServer.listen(host, options.controlPort);
  const gpib = Object.fromEntries([...bus].map(([address, device]) => [device.name, address]));
  return {
    ports,
    gpib,
    rack,
    control,
    close: async () => {
      await Promise.all([...servers.values()].map((s) => s.close()));
      await prologix.close();
      await controlServer.close();
    },
  };
}
