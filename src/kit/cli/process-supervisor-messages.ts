// The messages between the port-holding supervisor (process-supervisor.ts) and its server worker
// (held-port.ts), over the IPC channel of child_process.fork. Listening sockets travel beside them
// as raw handles (Node's "net.Native"), which the receiving process holds without accepting on;
// the connections the supervisor accepted before the first worker listened travel as sockets.

import type { ConfigDocument } from '../config/config-document.js';

/** Set in the worker's environment to the supervisor's pid: the worker waits for its socket. */
export const SUPERVISOR_ENV = 'HV_SUPERVISOR';

/**
 * Supervisor → worker, first, sent as the worker starts (Node keeps it until the worker listens):
 * the held socket comes with it, or none and the worker binds the port.
 */
export interface SocketMessage {
  hvSupervisor: 'socket';
  /** Set for a worker started after another ended: which restart, and how the one before ended. */
  restart: { count: number; previous: string; previousPid: number } | null;
  /**
   * The supervisor bound this socket and accepts on it until the worker listens: the worker sends
   * it back (`bound`), as a handle the supervisor holds without accepting, and it stops.
   */
  handBack: boolean;
  /**
   * The configuration file as the supervisor read it for the port, at this worker's start: the
   * worker takes it rather than read and parse the file again (config-document.ts). Null without
   * a file, or where the supervisor could not read it or JSON would not carry it unchanged.
   */
  configFile: ConfigDocument | null;
}

/** Supervisor → worker: a connection the supervisor accepted before the worker listened; its socket comes with it, unread. */
export interface ConnectionMessage {
  hvSupervisor: 'connection';
}

/** Supervisor → worker: a stop signal the supervisor received. */
export interface StopMessage {
  hvSupervisor: 'stop';
  signal: NodeJS.Signals;
}

/** Worker → supervisor: the worker listens (on a port it bound, or on the socket handed back); the socket comes with it, for the supervisor to hold. */
export interface BoundMessage {
  hvSupervisor: 'bound';
  host: string;
  port: number;
}

/** Worker → supervisor: serving; a later end is a crash to restart from. */
export interface ReadyMessage {
  hvSupervisor: 'ready';
}

export type ToWorker = SocketMessage | ConnectionMessage | StopMessage;
export type ToSupervisor = BoundMessage | ReadyMessage;

/** The message's kind when it is one of ours, else null (anything else on the channel is not). */
export function supervisorMessageKind(message: unknown): string | null {
  if (typeof message !== 'object' || message === null) return null;
  const kind = (message as { hvSupervisor?: unknown }).hvSupervisor;
  return typeof kind === 'string' ? kind : null;
}
