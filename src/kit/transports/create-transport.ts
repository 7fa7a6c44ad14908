// From a resource string to the transport that reaches it. One factory per server: instruments
// behind the same Prologix adapter share its one connection.

import type { Clock } from '../clock/clock.js';
import { InProcessTransport, type InProcessEndpoint } from './in-process-transport.js';
import { PrologixAdapter, PrologixTransport } from './prologix-transport.js';
import { parseResource, ResourceError } from './resource.js';
import { SerialTransport } from './serial-transport.js';
import { SocketTransport } from './socket-transport.js';
import type { Transport } from './transport.js';
import { VisaLibrary } from './visa/visa-library.js';
import { VisaTransport } from './visa/visa-transport.js';

export interface TransportContext {
  clock: Clock;
  /** Simulated instruments in this process, by `sim::NAME`. */
  simEndpoints: ReadonlyMap<string, InProcessEndpoint>;
  /** The VISA library's path, or null to look for the vendors' usual ones. */
  visaLibrary?: string | null;
}

export interface TransportSpec {
  resource: string;
  /** What ends a message both ways: "\n" for SCPI instruments, "\r" for ADAM modules. */
  terminator: string;
  /** Default per-call timeout, clock ms. */
  timeoutMs: number;
  /** The instrument's GPIB address behind a Prologix adapter. */
  address?: number;
  /** For serial lines. */
  baudRate?: number;
}

export class TransportFactory {
  private readonly adapters = new Map<string, PrologixAdapter>();
  private visa: VisaLibrary | null = null;

  constructor(private readonly ctx: TransportContext) {}

  create(spec: TransportSpec): Transport {
    const resource = parseResource(spec.resource);
    const { clock } = this.ctx;
    const stream = { timeoutMs: spec.timeoutMs, writeTerminator: spec.terminator, readTerminator: spec.terminator };
    switch (resource.kind) {
      case 'sim':
        return new InProcessTransport(resource.text, this.ctx.simEndpoints.get(resource.name), clock, stream);
      case 'tcp-socket':
        return new SocketTransport(resource.text, resource.host, resource.port, clock, stream);
      case 'prologix': {
        if (spec.address === undefined) {
          throw new ResourceError(`resource ${spec.resource} needs the instrument's GPIB address: give it as "address" beside the resource`);
        }
        const key = `${resource.host}:${resource.port}`;
        let adapter = this.adapters.get(key);
        if (!adapter) {
          adapter = new PrologixAdapter(resource.text, resource.host, resource.port, clock, spec.timeoutMs);
          this.adapters.set(key, adapter);
        }
        return new PrologixTransport(adapter, spec.address, { timeoutMs: spec.timeoutMs, terminator: spec.terminator });
      }
      case 'gpib':
        return new VisaTransport(resource.text, () => (this.visa ??= VisaLibrary.load(this.ctx.visaLibrary ?? null, resource.text)), clock, {
          timeoutMs: spec.timeoutMs,
          terminator: spec.terminator,
        });
      case 'serial':
        return new SerialTransport(resource.text, resource.path, spec.baudRate ?? 9600, clock, stream);
    }
  }
}
