// Exposes a simulated instrument to an in-process transport (`sim::NAME`).

import type { Clock } from '../../src/kit/clock/clock.js';
import type { InProcessEndpoint } from '../../src/kit/transports/in-process-transport.js';
import type { LineDevice } from '../devices/line-device.js';
import { LineSession } from './line-session.js';

export function inProcessEndpoint(device: LineDevice, clock: Clock, busLatencyMs: number): InProcessEndpoint {
  return {
    connect: (receive) => new LineSession(device, receive, { clock, latencyMs: busLatencyMs }),
  };
}
