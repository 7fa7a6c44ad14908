// The process that holds Online's port while the server in its worker process crashes and is
// started again. Online reconnects once, about a second after it loses the server, and then gives
// up for good; a server started again by a service manager binds the port later than that on a
// busy machine. So a small process that outlives the server keeps the listening socket: the first
// worker binds the port and hands the socket over (a raw handle, which this process holds without
// ever accepting on it), each later worker gets it back, and the connections made meanwhile wait
// in its backlog until the new worker takes them.
//
// Node's cluster module cannot do this: its primary closes the shared socket when its last worker
// exits (round-robin and shared-handle scheduling alike), and with round-robin, the default except
// on Windows, it accepts every connection itself. What is done here is what cluster's shared-handle
// scheduling does (on Windows through libuv's WSADuplicateSocket), with a holder that never closes
// the socket. Under systemd, hv-server.socket holds the port instead and this process is not
// started (supervision-wanted.ts).
//
// It loads nothing but Node's child_process and the small pure modules here, and does nothing but
// wait: start a worker (with a smaller young generation, fewer V8 threads and malloc arenas,
// worker-heap-flags.ts), pass on stop signals, restart a worker that crashed (restart-policy.ts),
// and exit with the worker's code. It never touches an instrument.

import { fork, type ChildProcess } from 'node:child_process';
import { ScaledClock, type Clock, type TimerHandle } from '../clock/clock.js';
import { afterWorkerEnd, DEFAULT_RESTART_POLICY, endWords, type RestartPolicy } from './restart-policy.js';
import { stopSignals } from './stop-signals.js';
import { workerEnv, workerExecArgv } from './worker-heap-flags.js';
import { SUPERVISOR_ENV, supervisorMessageKind, type SocketMessage, type ToWorker } from './process-supervisor-messages.js';

/** How long after a worker's exit its channel may stay open (it closes with the process; nothing it starts inherits it). */
const CHANNEL_CLOSE_MS = 2000;

export interface SuperviseOptions {
  /** The executable's name, first word of its console lines. */
  name: string;
  /** The worker's module: the executable's compiled entry, run with the same arguments. */
  entry: string;
  argv: string[];
  clock?: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  policy?: RestartPolicy;
}

/** A listening socket as the supervisor holds it: a raw handle, not listened on here. */
interface RawHandle {
  close?(): void;
}

export function supervise(options: SuperviseOptions): void {
  new Supervisor(options).start();
}

class Supervisor {
  private readonly clock: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  private readonly policy: RestartPolicy;
  private worker: ChildProcess | null = null;
  /** The worker asked for its socket: messages sent now are heard. */
  private attached = false;
  private held: RawHandle | null = null;
  private everReady = false;
  private stopRequested = false;
  /** Signals received before the worker listened for them; sent once it does. */
  private stopsWaiting: NodeJS.Signals[] = [];
  private restartsAt: number[] = [];
  private restarts = 0;
  private restart: SocketMessage['restart'] = null;
  private pending: TimerHandle | null = null;
  private exiting = false;

  constructor(private readonly options: SuperviseOptions) {
    this.clock = options.clock ?? new ScaledClock(1);
    this.policy = options.policy ?? DEFAULT_RESTART_POLICY;
  }

  start(): void {
    for (const signal of stopSignals()) process.on(signal, () => this.onStop(signal));
    this.startWorker();
  }

  private startWorker(): void {
    this.pending = null;
    this.attached = false;
    const worker = fork(this.options.entry, this.options.argv, {
      env: { ...workerEnv(process.env), [SUPERVISOR_ENV]: String(process.pid) },
      execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS),
    });
    this.worker = worker;
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      this.onWorkerEnd(worker, code, signal);
    };
    // 'exit' can come before the worker's last messages are read (its 'ready' just before a
    // crash): its end is judged once the channel is closed too, so every message counts.
    const exited = (code: number | null, signal: NodeJS.Signals | null) => {
      if (!worker.connected) return end(code, signal);
      const guard = this.clock.setTimeout(() => end(code, signal), CHANNEL_CLOSE_MS);
      worker.once('disconnect', () => {
        this.clock.clearTimeout(guard);
        end(code, signal);
      });
    };
    worker.on('message', (message: unknown, handle?: RawHandle) => this.onMessage(worker, message, handle));
    // A send to a worker that has just died fails; its end is handled by 'exit'. A worker that
    // could not be started at all (no pid) has no 'exit' to wait for.
    worker.on('error', (err) => {
      if (worker.pid === undefined) {
        process.stderr.write(`${this.options.name}: cannot start the server process: ${err.message}\n`);
        end(1, null);
      }
    });
    worker.on('exit', exited);
  }

  private onMessage(worker: ChildProcess, message: unknown, handle: RawHandle | undefined): void {
    if (worker !== this.worker) return;
    const kind = supervisorMessageKind(message);
    if (kind === 'attach') {
      this.attached = true;
      this.send(worker, { hvSupervisor: 'socket', restart: this.restart }, this.held ?? undefined);
      for (const signal of this.stopsWaiting) this.send(worker, { hvSupervisor: 'stop', signal });
      this.stopsWaiting = [];
    } else if (kind === 'bound' && handle) {
      // Only the first worker binds; a second socket would be a mistake, not one to keep open.
      if (this.held) handle.close?.();
      else this.held = handle;
    } else if (kind === 'ready') this.everReady = true;
  }

  private onWorkerEnd(worker: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (worker !== this.worker) return;
    this.worker = null;
    const now = this.clock.now();
    const decision = afterWorkerEnd({ code, signal, stopRequested: this.stopRequested, everReady: this.everReady }, this.restartsAt, now, this.policy);
    const ended = `${this.options.name}: the server (process ${worker.pid}) ended (${endWords({ code, signal })})`;
    if (decision.action === 'exit') {
      // A server that never started, or one stopped as asked, said why itself.
      if (this.everReady && !this.stopRequested && code !== 0) process.stderr.write(`${ended}; ${decision.why}\n`);
      this.exit(decision.code);
      return;
    }
    this.restartsAt = [...this.restartsAt.filter((at) => now - at < this.policy.windowMs), now];
    this.restarts++;
    this.restart = { count: this.restarts, previous: endWords({ code, signal }), previousPid: worker.pid ?? 0 };
    const when = decision.delayMs === 0 ? 'now' : `in ${decision.delayMs / 1000} s`;
    process.stderr.write(`${ended}; starting it again ${when} (${decision.why}); Online's port stays open${this.held ? '' : ' (not held: the server never bound it)'}\n`);
    this.pending = this.clock.setTimeout(() => this.startWorker(), decision.delayMs);
  }

  private onStop(signal: NodeJS.Signals): void {
    if (this.exiting) return;
    this.stopRequested = true;
    const worker = this.worker;
    if (worker) {
      // Passed on as a message, never as a signal: on Windows process.kill ends a process at once.
      if (this.attached) this.send(worker, { hvSupervisor: 'stop', signal });
      else this.stopsWaiting.push(signal);
      return;
    }
    // Between two workers (a back-off): nothing runs that a stop would have to wait for.
    if (this.pending !== null) this.clock.clearTimeout(this.pending);
    this.exit(0);
  }

  private send(worker: ChildProcess, message: ToWorker, handle?: RawHandle): void {
    if (!worker.connected) return;
    // A failed send (the worker died meanwhile) is reported to the callback, and its exit handled as any.
    worker.send(message, handle as never, undefined, () => {});
  }

  private exit(code: number): void {
    this.exiting = true;
    this.held?.close?.();
    this.held = null;
    process.exitCode = code;
    // Nothing else should keep the process alive; if something does, it does not for long.
    setTimeout(() => process.exit(code), 2000).unref();
  }
}
