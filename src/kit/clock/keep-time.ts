// The server's side of time keeping (src/clock/time-keeping.ts): on a scaled clock it judges the
// asked scale at once (on the least a timer takes, before the first reading), then measures the
// event loop (a burst of timers at start, not holding the start up, and every quarter second); when the asked
// time scale is more than the machine keeps up with it says so in the log, in /api/status
// (`time_keeping`) and as the alarm TIME_SCALE_TOO_HIGH (source `clock`, MAJOR, status HIGH, value
// the scale asked for), cleared once the scale is lowered or the machine catches up. It also holds
// every deadline (an instrument's answer, a connection) to a real-time floor the loop can honour.

import type { AlarmTable } from '../alarms/alarm-table.js';
import { DEADLINE_FLOOR_MS, type Clock } from './clock.js';
import { realLagSource, TimeKeeping, timeKeepingStatus, type LagSource, type TimeKeepingVerdict } from './time-keeping.js';
import type { Logger } from '../log/logger.js';

export const TIME_SCALE_TOO_HIGH = 'TIME_SCALE_TOO_HIGH';
export const CLOCK_ALARM_SOURCE = 'clock';

/** Waits in one reading cycle that each cost at least one shortest timer: ABOR;INIT, the measurement, FETC?, its answer. */
const WAITS_PER_READING = 4;

export interface ServerTimeKeeping {
  /** What /api/status shows (null when the clock is not scaled). */
  status(): Record<string, unknown> | null;
  /** The least simulated ms a time-out of the server's own may last: `realMs` of real time at the present scale. */
  floorMs(realMs: number): number;
  stop(): void;
}

/** Clocks whose real-time floor for deadlines can be raised (ScaledClock). */
type FloorClock = Clock & { deadlineFloorMs?: number; setTimeScale?: (k: number) => void };

/** `sim`: only a simulated rack runs scaled (the real one runs in real time, and is not measured). */
export function keepTime(options: { clock: Clock; sim: boolean; alarms: AlarmTable; log: Logger; cycleMs: number; source?: LagSource }): ServerTimeKeeping {
  const clock = options.clock as FloorClock;
  const scaled = options.sim && Number.isFinite(clock.timeScale) && (options.source !== undefined || typeof clock.setTimeScale === 'function');
  const floorMs = (realMs: number) => (Number.isFinite(clock.timeScale) && clock.timeScale > 1 ? realMs * clock.timeScale : 0);
  if (!scaled) return { status: () => null, floorMs, stop: () => {} };
  const { alarms, log } = options;
  const alarm = (v: TimeKeepingVerdict) => ({ source: CLOCK_ALARM_SOURCE, instrument: null, code: TIME_SCALE_TOO_HIGH, severity: 'MAJOR' as const, status: 'HIGH' as const, message: v.sentence, value: v.timeScale });
  const keeping = new TimeKeeping({
    scale: () => clock.timeScale,
    cycleMs: options.cycleMs,
    waitsPerCycle: WAITS_PER_READING,
    changed: (v: TimeKeepingVerdict) => {
      if (v.keepsUp) {
        log.info({ time_keeping: timeKeepingStatus(v) }, v.sentence);
        alarms.clear(CLOCK_ALARM_SOURCE, TIME_SCALE_TOO_HIGH);
      } else {
        log.warn({ time_keeping: timeKeepingStatus(v) }, v.sentence);
        alarms.raise(alarm(v));
      }
    },
    sampled: (v: TimeKeepingVerdict) => {
      // The alarm's sentence follows the figures (raise() on an active alarm updates it, quietly).
      if (!v.keepsUp) alarms.raise(alarm(v));
      if ('deadlineFloorMs' in clock) clock.deadlineFloorMs = Math.max(DEADLINE_FLOOR_MS, keeping.deadlineFloorMs);
    },
  });
  // Judged at once on the least a timer takes, then measured without holding up the start.
  let stopped = false;
  void keeping.start(options.source ?? realLagSource()).then(
    () => stopped && keeping.stop(),
    (err: unknown) => log.error({ err: String(err) }, 'time keeping could not measure the event loop'),
  );
  return {
    status: () => timeKeepingStatus(keeping.verdict),
    floorMs,
    stop: () => {
      stopped = true;
      keeping.stop();
    },
  };
}
