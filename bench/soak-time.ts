// The soak's own timeline in simulated time: the server's clock runs `scale` times faster than real
// time, so the clients wait in the same simulated seconds Online would (5 s after a busy reply,
// a hold at each setpoint) and the schedule of attacks is laid out over the simulated day.

import { setTimeout as sleepReal } from 'node:timers/promises';

export class SimTime {
  private realStart = Date.now();

  constructor(readonly scale: number) {}

  /** Starts the simulated day now (once the first server is ready). */
  begin(): void {
    this.realStart = Date.now();
  }

  /** Simulated milliseconds since the soak started. */
  elapsedMs(): number {
    return (Date.now() - this.realStart) * this.scale;
  }

  /** Sleeps `simMs` of simulated time, but at least `floorRealMs` of real time; false if aborted. */
  async sleep(simMs: number, signal?: AbortSignal, floorRealMs = 0): Promise<boolean> {
    return realSleep(Math.max(floorRealMs, simMs / this.scale), signal);
  }

  /** Sleeps until the simulated moment `atSimMs`; false if aborted first. */
  until(atSimMs: number, signal?: AbortSignal): Promise<boolean> {
    return realSleep(Math.max(0, (atSimMs - this.elapsedMs()) / this.scale), signal);
  }
}

/** Sleeps `ms` of real time; false if `signal` aborted it (or had already). */
export async function realSleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await sleepReal(ms, undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}

/** `h` simulated hours as `12.0 h`, or minutes when shorter than one. */
export function simHours(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 1 ? `${h.toFixed(1)} h` : `${(h * 60).toFixed(0)} min`;
}
