// After vitest's own summary: the 10 slowest test files (where a run's time goes), then one plain
// closing line, "N passed, N failed, N skipped", so a CI log can be read at a glance (and by tools
// that look for that line).

import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** How many of the slowest files are listed. */
const SLOWEST = 10;

/** A file's own time: importing it (its suites collected) and running its tests and hooks, ms. */
function fileMs(module: TestModule): number {
  const d = module.diagnostic();
  return d.collectDuration + d.duration;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const module of testModules) {
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++; // a file that did not load
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    const slowest = [...testModules].sort((a, b) => fileMs(b) - fileMs(a)).slice(0, SLOWEST);
    if (testModules.length > 1) {
      process.stdout.write(`\nslowest ${slowest.length} files:\n`);
      for (const module of slowest) process.stdout.write(`  ${(fileMs(module) / 1000).toFixed(1).padStart(6)} s  ${relative(process.cwd(), module.moduleId)}\n`);
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
