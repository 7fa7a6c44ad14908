// The simulated modules' back door, as the kit's /api/training serves it: `{"cmd": "status"}`,
// `{"cmd": "rate", "module": "det-1", "hz": 5000}`, `{"cmd": "fault", "module": "det-1", "on": true}`.

import type { ControlResult, SimulatorBackDoor } from '../src/kit/index.js';
import type { SimulatedCounter } from './simulated-counter.js';

export class DetectorSimulator implements SimulatorBackDoor {
  constructor(private readonly counters: ReadonlyMap<string, SimulatedCounter>) {}

  apply(input: unknown): ControlResult {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, error: 'a command is a JSON object such as {"cmd": "status"}' };
    const command = input as Record<string, unknown>;
    if (command.cmd === 'status') {
      return { ok: true, modules: [...this.counters.values()].map((c) => ({ module: c.module, rate_hz: c.rateHz, failing: c.failing })) };
    }
    const counter = typeof command.module === 'string' ? this.counters.get(command.module) : undefined;
    if (!counter) return { ok: false, error: `field 'module' is ${JSON.stringify(command.module)?.slice(0, 60)}; expected one of ${[...this.counters.keys()].join(', ')}` };
    if (command.cmd === 'rate') {
      if (typeof command.hz !== 'number' || !Number.isFinite(command.hz) || command.hz < 0) return { ok: false, error: `field 'hz' is ${String(command.hz)}; expected a count rate of 0 or more` };
      counter.rateHz = command.hz;
      return { ok: true };
    }
    if (command.cmd === 'fault') {
      if (typeof command.on !== 'boolean') return { ok: false, error: `field 'on' is ${String(command.on)}; expected true or false` };
      counter.failing = command.on;
      return { ok: true };
    }
    return { ok: false, error: `field 'cmd' is ${JSON.stringify(command.cmd)?.slice(0, 60)}; expected status, rate or fault` };
  }
}
