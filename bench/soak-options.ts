// The soak benchmark's command line: how long a day to simulate, how fast, and which of its
// load and attack classes to leave out (so the rest can be validated against a server that one
// of them still crashes).

import { Command, InvalidArgumentError } from 'commander';
import { numberArgument } from '../src/kit/cli/parse-number.js';

/** Everything the soak does besides the steady clients, each switchable with --skip. */
export const SOAK_CLASSES = [
  'reconnect', // Online-like clients that connect, scan a few setpoints, disconnect, reconnect
  'web', // pages polling /api/status, /, /api/history and opening observers
  'stalled', // TCP clients that never read
  'garbage', // random bytes on TCP and junk frames on the websocket
  'oversized', // envelopes announcing 4 GiB, an over-long HTTP header, a websocket frame over the limit
  'deep', // JSON nested 10,000 deep in a command field, over TCP and the websocket
  'http-odd', // odd HTTP request lines sent raw
  'idle-http', // many HTTP connections opened and held without a request
  'disk-full', // the readings log's disk full for a while, then freed
] as const;

export type SoakClass = (typeof SOAK_CLASSES)[number];

export type DiskFullMethod = 'auto' | 'tmpfs' | 'symlink';

export interface SoakOptions {
  hours: number;
  timeScale: number;
  seed: number;
  quick: boolean;
  skip: Set<SoakClass>;
  diskFull: DiskFullMethod;
  /** Simulated minutes the disk stays full. */
  diskFullMinutes: number;
  /** Size of the tmpfs the data directory lives on when the disk is filled for real. */
  tmpfsMiB: number;
  idleHttpConnections: number;
  /** Real seconds the idle HTTP connections are held. */
  idleHttpHoldS: number;
  /** Servers started anew after a crash before the run is given up. */
  maxRestarts: number;
  keep: boolean;
  json: string | undefined;
}

/** Accumulates, so `--skip deep --skip http-odd` and `--skip deep,http-odd` mean the same. */
function classList(value: string, previous: SoakClass[]): SoakClass[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(SOAK_CLASSES as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`--skip names "${name}"; expected a comma-separated list of ${SOAK_CLASSES.join(', ')}`);
    }
  }
  return [...previous, ...(names as SoakClass[])];
}

export function parseSoakOptions(argv: string[]): SoakOptions {
  const program = new Command('bench:soak')
    .description('A simulated day of the real server process under Online-like clients, web pages, bad input and a full disk.')
    .option('--hours <h>', 'simulated hours to run (default 16; 2 with --quick)', numberArgument('--hours'))
    .option('--time-scale <k>', 'server clock speed (default 200; ≥300 breaks the simulated voltmeters’ timeouts)', numberArgument('--time-scale'))
    .option('--seed <n>', 'seed of the Online clients’ scan schedules', numberArgument('--seed', true), 1)
    .option('--quick', 'a couple of simulated hours, under a minute of real time, for development')
    .option('--skip <classes>', `leave out: ${SOAK_CLASSES.join(', ')}`, classList, [])
    .option('--disk-full <method>', 'auto (a full tmpfs when root, else a symlink to /dev/full), tmpfs or symlink', 'auto')
    .option('--disk-full-minutes <m>', 'simulated minutes the disk stays full (default 60; 15 with --quick)', numberArgument('--disk-full-minutes'))
    .option('--tmpfs-mib <n>', 'size of the tmpfs for the data directory', numberArgument('--tmpfs-mib', true), 256)
    .option('--idle-http <n>', 'idle HTTP connections held at once', numberArgument('--idle-http', true), 500)
    .option('--idle-http-hold <s>', 'real seconds they are held (default 10; 3 with --quick)', numberArgument('--idle-http-hold'))
    .option('--max-restarts <n>', 'servers started anew after crashes before giving up', numberArgument('--max-restarts', true), 5)
    .option('--keep', 'keep the data directory and console log for a look afterwards')
    .option('--json <file>', 'also write the figures as JSON')
    .showHelpAfterError();
  program.parse(argv, { from: 'user' });
  const o = program.opts<{
    hours?: number;
    timeScale?: number;
    seed: number;
    quick?: boolean;
    skip: SoakClass[];
    diskFull: string;
    diskFullMinutes?: number;
    tmpfsMib: number;
    idleHttp: number;
    idleHttpHold?: number;
    maxRestarts: number;
    keep?: boolean;
    json?: string;
  }>();
  if (!['auto', 'tmpfs', 'symlink'].includes(o.diskFull)) program.error(`--disk-full is "${o.diskFull}"; expected auto, tmpfs or symlink`);
  const quick = o.quick === true;
  const timeScale = o.timeScale ?? 200;
  if (timeScale <= 0 || timeScale > 10_000) program.error(`--time-scale is ${timeScale}; expected above 0 and at most 10000`);
  const hours = o.hours ?? (quick ? 2 : 16);
  if (hours <= 0) program.error(`--hours is ${hours}; expected more than 0`);
  return {
    hours,
    timeScale,
    seed: o.seed,
    quick,
    skip: new Set(o.skip),
    diskFull: o.diskFull as DiskFullMethod,
    diskFullMinutes: o.diskFullMinutes ?? (quick ? 15 : 60),
    tmpfsMiB: o.tmpfsMib,
    idleHttpConnections: o.idleHttp,
    idleHttpHoldS: o.idleHttpHold ?? (quick ? 3 : 10),
    maxRestarts: o.maxRestarts,
    keep: o.keep === true,
    json: o.json,
  };
}
