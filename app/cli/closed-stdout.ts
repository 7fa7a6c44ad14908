// What hv-client does when whoever reads its stdout goes away (`hv-client watch --json | head`):
// Node ignores SIGPIPE, so the next write fails with EPIPE, which would crash with a stack trace.

/**
 * Calls `onClosed` once when stdout's reader has gone. Later writes are dropped by the destroyed
 * stream. Any other stdout error is reported in one sentence and exits `failCode`.
 */
export function whenStdoutCloses(onClosed: () => void, failCode: number): void {
  let closed = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      if (!closed) onClosed();
      closed = true;
      return;
    }
    process.stderr.write(`hv-client: cannot write to stdout: ${err.message}\n`);
    process.exit(failCode);
  });
}
