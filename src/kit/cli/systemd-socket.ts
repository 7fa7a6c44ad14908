// Online's listening socket from systemd's socket activation (deploy/hv-server.socket): systemd
// binds the port and keeps it open while the service is stopped, crashed or restarting, and hands
// it to each start as file descriptor 3 with LISTEN_FDS and LISTEN_PID (sd_listen_fds(3)). Online's
// one reconnect then waits in the socket's backlog instead of being refused.

/** The first descriptor systemd passes (SD_LISTEN_FDS_START). */
export const SD_LISTEN_FDS_START = 3;

export interface SystemdSockets {
  /** The descriptor to listen on: the first one passed. */
  fd: number;
  /** How many were passed; the server uses only the first. */
  count: number;
}

/**
 * The sockets systemd passed to the process `pid`, or null when there are none for it. LISTEN_PID
 * names the process they are meant for: a variable inherited by a child of the service is not its own.
 */
export function systemdSockets(env: NodeJS.ProcessEnv, pid: number): SystemdSockets | null {
  const count = Number(env.LISTEN_FDS);
  if (env.LISTEN_PID === undefined || Number(env.LISTEN_PID) !== pid) return null;
  if (!Number.isInteger(count) || count < 1) return null;
  return { fd: SD_LISTEN_FDS_START, count };
}

/** Takes the variables away, as sd_listen_fds(1) does, so no program the server starts (the sync command) reads them as its own. */
export function forgetSystemdSockets(env: NodeJS.ProcessEnv): void {
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
}
