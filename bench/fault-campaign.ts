// The fault campaign: every fault the simulated rack can inject, while block 1 holds 18,500 V and
// while a set_voltage_and_check runs, on a virtual clock, with the whole server driven over TCP as
// Online drives it. Each scenario reports how many readings passed before the alarm, how far the
// demand moved during the fault, how far the true HV overshot the setpoint on recovery, what the
// client was answered, and how many OPER the server sent on its own (it must send none).
// Used by `npm run bench:faults` and by test/server/fault-campaign.test.ts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alarm } from '../src/kit/alarms/alarm-table.js';
import { checkCommand, HvConnection } from '../src/hv/client/hv-connection.js';
import { ManualClock } from '../src/kit/clock/clock.js';
import { loadConfig } from '../src/hv/config/load-config.js';
import { silentLogger } from '../src/kit/log/logger.js';
import type { Meta } from '../src/kit/protocol/envelope.js';
import { startServer, type RunningServer } from '../app/start-server.js';
import { advance as advanceBy, until as untilSettled } from './virtual-time.js';
import type { Fluke5502E } from '../sim/devices/fluke-5502e.js';

export const HOLD_VOLTS = 18_500;
/** The check scenario starts from here and asks for HOLD_VOLTS. */
const CHECK_FROM_VOLTS = 18_000;
const FAULT_MS = 60_000;
const RECOVERY_MS = 60_000;
const STEP_MS = 50;

export interface Fault {
  name: string;
  /** Back-door commands that inject the fault, and that clear it (none: it cannot be cleared from the rack's side). */
  inject: Record<string, unknown>[];
  clear: Record<string, unknown>[];
  /** Whether the fault is in the voltmeter's readings (the demand must then move at most 1 V). */
  voltmeter: boolean;
}

export const FAULTS: Fault[] = [
  { name: 'calibrator standby (front panel)', inject: [{ cmd: 'standby', device: 'calibrator' }], clear: [], voltmeter: false },
  {
    name: 'calibrator not answering',
    inject: [{ cmd: 'fault', device: 'calibrator', fault: 'timeout', on: true }],
    clear: [{ cmd: 'fault', device: 'calibrator', fault: 'timeout', on: false }],
    voltmeter: false,
  },
  {
    name: 'calibrator error queued (bus error)',
    inject: [{ cmd: 'push_error', device: 'calibrator', code: -222, text: 'Data out of range' }],
    clear: [],
    voltmeter: false,
  },
  { name: 'voltmeter frozen', inject: [{ cmd: 'freeze', device: 'voltmeter-1' }], clear: [{ cmd: 'freeze', device: 'voltmeter-1', raw: null }], voltmeter: true },
  {
    name: 'voltmeter dead (no answer)',
    inject: [{ cmd: 'fault', device: 'voltmeter-1', fault: 'timeout', on: true }],
    clear: [{ cmd: 'fault', device: 'voltmeter-1', fault: 'timeout', on: false }],
    voltmeter: true,
  },
  {
    name: 'voltmeter garbage (bus error)',
    inject: [{ cmd: 'fault', device: 'voltmeter-1', fault: 'garbage', on: true }],
    clear: [{ cmd: 'fault', device: 'voltmeter-1', fault: 'garbage', on: false }],
    voltmeter: true,
  },
  { name: 'voltmeter spikes +50 V (2 readings)', inject: [{ cmd: 'spike', device: 'voltmeter-1', volts: 50, readings: 2 }], clear: [], voltmeter: true },
  {
    name: 'voltmeter offset +5 V',
    inject: [{ cmd: 'offset', device: 'voltmeter-1', volts: 5 }],
    clear: [{ cmd: 'offset', device: 'voltmeter-1', volts: 0 }],
    voltmeter: true,
  },
  {
    name: 'voltmeter drift +1 V/min',
    inject: [{ cmd: 'meter_drift', device: 'voltmeter-1', volts_per_min: 1 }],
    clear: [{ cmd: 'meter_drift', device: 'voltmeter-1', volts_per_min: 0 }],
    voltmeter: true,
  },
  { name: 'supply trip and recovery', inject: [{ cmd: 'trip', block: 1 }], clear: [{ cmd: 'trip', block: 1, on: false }], voltmeter: false },
  {
    name: 'supply drift +2 V/min',
    inject: [{ cmd: 'drift', block: 1, volts_per_min: 2 }],
    clear: [{ cmd: 'reset' }],
    voltmeter: false,
  },
];

export type Mode = 'hold' | 'check';

export interface ScenarioResult {
  fault: string;
  mode: Mode;
  /** Readings of block 1 published from the injection to the first alarm (inclusive); null: no alarm. */
  readingsToAlarm: number | null;
  /** Seconds from the injection to the first alarm. */
  secondsToAlarm: number | null;
  /** The first alarm raised after the injection. */
  alarm: Pick<Alarm, 'source' | 'code' | 'severity'> | null;
  /** Largest |demand − demand at injection| while the fault was on, volts (demand as the block holds it). */
  demandChangeV: number;
  /** Largest true HV over the setpoint after the fault was cleared, volts (negative: never above). */
  overshootV: number | null;
  /** What the client was answered (check mode). */
  answer: string | null;
  /** Seconds from the injection to the answer (check mode). */
  secondsToAnswer: number | null;
  /** OPER sent to the calibrator after the injection, by nobody's command. */
  operSent: number;
  /** The calibrator still in standby at the end (standby fault only). */
  stayedInStandby: boolean | null;
  /** Active alarms at the end, after the fault was cleared. */
  alarmsAtEnd: string[];
}

/** OPER (not OPER?) among a program message's commands. */
const countOper = (messages: readonly string[]) =>
  messages.reduce((n, m) => n + m.split(';').filter((c) => /^\s*OPER(ATE)?\s*$/i.test(c)).length, 0);

interface Harness {
  server: RunningServer;
  clock: ManualClock;
  online: HvConnection;
  readings: { at: number; volts: number }[];
  advance(ms: number): Promise<void>;
  until<T>(promise: Promise<T>, maxMs: number): Promise<T>;
  blockContext(): { demand: number | null; setpoint: number | null };
  close(): Promise<void>;
}

async function harness(seed: number): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-faults-'));
  const config = loadConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir });
  // The seed picks the voltmeter's noise and the supply's drift.
  config.voltmeters[0]!.simulation.seed = seed;
  config.blocks[0]!.simulation.seed = seed;
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 8, 0, 0));
  const server = await startServer({ config, clock, log: silentLogger() });
  const advance = (ms: number) => advanceBy(clock, ms, STEP_MS);
  const until = <T>(promise: Promise<T>, maxMs: number) => untilSettled(clock, promise, maxMs, STEP_MS);
  await advance(3000);
  const online = await HvConnection.open(server.tcp.host, server.tcp.port);
  const readings: { at: number; volts: number }[] = [];
  online.onMessage((m) => {
    if (m.answer_type === 'get_voltage' && m.block === 1) readings.push({ at: clock.now(), volts: m.voltage as number });
  });
  const blockContext = () =>
    (server.supervisor.getSnapshot().children['block-1']?.getSnapshot() as { context?: { demand: number | null; setpoint: number | null } } | undefined)?.context ?? {
      demand: null,
      setpoint: null,
    };
  return {
    server,
    clock,
    online,
    readings,
    advance,
    until,
    blockContext,
    close: async () => {
      await online.close();
      await until(server.stop('fault campaign done'), 60_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function describeAnswer(m: Meta): string {
  if (m.type === 'reply') return `code ${String(m.error_code)}: ${String(m.description)}`;
  return `${String(m.status)}${typeof m.voltage === 'number' ? ` at ${m.voltage.toFixed(3)} V` : ''}`;
}

export async function runScenario(fault: Fault, mode: Mode, seed = 1): Promise<ScenarioResult> {
  const h = await harness(seed);
  const { server, clock, online } = h;
  const control = server.control!;
  const apply = (commands: Record<string, unknown>[]) => {
    for (const c of commands) {
      const result = control.apply(c);
      if (!result.ok) throw new Error(`back door refused ${JSON.stringify(c)}: ${result.error}`);
    }
  };
  try {
    // Bring the block to its voltage, as Online would, and let it hold a minute.
    const start = online.answer(600_000);
    online.send(checkCommand(1, mode === 'hold' ? HOLD_VOLTS : CHECK_FROM_VOLTS, 0.1, 30));
    const started = await h.until(start, 60_000);
    if (started.status !== 'ok') throw new Error(`the block did not reach its starting voltage: ${JSON.stringify(started)}`);
    await h.advance(60_000);

    let answer: Promise<Meta> | null = null;
    if (mode === 'check') {
      answer = online.answer(600_000);
      online.send(checkCommand(1, HOLD_VOLTS, 0.1, 20));
      // The ramp goes out and the correction is under way when the fault comes.
      await h.advance(1000);
    }
    const calibrator = server.rack!.output(1);
    const operBefore = countOper(calibrator.received);
    const alarmsBefore = new Set(server.alarms.list().map((a) => `${a.source}/${a.code}`));
    const injectedAt = clock.now();
    const readingsBefore = h.readings.length;
    const demandAtInjection = h.blockContext().demand ?? HOLD_VOLTS;
    let firstAlarm: { alarm: Alarm; at: number } | null = null;
    server.alarms.onChange((change, alarm) => {
      if (change === 'raised' && !firstAlarm && !alarmsBefore.has(`${alarm.source}/${alarm.code}`)) firstAlarm = { alarm, at: clock.now() };
    });
    let answered: { m: Meta; at: number } | null = null;
    void answer?.then((m) => (answered = { m, at: clock.now() })).catch(() => {});
    apply(fault.inject);

    let demandChange = 0;
    for (let t = 0; t < FAULT_MS; t += STEP_MS) {
      await clock.advance(STEP_MS);
      const d = h.blockContext().demand;
      if (d !== null) demandChange = Math.max(demandChange, Math.abs(d - demandAtInjection));
    }
    apply(fault.clear);
    const plant = server.rack!.plants.get(1)!;
    let overshoot = -Infinity;
    for (let t = 0; t < RECOVERY_MS; t += STEP_MS) {
      await clock.advance(STEP_MS);
      overshoot = Math.max(overshoot, plant.hvAt(clock.now()) - HOLD_VOLTS);
    }
    const a = firstAlarm as { alarm: Alarm; at: number } | null;
    // Readings reach the client a moment after the server publishes them (and raises what they show).
    const readingsToAlarm = a ? h.readings.slice(readingsBefore).filter((r) => r.at <= a.at + 4 * STEP_MS).length : null;
    const ans = answered as { m: Meta; at: number } | null;
    return {
      fault: fault.name,
      mode,
      readingsToAlarm,
      secondsToAlarm: a ? (a.at - injectedAt) / 1000 : null,
      alarm: a ? { source: a.alarm.source, code: a.alarm.code, severity: a.alarm.severity } : null,
      demandChangeV: demandChange,
      overshootV: fault.clear.length > 0 || fault.name.includes('spike') ? overshoot : null,
      answer: ans ? describeAnswer(ans.m) : null,
      secondsToAnswer: ans ? (ans.at - injectedAt) / 1000 : null,
      operSent: countOper(calibrator.received) - operBefore,
      stayedInStandby: fault.inject.some((c) => c.cmd === 'standby') ? !(calibrator as Fluke5502E).output.operating : null,
      alarmsAtEnd: server.alarms.list().map((x) => `${x.source} ${x.code}`),
    };
  } finally {
    await h.close();
  }
}

/** Block 2 (shift) holds this meanwhile, so its checks are tried too. */
const SHIFT_VOLTS = 300;

/** A simulated hold of `hours` at HOLD_VOLTS (block 2 at SHIFT_VOLTS) with no fault: every alarm raised is a false alarm. */
export async function falseAlarmsInHold(hours: number, seed = 1): Promise<{ alarms: Alarm[]; readings: number; holdRmsV: number }> {
  const h = await harness(seed);
  try {
    for (const [block, volts] of [[1, HOLD_VOLTS], [2, SHIFT_VOLTS]] as const) {
      const start = h.online.answer(600_000);
      h.online.send(checkCommand(block, volts, 0.1, 30));
      const answer = await h.until(start, 60_000);
      if (answer.status !== 'ok') throw new Error(`block ${block} did not reach ${volts} V: ${JSON.stringify(answer)}`);
    }
    await h.advance(60_000);
    const raised: Alarm[] = [];
    h.server.alarms.onChange((change, alarm) => {
      if (change === 'raised') raised.push(alarm);
    });
    const from = h.readings.length;
    // Bigger steps for the long run: the server's own timers still fire at their times.
    for (let t = 0; t < hours * 3600_000; t += 500) await h.clock.advance(500);
    const held = h.readings.slice(from);
    const rms = Math.sqrt(held.reduce((s, r) => s + (r.volts - HOLD_VOLTS) ** 2, 0) / Math.max(1, held.length));
    return { alarms: raised, readings: held.length, holdRmsV: rms };
  } finally {
    await h.close();
  }
}
