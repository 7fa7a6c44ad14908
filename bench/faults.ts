// Benchmark: the fault campaign (bench/fault-campaign.ts) as one table, and the false alarms of a
// simulated 24 h hold with no fault.
// Usage: npm run bench:faults [-- --seed N] [-- --hours H] [-- --json FILE]

import { writeFileSync } from 'node:fs';
import { falseAlarmsInHold, FAULTS, HOLD_VOLTS, runScenario, type ScenarioResult } from './fault-campaign.js';

function argument(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

const fixed = (x: number | null, digits = 2) => (x === null ? '—' : x.toFixed(digits));

/** An error reply by the alarm it names (or the failure it reports), an answer as it is. */
function shortAnswer(answer: string): string {
  const alarm = /stopped, ([A-Z_]+):/.exec(answer);
  if (alarm) return `code 6, ${alarm[1]}`;
  const failed = /^code (\d+): block \d+: (.*?) failed: .*?(no answer|error queue holds [^;]*?"[^"]*")/.exec(answer);
  if (failed) return `code ${failed[1]}, ${failed[2]} failed: ${failed[3]}`;
  return answer.length > 60 ? `${answer.slice(0, 60)}…` : answer;
}

function row(r: ScenarioResult): string[] {
  const alarm = r.alarm ? `${r.readingsToAlarm} (${fixed(r.secondsToAlarm, 1)} s) ${r.alarm.code}` : 'none';
  const answer = r.mode === 'hold' ? '— (holding)' : r.answer === null ? 'no answer' : `${shortAnswer(r.answer)} (${fixed(r.secondsToAnswer, 1)} s)`;
  const recovery = r.stayedInStandby !== null ? (r.stayedInStandby ? 'stays in standby' : 'OPERATING AGAIN') : fixed(r.overshootV, 3);
  return [r.fault, r.mode, alarm, fixed(r.demandChangeV, 3), recovery, answer, String(r.operSent)];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seed = Number(argument(args, '--seed') ?? 1);
  const hours = Number(argument(args, '--hours') ?? 24);
  const jsonOut = argument(args, '--json');
  const started = Date.now();
  const results: ScenarioResult[] = [];
  for (const fault of FAULTS) for (const mode of ['hold', 'check'] as const) results.push(await runScenario(fault, mode, seed));
  const header = ['fault', 'while', 'readings until the alarm', 'largest demand change (V)', 'overshoot on recovery (V)', 'what the client was answered', 'OPER by the server'];
  const rows = results.map(row);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [
    `Fault campaign: block 1 on the fitted plant, holding ${HOLD_VOLTS} V, or running set_voltage_and_check ${18_000}→${HOLD_VOLTS} V (max_error 0.1 V, timeout 20 s); each fault on for 60 s, then cleared for 60 s; seed ${seed}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
  ];
  const hold = await falseAlarmsInHold(hours, seed);
  out.push(
    `No fault, ${hours} h hold at ${HOLD_VOLTS} V (block 2 at 300 V): ${hold.readings} readings of block 1, ${hold.alarms.length} alarms raised (false alarms)${hold.alarms.length ? `: ${hold.alarms.map((a) => `${a.code} ${a.message}`).join('; ')}` : ''}; hold RMS ${(hold.holdRmsV * 1000).toFixed(1)} mV`,
  );
  const voltmeterMoves = results.filter((r) => FAULTS.find((f) => f.name === r.fault)!.voltmeter).map((r) => r.demandChangeV);
  const checks = [
    ['every fault alarmed within 2 readings', results.every((r) => r.readingsToAlarm !== null && r.readingsToAlarm <= 2)],
    [`demand change during voltmeter faults ≤ 1 V (largest ${Math.max(...voltmeterMoves).toFixed(3)} V)`, voltmeterMoves.every((d) => d <= 1)],
    ['recovery overshoot ≤ 5 V', results.every((r) => r.overshootV === null || r.overshootV <= 5)],
    ['standby stays until a command', results.every((r) => r.stayedInStandby !== false)],
    ['no OPER from the server', results.every((r) => r.operSent === 0)],
    ['no false alarm', hold.alarms.length === 0],
  ] as const;
  out.push(`targets: ${checks.map(([what, met]) => `${what}: ${met ? 'met' : 'NOT met'}`).join('; ')}`);
  out.push(`${((Date.now() - started) / 1000).toFixed(1)} s of real time`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ seed, results, hold: { ...hold, alarms: hold.alarms.length } }, null, 2)}\n`);
}

void main();
