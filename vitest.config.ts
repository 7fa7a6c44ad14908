import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Under Wine: npm run test:windows (vitest.windows.config.ts); under systemd-nspawn, as root:
    // npm run test:systemd (vitest.systemd.config.ts). Each has its own setup.
    exclude: [...configDefaults.exclude, 'test/windows/**', 'test/systemd/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Server tests bind real ports and spawn processes; two workers suit a 2-core machine.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    globalSetup: ['./test/setup/debian-packages.ts'],
  },
});
