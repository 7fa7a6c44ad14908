// The fault campaign (bench/fault-campaign.ts) as tests: every fault the simulated rack can inject,
// while block 1 holds 18,500 V and while a set_voltage_and_check runs, on a virtual clock.
import { describe, expect, it } from 'vitest';
import { FAULTS, runScenario, type ScenarioResult } from '../../bench/fault-campaign.js';

/**
 * Readings until the alarm, at most. Two for every fault the readings show at once; a stuck meter
 * repeating a plausible value needs `stale_repeats` identical readings (the noise makes two equal
 * readings common at 8 digits), and a slow drift needs its rate measured over the drift window.
 */
function readingsAllowed(r: ScenarioResult): number {
  if (r.fault.includes('frozen') && r.mode === 'hold') return 5;
  if (r.fault.includes('drift')) return r.mode === 'hold' ? 5 : 10; // through a check: its new setpoint restarts the expectation
  return 2;
}

/** Faults a running check cannot complete through: answered code 6, naming the fault. */
const stopsTheCheck = [/standby/, /not answering/, /error queued/, /frozen/, /dead/, /garbage/, /offset/, /trip/];

describe('fault campaign', () => {
  for (const fault of FAULTS) {
    for (const mode of ['hold', 'check'] as const) {
      it(`${fault.name}, while ${mode === 'hold' ? 'holding 18,500 V' : 'a check runs'}`, async () => {
        const r = await runScenario(fault, mode);
        // Alarmed, soon.
        expect(r.alarm, 'an alarm is raised').not.toBeNull();
        expect(r.readingsToAlarm!).toBeLessThanOrEqual(readingsAllowed(r));
        // Nothing but a client's command may switch the output on.
        expect(r.operSent).toBe(0);
        if (r.stayedInStandby !== null) expect(r.stayedInStandby).toBe(true);
        // A wrong voltmeter cannot walk the HV; a recovering supply does not overshoot.
        if (fault.voltmeter) expect(r.demandChangeV).toBeLessThanOrEqual(1);
        if (r.overshootV !== null) expect(r.overshootV).toBeLessThanOrEqual(5);
        if (mode === 'check' && stopsTheCheck.some((p) => p.test(fault.name))) {
          expect(r.answer).toMatch(/^code 6: block 1: /);
          // Within two reading periods of the first reading that can show it (the ramp's settle comes first).
          expect(r.secondsToAnswer!).toBeLessThanOrEqual(14);
        }
        if (fault.name.includes('dead') && mode === 'check') expect(r.secondsToAnswer!).toBeLessThanOrEqual(2 * 4.02);
        if (fault.name.includes('spike') && mode === 'check') expect(r.answer).toMatch(/^ok at 18500\.\d+ V$|^ok at 18499\.\d+ V$/);
        // Faults that clear by themselves, or are cleared at the rack, leave no alarm behind.
        if (/not answering|dead|garbage|spike|offset|trip|frozen|error queued/.test(fault.name)) expect(r.alarmsAtEnd).toEqual([]);
      });
    }
  }
});
