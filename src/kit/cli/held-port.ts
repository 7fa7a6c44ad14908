// Who holds Online's port across a restart of the server, seen from the server's process: the
// supervisor that started it (process-supervisor.ts), systemd (socket activation), or nobody (the server
// binds the port itself and it closes when the process ends). Online reconnects once, about a
// second after it loses the server; while the port is held, that reconnect waits in the socket's
// backlog and is served once the next server is up, however long it takes to start.

import type { Server, Socket } from 'node:net';
import type { ListeningSocket } from '../connectors/early-tcp.js';
import { supervisorMessageKind, SUPERVISOR_ENV, type SocketMessage, type ToSupervisor, type ToWorker } from './process-supervisor-messages.js';
import { forgetSystemdSockets, systemdSockets } from './systemd-socket.js';

export interface HeldPort {
  /** Who holds the port, for the log; null when nobody does. */
  readonly holder: string | null;
  /** Set when the supervisor started this server after another ended. */
  readonly restart: SocketMessage['restart'];
  /** The socket to listen on; null to bind the port here. */
  socket(): Promise<ListeningSocket | null>;
  /**
   * The document of the configuration file at `path` as the holder read it, once the socket is
   * had; null when it read none (then this process reads the file). config-document.ts.
   */
  configFile(path: string | undefined): Record<string, unknown> | null;
  /** This server listens (on the port it bound, or on the socket it was given): the holder keeps the socket from now on, where it asked for it. */
  keep(server: Server): void;
  /**
   * The connections the holder accepted before this server listened, each to `accept` as it comes
   * (those that came already at once), unread: what their clients sent is still in them.
   */
  connections(accept: (socket: Socket) => void): void;
  /** The server is serving: from now on its end is a crash to restart from. */
  ready(): void;
}

/** Nobody holds the port: it is bound by the server and closes with it. */
const unheld: HeldPort = { holder: null, restart: null, socket: async () => null, configFile: () => null, keep: () => {}, connections: () => {}, ready: () => {} };

/** What the supervisor tells the server besides its socket. */
export interface SupervisorEvents {
  /** A stop signal the supervisor received and passes on. */
  stop(signal: NodeJS.Signals): void;
  /** The supervisor is gone (killed): nobody would restart this server or hold its port. */
  gone(): void;
}

/** The holder of this process's port, found in its environment. */
export function heldPort(events: SupervisorEvents, env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): HeldPort {
  const systemd = systemdSockets(env, pid);
  forgetSystemdSockets(env);
  if (systemd) {
    const others = systemd.count > 1 ? ` of ${systemd.count}; the others are not used` : '';
    return { ...unheld, holder: `systemd (socket activation, descriptor ${systemd.fd}${others})`, socket: async () => ({ fd: systemd.fd }) };
  }
  const supervisor = env[SUPERVISOR_ENV];
  delete env[SUPERVISOR_ENV];
  if (supervisor === undefined || !process.send) return unheld;
  return supervised(Number(supervisor), events);
}

function supervised(supervisorPid: number, events: SupervisorEvents): HeldPort {
  const send = (message: ToSupervisor, handle?: object) => {
    // A supervisor gone is noticed by 'disconnect'; nothing to do here.
    if (process.connected) process.send!(message, handle as never, undefined, () => {});
  };
  let answered: (message: { message: SocketMessage; handle: object | undefined }) => void = () => {};
  const socketMessage = new Promise<{ message: SocketMessage; handle: object | undefined }>((resolve) => (answered = resolve));
  let accept: ((socket: Socket) => void) | null = null;
  const early: Socket[] = [];
  process.on('message', (message: ToWorker, handle?: object) => {
    const kind = supervisorMessageKind(message);
    if (kind === 'socket') {
      answered({ message: message as SocketMessage, handle });
      // From now on the channel carries stops and the connections accepted early: it must not keep the process alive.
      process.channel?.unref();
    } else if (kind === 'connection' && handle) {
      const socket = handle as Socket;
      if (accept) accept(socket);
      else early.push(socket);
    } else if (kind === 'stop') events.stop((message as { signal: NodeJS.Signals }).signal);
  });
  process.on('disconnect', () => events.gone());
  let restart: SocketMessage['restart'] = null;
  let configFile: SocketMessage['configFile'] = null;
  /** Whether the supervisor wants this server's socket: it gave none (this server binds the port), or asked for it back. */
  let wanted = true;
  return {
    holder: `the supervising process (pid ${supervisorPid})`,
    get restart() {
      return restart;
    },
    socket: async () => {
      const { message, handle } = await socketMessage;
      restart = message.restart;
      configFile = message.configFile ?? null;
      wanted = !handle || message.handBack === true;
      return handle ? { handle } : null;
    },
    configFile: (path) => (configFile && path !== undefined && configFile.path === path ? configFile.document : null),
    keep: (server) => {
      if (!wanted) return;
      const address = server.address();
      // The raw handle, not the Server: a Server would be listened on (and accept) in the supervisor.
      const handle = (server as unknown as { _handle: object | null })._handle;
      if (handle && typeof address === 'object' && address) send({ hvSupervisor: 'bound', host: address.address, port: address.port }, handle);
    },
    connections: (to) => {
      accept = to;
      for (const socket of early.splice(0)) to(socket);
    },
    ready: () => send({ hvSupervisor: 'ready' }),
  };
}
