// A server asked for ×1000 on a machine whose timers take 1.5 ms (a stubbed lag source, a manual
// clock that says it runs ×1000): before the first reading it says it cannot keep up, in the log,
// /api/status and the alarm TIME_SCALE_TOO_HIGH; its voltmeters' own time-outs are held to a
// real-time floor; when the scale comes down, the alarm clears.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import type { LagSample, LagSource } from '../../src/kit/clock/time-keeping.js';
import { loadConfig } from '../../src/hv/config/load-config.js';
import { createLogger } from '../../src/kit/log/logger.js';
import { startServer } from '../../app/start-server.js';
import { runWithIo } from '../helpers/clock-and-io.js';

describe('time keeping in the server', () => {
  it('×1000 that the machine cannot keep up with: said before the first reading, in the log, the status and an alarm; cleared at ×20', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-time-keeping-'));
    const config = loadConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir });
    const clock = new ManualClock(new Date(2026, 10, 23, 12, 0, 0).getTime());
    let scale = 1000;
    Object.defineProperty(clock, 'timeScale', { get: () => scale });
    let push: (s: LagSample) => void = () => {};
    const source: LagSource = {
      burst: async (n) => Array.from({ length: n }, () => ({ timerMs: 1.5, busy: 0.05 })),
      start: (onSample) => {
        push = onSample;
        return () => (push = () => {});
      },
    };
    const logs: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const { logger } = await createLogger({ consoleLevel: 'info', fileLevel: 'silent', pretty: false, console: sink, now: () => clock.now() });
    const server = await startServer({ config, clock, log: logger, lagSource: source });
    try {
      const alarm = server.alarms.list().find((a) => a.code === 'TIME_SCALE_TOO_HIGH');
      expect(alarm).toMatchObject({ source: 'clock', severity: 'MAJOR', status: 'HIGH', value: 1000 });
      expect(alarm!.message).toMatch(/^time scale ×1000 is more than this machine keeps up with: .* it keeps up to about ×160 \(80 % of the readings or more\); lower the time scale$/);
      expect(logs.some((l) => l.level === 40 && String(l.msg).startsWith('time scale ×1000 is more than this machine keeps up with'))).toBe(true);
      // Raised before any voltmeter has read (no time has passed on the clock).
      const meters = Object.entries(server.supervisor.getSnapshot().children).filter(([id]) => id.startsWith('voltmeter-'));
      for (const [, ref] of meters) {
        const context = (ref!.getSnapshot() as { context: { lastReading: unknown; readingTimeoutMs: number } }).context;
        expect(context.lastReading).toBeNull();
        // Four times the drivers' 250 ms real-time floor at ×1000, not the configured 15 s (15 ms of real time).
        expect(context.readingTimeoutMs).toBe(1_000_000);
      }
      const status = (await (await fetch(`http://${server.http.host}:${server.http.port}/api/status`)).json()) as { time_keeping: Record<string, unknown> };
      expect(status.time_keeping).toMatchObject({ time_scale: 1000, keeps_up: false, highest_scale: 160, timer_ms: 1.5 });

      scale = 20;
      push({ timerMs: 1.5, busy: 0.05 });
      expect(server.alarms.list().some((a) => a.code === 'TIME_SCALE_TOO_HIGH')).toBe(false);
      const after = (await (await fetch(`http://${server.http.host}:${server.http.port}/api/status`)).json()) as { time_keeping: Record<string, unknown> };
      expect(after.time_keeping).toMatchObject({ time_scale: 20, keeps_up: true });
    } finally {
      scale = 1;
      // The stop writes the alarm store and closes the readings: real file I/O, finished between steps of the clock.
      await runWithIo(clock, server.stop('test finished'), 30_000, 100);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
