// From a resource string to the transport that reaches it.

import type { Clock } from '../clock/clock.js';
import { InProcessTransport, type InProcessEndpoint } from './in-process-transport.js';
import { parseResource, ResourceError } from './resource.js';
import { SocketTransport } from './socket-transport.js';
import type { Transport } from './transport.js';

export interface TransportContext {
  clock: Clock;
  /** Simulated instruments in this process, by `sim::NAME`. */
  simEndpoints: ReadonlyMap<string, InProcessEndpoint>;
}

export interface TransportSpec {
  resource: string;
  /** What ends a message both ways: "\n" for SCPI instruments, "\r" for ADAM modules. */
  terminator: string;
  /** Default per-call timeout, clock ms. */
  timeoutMs: number;
}

export function createTransport(spec: TransportSpec, ctx: TransportContext): Transport {
  const resource = parseResource(spec.resource);
  const stream = { timeoutMs: spec.timeoutMs, writeTerminator: spec.terminator, readTerminator: spec.terminator };
  switch (resource.kind) {
    case 'sim':
      return new InProcessTransport(resource.text, ctx.simEndpoints.get(resource.name), ctx.clock, stream);
    case 'tcp-socket':
      return new SocketTransport(resource.text, resource.host, resource.port, ctx.clock, stream);
    default:
      throw new ResourceError(`resource ${spec.resource}: ${resource.kind} transports are not built into this version yet`);
  }
}
