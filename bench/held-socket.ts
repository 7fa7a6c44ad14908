// A listening socket held the way systemd holds one for socket activation: bound and listening,
// never accepted on by its holder, and given to each server it starts as descriptor 3 with
// LISTEN_FDS=1 and LISTEN_PID set to the server's pid.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface HeldSocket {
  port: number;
  /** Starts `argv` (executable first) on the held socket, as systemd starts the service. */
  start(argv: string[], options?: Omit<SpawnOptions, 'stdio'>): ChildProcess;
  close(): void;
}

// A process of its own binds the port and passes the raw socket (not a Server, which would be
// listened on here) to this one, which holds it without polling it: connections wait in its backlog.
const BINDER = `const s = require('node:net').createServer(); s.listen(0, '127.0.0.1', () => process.send({ port: s.address().port }, s._handle, () => process.exit(0)));`;

export function holdListeningSocket(): Promise<HeldSocket> {
  const binder = spawn(process.execPath, ['-e', BINDER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    binder.once('error', reject);
    binder.once('message', (message: { port: number }, handle: { close(): void }) => {
      resolve({
        port: message.port,
        // The shell's pid is the server's once it execs: LISTEN_PID names the process that reads it.
        start: (argv, options = {}) =>
          spawn('/bin/sh', ['-c', 'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" "$@"', ...argv], {
            ...options,
            stdio: ['ignore', 'pipe', 'pipe', handle as never],
          }),
        close: () => handle.close(),
      });
    });
  });
}
