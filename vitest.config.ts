import { configDefaults, defineConfig } from 'vitest/config';

/** Test files that replace a module (vi.mock): each runs with a module registry of its own. */
const OWN_MODULES = ['test/storage/kill-tree.test.ts'];
// Under Wine: npm run test:windows (vitest.windows.config.ts); under systemd-nspawn, as root:
// npm run test:systemd (vitest.systemd.config.ts). Each has its own setup.
const ELSEWHERE = [...configDefaults.exclude, 'test/windows/**', 'test/systemd/**'];

export default defineConfig({
  test: {
    // A bound on a test that hangs, never a race with one that is slow: ten times what the slow ones
    // (spawning processes, driving Chromium) take on a quiet machine, so a busy one passes them too.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a state (a page redrawn, a count reached): 30 s, not vitest's 1 s, which a busy machine can miss.
    expect: { poll: { timeout: 30_000 } },
    // Server tests bind real ports and spawn processes; two workers suit a 2-core machine.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    globalSetup: ['./test/setup/debian-packages.ts'],
    // npm run test:stress -- --slow-io MS: every file request of the test processes held up to MS.
    setupFiles: process.env.HV_SLOW_IO_MS ? ['./test/setup/slow-thread-pool.ts'] : [],
    projects: [
      {
        extends: true,
        // The files of a worker share its loaded modules: the server's code is imported once per
        // worker, not once per file (a second or more each). Every test makes its own servers,
        // clocks and files, and puts back what it changes (fake timers, environment).
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: [...ELSEWHERE, ...OWN_MODULES], isolate: false },
      },
      { extends: true, test: { name: 'isolated', include: OWN_MODULES, exclude: ELSEWHERE } },
    ],
  },
});
