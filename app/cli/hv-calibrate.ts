#!/usr/bin/env node
// hv-calibrate: records calibration runs of a block (setpoints and readings, in the lab's CSV form)
// and fits the calibrator→HV transfer from them, with a config snippet and a residual plot.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { loadRuns, loadRun, readingsCsv, type CalibrationRun } from '../../src/hv/calibration/calibration-runs.js';
import { fitTransfer, plateauHv, polyfit, plateaus, type TransferFit } from '../../src/hv/calibration/plant-fit.js';
import { SimulatedRack } from '../../sim/simulated-rack.js';
import { ScaledClock, type Clock } from '../../src/kit/clock/clock.js';
import { DiscreteEventClock } from '../../src/kit/clock/discrete-event-clock.js';
import { isSimulated } from '../../src/hv/config/check-resources.js';
import { ConfigError, loadConfig } from '../../src/hv/config/load-config.js';
import { createInstruments } from '../../src/hv/instruments/create-instruments.js';
import { numberArgument } from '../../src/kit/cli/parse-number.js';

const program = new Command('hv-calibrate')
  .description('Calibration runs of the HV rack: record them, and fit the calibrator-to-HV transfer.')
  .showHelpAfterError()
  .exitOverride();

/** A run folder, or a folder of run folders. */
function runsIn(dirs: string[]): CalibrationRun[] {
  return dirs.flatMap((dir) => {
    try {
      return [loadRun(dir)];
    } catch {
      return loadRuns(dir);
    }
  });
}

/** One straight line through every run's plateaus: what goes into the config. */
function pooledFit(runs: CalibrationRun[]): { gain: number; offset: number; residualRmsV: number; points: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const run of runs) {
    for (const p of plateaus(run)) {
      if (p.readings.length < 5) continue;
      xs.push(p.calibratorVolts);
      ys.push(plateauHv(p));
    }
  }
  const [offset, gain] = polyfit(xs, ys, 1) as [number, number];
  const residualRmsV = Math.sqrt(ys.reduce((s, y, i) => s + (y - (offset + gain * xs[i]!)) ** 2, 0) / ys.length);
  return { gain, offset, residualRmsV, points: xs.length };
}

/** Residuals from the pooled line against calibrator volts, one colour per run. */
function residualSvg(runs: CalibrationRun[], line: { gain: number; offset: number }): string {
  const series = runs.map((run) =>
    plateaus(run)
      .filter((p) => p.readings.length >= 5)
      .map((p) => ({ x: p.calibratorVolts, y: plateauHv(p) - (line.offset + line.gain * p.calibratorVolts) })),
  );
  const all = series.flat();
  const [w, h, m] = [720, 420, 60];
  const xMax = Math.max(...all.map((p) => p.x), 1);
  const yAbs = Math.max(...all.map((p) => Math.abs(p.y)), 0.05) * 1.1;
  const px = (x: number) => m + (x / xMax) * (w - 2 * m);
  const py = (y: number) => h / 2 - (y / yAbs) * (h / 2 - m);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  const ticks = [-yAbs, -yAbs / 2, 0, yAbs / 2, yAbs].map(
    (y) => `<line x1="${m}" x2="${w - m}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/><text x="${m - 8}" y="${py(y) + 4}" text-anchor="end" font-size="11">${(y * 1000).toFixed(0)}</text>`,
  );
  const xTicks = Array.from({ length: Math.floor(xMax) + 1 }, (_, v) => `<text x="${px(v)}" y="${h - m + 18}" text-anchor="middle" font-size="11">${v}</text>`);
  const points = series.map((pts, i) =>
    pts.map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="${colours[i % colours.length]}"><title>${runs[i]!.name}: ${p.x.toFixed(3)} V, ${(p.y * 1000).toFixed(1)} mV</title></circle>`).join(''),
  );
  const legend = runs.map((r, i) => `<text x="${w - m}" y="${m + 16 * i}" text-anchor="end" font-size="12" fill="${colours[i % colours.length]}">${r.name}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="24" text-anchor="middle" font-size="14">HV residual from HV = ${line.gain.toFixed(4)} × V + ${line.offset.toFixed(4)} V (mV)</text>`,
    ...ticks,
    ...xTicks,
    `<text x="${w / 2}" y="${h - 14}" text-anchor="middle" font-size="12">calibrator output (V)</text>`,
    ...points,
    ...legend,
    '</svg>',
  ].join('\n');
}

program
  .command('fit')
  .description('fit gain and offset from calibration runs (folders with voltage_sets.csv and voltage.csv)')
  .argument('<dir...>', 'run folders, or folders of run folders')
  .option('--svg <file>', 'write a plot of the residuals')
  .action((dirs: string[], opts: { svg?: string }) => {
    const runs = runsIn(dirs);
    if (runs.length === 0) {
      process.stderr.write(`hv-calibrate: no calibration runs in ${dirs.join(', ')}\n`);
      process.exit(2);
    }
    const f = (x: number, d = 4) => x.toFixed(d);
    const lines = ['run          gain        offset    rms resid   max resid   (quadratic term, rms with it)'];
    for (const run of runs) {
      const t: TransferFit = fitTransfer(run);
      const pts = plateaus(run).filter((p) => p.readings.length >= 5);
      const maxResid = Math.max(...pts.map((p) => Math.abs(plateauHv(p) - (t.linearOffset + t.linearGain * p.calibratorVolts))));
      lines.push(`${run.name.padEnd(12)} ${f(t.linearGain)}  ${f(t.linearOffset).padStart(7)} V  ${f(t.linearResidualRmsV)} V    ${f(maxResid)} V    (${f(t.quadratic)} V/V², ${f(t.residualRmsV)} V)`);
    }
    const pooled = pooledFit(runs);
    lines.push(`${'all runs'.padEnd(12)} ${f(pooled.gain)}  ${f(pooled.offset).padStart(7)} V  ${f(pooled.residualRmsV)} V    (${pooled.points} plateaus)`);
    lines.push('');
    lines.push('config (blocks[].output):');
    lines.push(`  output: { gain: ${f(pooled.gain)}, offset: ${f(pooled.offset)} }`);
    if (opts.svg) {
      writeFileSync(opts.svg, residualSvg(runs, pooled));
      lines.push('', `residual plot written to ${opts.svg}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  });

program
  .command('run')
  .description('step a block’s output instrument directly and record readings (stop hv-server first: it needs the instruments to itself)')
  .requiredOption('--block <n>', 'block number', numberArgument('--block', true))
  .requiredOption('--from <volts>', 'first HV', numberArgument('--from'))
  .requiredOption('--to <volts>', 'last HV', numberArgument('--to'))
  .requiredOption('--step <volts>', 'HV step', numberArgument('--step'))
  .requiredOption('--dwell <seconds>', 'time at each step', numberArgument('--dwell'))
  .requiredOption('--out <dir>', 'where to write voltage_sets.csv and voltage.csv')
  .option('--config <file>', 'the rack (as for hv-server; the simulated rack without one)')
  .option('--time-scale <k>', 'run K times faster (simulated instruments only)', numberArgument('--time-scale'))
  .option('--discrete-event', 'run as fast as the machine allows, on discrete-event time (simulated instruments only): a plan tried out in seconds')
  .action(async (opts: { block: number; from: number; to: number; step: number; dwell: number; out: string; config?: string; timeScale?: number; discreteEvent?: boolean }) => {
    let config;
    try {
      config = loadConfig({ ...(opts.config ? { config: opts.config } : {}), ...(opts.timeScale !== undefined ? { timeScale: opts.timeScale } : {}) });
    } catch (err) {
      process.stderr.write(`hv-calibrate: ${(err as Error).message}\n`);
      process.exit(err instanceof ConfigError ? 2 : 1);
    }
    const block = config.blocks.find((b) => b.id === opts.block);
    if (!block) {
      process.stderr.write(`hv-calibrate: block ${opts.block} is not configured (configured: ${config.blocks.map((b) => b.id).join(', ')})\n`);
      process.exit(2);
    }
    const steps: number[] = [];
    for (let hv = opts.from; opts.step > 0 ? hv <= opts.to + 1e-9 : hv >= opts.to - 1e-9; hv += opts.step) steps.push(Number(hv.toFixed(6)));
    const outside = steps.find((hv) => hv < block.min_volts || hv > block.max_volts);
    if (opts.step === 0 || steps.length === 0 || outside !== undefined) {
      process.stderr.write(`hv-calibrate: steps from ${opts.from} to ${opts.to} by ${opts.step} V ${outside !== undefined ? `reach ${outside} V, outside block ${block.id}'s ${block.min_volts} to ${block.max_volts} V` : 'are empty'}\n`);
      process.exit(2);
    }
    const simulated = [block.output.resource, ...config.voltmeters.map((m) => m.resource)].some(isSimulated);
    if (opts.discreteEvent && !simulated) {
      process.stderr.write('hv-calibrate: --discrete-event runs simulated instruments only; this config names real ones (they take their own time)\n');
      process.exit(2);
    }
    const events = opts.discreteEvent ? new DiscreteEventClock(Date.now()) : null;
    const clock: Clock = events ?? new ScaledClock(config.time_scale);
    const rack = simulated ? new SimulatedRack(config.blocks, config.voltmeters, clock) : null;
    const instruments = createInstruments(config, { clock, simEndpoints: rack?.endpoints ?? new Map(), visaLibrary: config.instruments.visa_library });
    const output = instruments.outputs.get(block.id)!;
    const meter = instruments.voltmeters.get(block.voltmeter)!;
    const ratio = config.voltmeters.find((m) => m.id === block.voltmeter)!.divider_ratio;
    mkdirSync(opts.out, { recursive: true });
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace('Z', '') + '000';
    const sets: string[] = ['"timestamp","voltage","voltage_scaled"'];
    const readings: { at: number; raw: number }[] = [];
    const flush = () => {
      writeFileSync(join(opts.out, 'voltage_sets.csv'), `${sets.join('\n')}\n`);
      writeFileSync(join(opts.out, 'voltage.csv'), readingsCsv(readings.map((r) => ({ at: r.at / 1000, raw: r.raw }))));
    };
    const total = steps.length * opts.dwell * 1000;
    const record = async () => {
      await meter.init();
      const started = clock.now();
      const progress = (hv: number) => {
        const done = Math.min(1, (clock.now() - started) / total);
        const bar = '#'.repeat(Math.round(done * 30)).padEnd(30, '.');
        const left = Math.max(0, (total - (clock.now() - started)) / 1000 / clock.timeScale).toFixed(0);
        process.stderr.write(`\r[${bar}] ${(done * 100).toFixed(0).padStart(3)} %  ${hv} V  ${readings.length} readings  ~${left} s left `);
      };
      for (const hv of steps) {
        // As the lab's runs did: calibrator volts = HV / gain, the offset left for the fit to find.
        const volts = Math.min(block.output.max_volts, Math.max(block.output.min_volts, hv / block.output.gain));
        await output.setOutput(volts, { energize: true }); // the operator asked hv-calibrate for these steps
        sets.push(`"${iso(clock.now())}","${hv}","${volts}"`);
        const until = clock.now() + opts.dwell * 1000;
        while (clock.now() < until) {
          const r = await meter.read();
          readings.push({ at: clock.now(), raw: r.raw });
          progress(hv);
        }
        flush();
      }
    };
    // On discrete-event time nothing waits: the clock moves on as soon as the instruments' work is done.
    await (events ? events.runWhile(record(), 2 * total + 600_000) : record());
    process.stderr.write('\n');
    flush();
    process.stdout.write(`${steps.length} steps, ${readings.length} readings written to ${opts.out}; HV of the last reading ${(readings.at(-1)!.raw * ratio).toFixed(3)} V (the output is left there)\n`);
    process.exit(0);
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  process.stderr.write(`hv-calibrate: ${(err as Error).message}\n`);
  process.exit(1);
});
