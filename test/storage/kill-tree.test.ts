// Ending a timed-out sync command ends what its shell started too, on POSIX through the process
// group; on Windows through taskkill /T (asserted here by the command it runs).
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { killTree } from '../../src/kit/storage/kill-tree.js';

vi.mock('node:child_process', async (original) => {
  const real = await original<typeof import('node:child_process')>();
  return { ...real, spawn: vi.fn(real.spawn) };
});

describe('killTree', () => {
  it.skipIf(process.platform === 'win32')('kills the shell and the command it started', async () => {
    const child = spawn('sleep 30 & echo $!; wait', { shell: true, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const grandchild = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    killTree(child);
    await exited;
    // The grandchild is gone too (kill 0 only asks whether it exists), once init has reaped it: tens
    // of ms; the bound, real time, is over 10 times what a busy machine takes.
    await vi.waitFor(() => expect(() => process.kill(grandchild, 0)).toThrow(), { timeout: 10_000, interval: 20 });
  });

  it('on Windows asks taskkill to end the whole tree, hidden', () => {
    const child = { pid: 4242, kill: vi.fn() } as unknown as Parameters<typeof killTree>[0];
    const mocked = vi.mocked(spawn);
    mocked.mockImplementationOnce((() => ({ on: vi.fn() })) as never);
    killTree(child, 'win32');
    expect(mocked).toHaveBeenLastCalledWith('taskkill', ['/pid', '4242', '/T', '/F'], { windowsHide: true, stdio: 'ignore' });
  });

  it('on Windows ends at least the shell when taskkill fails (Wine 8: no /T) or is missing', () => {
    for (const outcome of ['exit', 'error'] as const) {
      const child = { pid: 4242, kill: vi.fn() } as unknown as Parameters<typeof killTree>[0];
      const taskkill = new EventEmitter();
      vi.mocked(spawn).mockImplementationOnce((() => taskkill) as never);
      killTree(child, 'win32');
      expect(child.kill).not.toHaveBeenCalled();
      if (outcome === 'exit') taskkill.emit('exit', 1);
      else taskkill.emit('error', new Error('spawn taskkill ENOENT'));
      expect(child.kill).toHaveBeenCalledWith('SIGKILL');
    }
  });
});
