// NODE_EXTRA_CA_CERTS and the server's worker process. Node 20 reads the certificates that variable
// names as the process starts, before any of the program runs, whether or not the process ever
// opens a TLS connection: where the environment sets it to the system's bundle (about 140
// certificates, as on the development machine and its CI), that is 40-85 ms of every Node start
// and 1.9 MiB of resident memory. The server opens TLS connections only to send notifications
// (webhooks over https, e-mail over SMTP; README, Built-in notifications). So the supervising
// process leaves the variable out of the environment of a worker whose configuration sets up no
// notification, and passes it on as it is wherever one is set up, or where it could not read the
// configuration. Nothing else in the server reads it.

const EXTRA_CA_CERTS = 'NODE_EXTRA_CA_CERTS';

/**
 * Whether the configuration file's document may set up a notification: anything in
 * `alarms.notify` but no webhooks and no e-mail (an empty list, a null) counts as one, so that a
 * document the server will refuse or read otherwise keeps the variable.
 */
export function mayNotify(document: Record<string, unknown>): boolean {
  const alarms = document.alarms;
  if (alarms === undefined) return false;
  if (!isObject(alarms)) return true;
  const notify = alarms.notify;
  if (notify === undefined) return false;
  if (!isObject(notify)) return true;
  for (const [key, value] of Object.entries(notify)) {
    if (key === 'webhooks' && Array.isArray(value) && value.length === 0) continue;
    if (key === 'email' && value === null) continue;
    return true;
  }
  return false;
}

/** The worker's environment: `env` without NODE_EXTRA_CA_CERTS where the worker opens no TLS connection, else `env` as it is. */
export function workerCaEnv(env: NodeJS.ProcessEnv, opensTls: boolean): NodeJS.ProcessEnv {
  if (opensTls || env[EXTRA_CA_CERTS] === undefined) return env;
  const { [EXTRA_CA_CERTS]: _unused, ...rest } = env;
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
