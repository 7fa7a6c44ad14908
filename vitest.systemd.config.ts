import { defineConfig } from 'vitest/config';

// `npm run test:systemd`: hv-server under systemd in a systemd-nspawn container (root, Debian).
// One file, run alone: it boots one container and its steps follow each other.
export default defineConfig({
  test: {
    include: ['test/systemd/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
