// npm run fit-plant [-- --data DIR] [-- --write]: fits the plant model to the calibration runs,
// prints the parameters and how well the model reproduces each run, and with --write stores them
// in sim/plant/fitted-plant.json for the simulators.

import { writeFileSync } from 'node:fs';
import { loadRuns } from '../../src/hv/calibration/calibration-runs.js';
import { checkModel } from './plant-check.js';
import { fitPlant, plantModelFrom } from '../../src/hv/calibration/plant-fit.js';

const args = process.argv.slice(2);
const dataDir = args.includes('--data') ? args[args.indexOf('--data') + 1]! : 'test/fixtures/calibration';
const runs = loadRuns(dataDir);
if (runs.length === 0) {
  process.stderr.write(`fit-plant: no calibration runs in ${dataDir} (folders with voltage.csv and voltage_sets.csv)\n`);
  process.exit(2);
}
const fit = fitPlant(runs);
const f = (x: number, d = 4) => x.toFixed(d);
const out: string[] = [];
out.push(`Plant fit from ${runs.length} runs in ${dataDir}: ${fit.runs.join(', ')}; reading period ${f(fit.periodS)} s`);
out.push('');
out.push('Static transfer, HV = gain·v + offset + quadratic·v² (v: calibrator volts), each day:');
out.push('  run          gain        offset   quadratic  rms resid | straight line: gain     offset  rms resid');
for (const t of fit.transfer) {
  out.push(`  ${t.run}  ${f(t.gain)}  ${f(t.offset).padStart(7)}  ${f(t.quadratic).padStart(9)}  ${f(t.residualRmsV)} V | ${f(t.linearGain).padStart(22)}  ${f(t.linearOffset).padStart(7)}  ${f(t.linearResidualRmsV)} V`);
}
const r = fit.response;
out.push('');
out.push(`Step response: integration window (2 s) ends ${f(r.windowEndBeforeReadingS, 3)} s before each reading's time stamp; supply τ = ${f(r.tauS, 3)} s`);
out.push(`  fit on ${r.points} readings 2–4 after a setpoint: rms ${f(r.rmsFraction)} of the step`);
out.push(`  mean fraction of a step in readings 1, 2, 3 after it — data: ${r.meanFraction.data.map((x) => f(x)).join(', ')}; model: ${r.meanFraction.model.map((x) => f(x)).join(', ')}`);
out.push('  (reading 1 is not fitted: the logged setpoint times are when the older server asked, not when the output changed)');
out.push(`Reading noise: σ = ${(fit.noise.sigma0V * 1000).toFixed(2)} mV + ${(fit.noise.perKvV * 1000).toFixed(3)} mV per kV of HV`);
out.push(`Drift: random walk, ${fit.drift.diffusionV2PerS.toExponential(2)} V²/s (median plateau slope ${f(fit.drift.medianSlopeMvPerMin, 2)} mV/min)`);
out.push(`Outliers (> 8σ from their neighbours): ${fit.outliers.count} of ${fit.outliers.readings} readings (${(fit.outliers.rate * 100).toFixed(2)} %), median ${(fit.outliers.medianSizeV * 1000).toFixed(0)} mV`);
out.push(`Calibrator range change at ${fit.rangeGlitch.calibratorVolts} V: output drops out for ${f(fit.rangeGlitch.dropoutS, 3)} s (seen ${fit.rangeGlitch.seen} times)`);
out.push('');
out.push('How well the model reproduces each run (its schedule replayed with that day’s transfer, seed 1):');
out.push('  run          plateau rms  noise data/model   slope data/model   reading 2, 3 data | model        range-change dip data/model');
for (const [i, run] of runs.entries()) {
  const c = await checkModel(run, i, 1);
  out.push(
    `  ${run.name}   ${f(c.plateauRmsV, 3)} V    ${(c.data.noiseV * 1000).toFixed(1)}/${(c.model.noiseV * 1000).toFixed(1)} mV   ${f(c.data.slopeMvPerMin, 1)}/${f(c.model.slopeMvPerMin, 1)} mV/min   ` +
      `${c.data.stepFraction.map((x) => f(x)).join(', ')} | ${c.model.stepFraction.map((x) => f(x)).join(', ')}   ${f(c.data.rangeChangeDipV, 0)}/${f(c.model.rangeChangeDipV, 0)} V`,
  );
}
process.stdout.write(`${out.join('\n')}\n`);
if (args.includes('--write')) {
  const path = 'sim/plant/fitted-plant.json';
  writeFileSync(path, `${JSON.stringify(plantModelFrom(fit, `npm run fit-plant -- --write, from ${dataDir}: ${fit.runs.join(', ')}`), null, 2)}\n`);
  process.stdout.write(`\nwrote ${path}\n`);
}
