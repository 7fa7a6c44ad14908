// The process that holds Online's port while the server in its worker process crashes and is
// started again. Online reconnects once, about a second after it loses the server, and then gives
// up for good; a server started again by a service manager binds the port later than that on a
// busy machine. So a small process that outlives the server keeps the listening socket, and each
// worker gets it; the connections made while no worker runs wait in its backlog until the next
// worker takes them.
//
// This process binds the port itself, first thing, before it starts the first worker: Online's port
// then waits for one Node start, not two in a row. Node cannot listen on a socket without
// accepting on it, so until the first worker listens this process accepts, reads nothing, and
// hands each connection to the worker as it comes (as cluster's round-robin primary does); the
// worker then sends the socket back as a raw handle, which this process holds without accepting
// on, and stops accepting. From then on every connection goes to a worker, or waits in the backlog.
// Where what binding needs cannot be read alone (port-flags.ts, early-tcp-settings.ts: help, a bad
// flag, a file that does not parse), and always on Windows (supervise-if-wanted.ts says why), the
// first worker binds the port and hands the socket over.
//
// Node's cluster module cannot do this: its primary closes the shared socket when its last worker
// exits (round-robin and shared-handle scheduling alike), and with round-robin, the default except
// on Windows, it accepts every connection itself. What is done here is what cluster's shared-handle
// scheduling does (on Windows through libuv's WSADuplicateSocket), with a holder that never closes
// the socket. Under systemd, hv-server.socket holds the port instead and this process is not
// started (supervision-wanted.ts).
//
// It loads nothing but Node's child_process and net and the small pure modules here (and, where
// there is a configuration file, its reader), and does nothing but wait: start a worker (with a
// smaller young generation, fewer V8 threads and malloc arenas, worker-heap-flags.ts), pass on stop
// signals, restart a worker that crashed (restart-policy.ts), and exit with the worker's code. It
// never touches an instrument.

import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { ScaledClock, type Clock, type TimerHandle } from '../clock/clock.js';
import type { ConfigDocument } from '../config/config-document.js';
import { afterWorkerEnd, DEFAULT_RESTART_POLICY, endWords, type RestartPolicy } from './restart-policy.js';
import { stopSignals } from './stop-signals.js';
import { cannotListen } from './listen-failure.js';
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
  /** Where to bind Online's port before the first worker starts; null leaves it to the worker. */
  port?: () => Promise<PortToBind | null>;
  /** The configuration file's document for a worker about to start (after `port`), or null: the worker then reads the file. */
  configFile?: () => ConfigDocument | null;
  clock?: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  policy?: RestartPolicy;
}

export interface PortToBind {
  host: string;
  port: number;
  backlog: number;
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
  private held: RawHandle | null = null;
  /** The port this process bound and accepts on until the first worker listens on it. */
  private accepting: Server | null = null;
  /** Connections accepted while no worker runs, unread, in the order they came. */
  private acceptedEarly: Socket[] = [];
  private everReady = false;
  private stopRequested = false;
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
    void this.bindThenStart();
  }

  /** Binds Online's port where the command line says, then starts the first worker; a port that cannot be had ends it here, no worker started. */
  private async bindThenStart(): Promise<void> {
    let where: PortToBind | null = null;
    try {
      where = (await this.options.port?.()) ?? null;
    } catch {
      // Whatever could not be read here, the worker reads again and says what is wrong.
    }
    if (this.exiting) return;
    if (where) {
      let server: Server;
      try {
        server = await listenUnread(where, (socket) => this.onEarlyConnection(socket));
      } catch (err) {
        if (this.exiting) return;
        process.stderr.write(cannotListen(this.options.name, `${where.host}:${where.port}`, err as NodeJS.ErrnoException));
        this.exit(1);
        return;
      }
      // A stop that came while the port was being bound has ended this process already.
      if (this.exiting) {
        server.close();
        return;
      }
      this.accepting = server;
    }
    this.startWorker();
  }

  private onEarlyConnection(socket: Socket): void {
    const worker = this.worker;
    if (worker) this.forward(worker, socket);
    else this.acceptedEarly.push(socket);
  }

  /** Hands an accepted connection to the worker, unread: its socket is closed here once the worker has it. */
  private forward(worker: ChildProcess, socket: Socket): void {
    if (!worker.connected) {
      socket.destroy();
      return;
    }
    worker.send({ hvSupervisor: 'connection' }, socket, undefined, () => {});
  }

  /** The first worker listens on the port and has sent it back: held from now on without accepting on it. */
  private stopAccepting(): void {
    this.accepting?.close();
    this.accepting = null;
  }

  private startWorker(): void {
    this.pending = null;
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
    // Sent at once, while the worker is still loading: Node keeps the messages (and takes the
    // handles) until the worker listens for them (nodejs/node#41221), so it finds its socket as
    // soon as it asks, with no round trip to wait for.
    // The socket held, or the one this process still accepts on (as a raw handle: the worker listens on it too).
    const accepting = this.held ? null : ((this.accepting as unknown as { _handle: RawHandle | null } | null)?._handle ?? null);
    const configFile = this.options.configFile?.() ?? null;
    this.send(worker, { hvSupervisor: 'socket', restart: this.restart, handBack: accepting !== null, configFile }, this.held ?? accepting ?? undefined);
    for (const socket of this.acceptedEarly) this.forward(worker, socket);
    this.acceptedEarly = [];
  }

  private onMessage(worker: ChildProcess, message: unknown, handle: RawHandle | undefined): void {
    if (worker !== this.worker) return;
    const kind = supervisorMessageKind(message);
    if (kind === 'bound' && handle) {
      // One socket is held; a second would be a mistake, not one to keep open.
      if (this.held) handle.close?.();
      else this.held = handle;
      this.stopAccepting();
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
    process.stderr.write(`${ended}; starting it again ${when} (${decision.why}); Online's port stays open${this.held || this.accepting ? '' : ' (not held: the server never bound it)'}\n`);
    this.pending = this.clock.setTimeout(() => this.startWorker(), decision.delayMs);
  }

  private onStop(signal: NodeJS.Signals): void {
    if (this.exiting) return;
    this.stopRequested = true;
    const worker = this.worker;
    if (worker) {
      // Passed on as a message, never as a signal: on Windows process.kill ends a process at once.
      this.send(worker, { hvSupervisor: 'stop', signal });
      return;
    }
    // Before the first worker (the port being bound) or between two (a back-off): nothing runs that a stop would have to wait for.
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
    this.stopAccepting();
    for (const socket of this.acceptedEarly) socket.destroy();
    this.acceptedEarly = [];
    process.exitCode = code;
    // Nothing else should keep the process alive; if something does, it does not for long.
    setTimeout(() => process.exit(code), 2000).unref();
  }
}

/**
 * Binds and listens on `where`, accepting without reading (`pauseOnConnect`): what a client sent
 * waits in its socket for the worker the socket is handed to. Resolves once it listens.
 */
function listenUnread(where: PortToBind, onConnection: (socket: Socket) => void): Promise<Server> {
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: false, noDelay: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: where.host, port: where.port, backlog: where.backlog }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
