// Starts a whole server in-process on ephemeral ports, with a manual clock that tests advance
// while real socket I/O flows between steps: a 20 s timeout passes in a few milliseconds. Every
// wait here steps the clock with the server's file I/O finished between steps (clock-and-io.ts),
// so a slow disk or a busy machine never lets virtual time run ahead of a write.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { topState } from '../../machines/block.machine.js';
import { HvConnection } from '../../src/hv/client/hv-connection.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { loadConfig } from '../../src/hv/config/load-config.js';
import { createLogger } from '../../src/kit/log/logger.js';
import { startServer, type RunningServer, type ServerOptions } from '../../app/start-server.js';
import type { ServerConfig } from '../../schemas/types.js';
import { advanceWithIoUntil, runWithIo } from './clock-and-io.js';

export interface TestServer {
  server: RunningServer;
  clock: ManualClock;
  config: ServerConfig;
  dataDir: string;
  /** Every log line, parsed. */
  logs: Record<string, unknown>[];
  connect(): Promise<HvConnection>;
  /** Advances virtual time in steps until `promise` settles (or `maxMs` of virtual time pass; then it is awaited as it is). */
  runUntil<T>(promise: Promise<T>, maxMs?: number, stepMs?: number): Promise<T>;
  /** Advances virtual time until `predicate` holds; throws once `maxMs` of virtual time pass without it. */
  advanceUntil(predicate: () => boolean, maxMs?: number, stepMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestServer(patch: (config: ServerConfig) => void = () => {}, extra: Pick<ServerOptions, 'earlyTcp'> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-test-'));
  const config = loadConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir });
  patch(config);
  const clock = new ManualClock(new Date(2026, 10, 23, 12, 0, 0).getTime());
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const { logger } = await createLogger({ consoleLevel: 'debug', fileLevel: 'silent', pretty: false, console: sink, now: () => clock.now() });
  const server = await startServer({ config, clock, log: logger, ...extra });
  const runUntil = <T>(promise: Promise<T>, maxMs = 120_000, stepMs = 50): Promise<T> => runWithIo(clock, promise, maxMs, stepMs);
  // The blocks read their present output first (a bus round trip): wait for them, as Online would.
  const blocksIdle = () =>
    config.blocks.every((b) => topState((server.supervisor.getSnapshot().children[`block-${b.id}`]?.getSnapshot() as { value?: unknown } | undefined)?.value ?? '') === 'idle');
  if (!(await advanceWithIoUntil(clock, blocksIdle, 5000, 10))) throw new Error('blocks did not start within 5000 ms of virtual time');
  return {
    server,
    clock,
    config,
    dataDir,
    logs,
    connect: () => HvConnection.open(server.tcp.host, server.tcp.port),
    runUntil,
    advanceUntil: async (predicate, maxMs = 120_000, stepMs = 50) => {
      if (!(await advanceWithIoUntil(clock, predicate, maxMs, stepMs))) throw new Error(`condition not reached within ${maxMs} ms of virtual time`);
    },
    stop: async () => {
      await runUntil(server.stop('test finished'), 60_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
