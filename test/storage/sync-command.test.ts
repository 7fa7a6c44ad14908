// The copy-to-storage command: run, logged with its outcome, killed when it hangs, run at shutdown.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { silentLogger } from '../../src/kit/log/logger.js';
import { SyncCommand } from '../../src/kit/storage/sync-command.js';
import { eventually } from '../helpers/eventually.js';
import { startTestServer } from '../helpers/test-server.js';

describe('sync command', () => {
  it('reports the exit code, and kills a command that takes too long', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hv-sync-'));
    const ok = new SyncCommand('true', { intervalMs: 60_000, timeoutMs: 5000, cwd }, new ManualClock(), silentLogger());
    expect(await ok.run('shutdown')).toMatchObject({ exitCode: 0 });
    const failing = new SyncCommand('exit 3', { intervalMs: 60_000, timeoutMs: 5000, cwd }, new ManualClock(), silentLogger());
    expect(await failing.run('shutdown')).toMatchObject({ exitCode: 3 });
    const hanging = new SyncCommand('sleep 30', { intervalMs: 60_000, timeoutMs: 200, cwd }, new ManualClock(), silentLogger());
    expect(await hanging.run('shutdown')).toMatchObject({ signal: 'SIGKILL' });
  });

  it('ends at its time-out even when something it started escaped the kill and holds its output', async () => {
    // setsid puts the second sleep outside the shell's process group, as a failed taskkill /T
    // leaves rclone running on Windows: it keeps the output pipes open for 30 s.
    const cwd = mkdtempSync(join(tmpdir(), 'hv-sync-'));
    const escaping = new SyncCommand('setsid sleep 30 & sleep 30', { intervalMs: 60_000, timeoutMs: 200, cwd }, new ManualClock(), silentLogger());
    const result = await escaping.run('shutdown');
    expect(result).toMatchObject({ signal: 'SIGKILL' });
    expect(result.durationMs).toBeLessThan(10_000);
  });

  it('runs every interval of clock time', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hv-sync-'));
    const clock = new ManualClock();
    const sync = new SyncCommand('touch ran', { intervalMs: 7_200_000, timeoutMs: 5000, cwd }, clock, silentLogger());
    sync.start();
    await clock.advance(7_199_000);
    expect(existsSync(join(cwd, 'ran'))).toBe(false);
    await clock.advance(1000);
    // The command runs in a shell of its own: its file appears when that process gets to it.
    await eventually(() => existsSync(join(cwd, 'ran')));
    sync.stop();
  });

  it('runs at server shutdown, in the data directory, after the readings are flushed', async () => {
    const t = await startTestServer((c) => {
      c.readings_log.sync_command = 'cat HV/*.tsv > synced.tsv';
    });
    await t.clock.advance(8500);
    const dataDir = t.dataDir;
    await t.runUntil(t.server.stop('SIGTERM'), 60_000, 10);
    expect(t.logs.find((l) => l.msg === 'sync finished')).toMatchObject({ reason: 'shutdown', exitCode: 0 });
    const { readFileSync } = await import('node:fs');
    const hvRows = readFileSync(t.server.readingsLog.pathFor('HV', t.clock.now()), 'utf8');
    expect(readFileSync(join(dataDir, 'synced.tsv'), 'utf8')).toBe(hvRows);
  });
});
