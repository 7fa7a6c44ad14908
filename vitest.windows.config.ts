import { defineConfig } from 'vitest/config';

// npm run test:windows: the Windows build of the server (node.exe, koffi, a cross-compiled
// visa64.dll, COM ports, console stops, taskkill) under Debian's Wine. Not part of npm test: it
// installs Wine and a MinGW cross-compiler and takes a few minutes (README, "Tried under Wine").
export default defineConfig({
  test: {
    include: ['test/windows/**/*.test.ts'],
    // node.exe under Wine starts in about a second and runs slower than Linux's Node.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two server processes under Wine at once suit a 2-core machine; the stop deadlines are
    // measured with this load.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    globalSetup: ['./test/windows/setup/windows-toolchain.ts'],
  },
});
