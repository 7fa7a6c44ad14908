// Shares the process's file descriptors out at start so that Online's TCP port always has its own:
// what the process already holds, the instruments, the readings and log files and Online's
// connections come first; the web side (HTTP and websockets) gets what is left, and its caps are
// lowered, with a warning that says so, when the configured ones do not fit.

import type { KitConfig } from '../config/kit-config.js';
import { parseResource } from '../transports/resource.js';
import type { ConnectionCaps } from './connection-gate.js';
import type { HttpLimits, WebsocketCaps } from './http-guard.js';
import { openDescriptors, openFilesLimit, raiseSoftLimit, type OpenFilesLimit } from './open-files.js';

/**
 * Each web connection is counted twice: its socket, and a file its request may have open meanwhile
 * (a page, or a day of readings for /api/history).
 */
export const FDS_PER_WEB_CONNECTION = 2;
/** For Node and its libraries, DNS, the two listening sockets, a child process's pipes beyond the sync's. */
export const SPARE_FDS = 32;
/** A VISA library may keep descriptors of its own (a daemon's socket, the GPIB device) besides each session. */
const VISA_LIBRARY_FDS = 16;

export interface BudgetInput {
  /** The soft open-files limit; null where there is none (Windows). */
  limit: number | null;
  /** Descriptors the process holds as the server starts. */
  inUse: number;
  /** Descriptors the instruments will hold once connected. */
  instruments: number;
  /** Readings files, the log file, the transfer store, the sync command's pipes. */
  files: number;
  tcp: ConnectionCaps;
  http: ConnectionCaps;
  websocket: WebsocketCaps;
}

export interface Budget {
  tcp: ConnectionCaps;
  http: ConnectionCaps;
  websocket: WebsocketCaps;
  /** Descriptors left for the web side after everything else; null without a limit. */
  webFds: number | null;
  /** One sentence per cap that was lowered, saying from what, to what and why. */
  lowered: string[];
}

/** The caps that fit `input.limit`: the TCP connector's never change; the web side's may come down. */
export function fitBudget(input: BudgetInput): Budget {
  const lowered: string[] = [];
  const tcp = { ...input.tcp, maxPerAddress: Math.min(input.tcp.maxPerAddress, input.tcp.maxConnections) };
  let httpMax = input.http.maxConnections;
  let webFds: number | null = null;
  if (input.limit !== null && Number.isFinite(input.limit)) {
    const reserved = input.inUse + input.instruments + input.files + SPARE_FDS + input.tcp.maxConnections;
    webFds = input.limit - reserved;
    const fits = Math.max(1, Math.floor(webFds / FDS_PER_WEB_CONNECTION));
    if (httpMax > fits) {
      const tooLow = webFds < FDS_PER_WEB_CONNECTION ? `; the limit is too low even for the rest: at least ${reserved + FDS_PER_WEB_CONNECTION} needed` : '';
      lowered.push(
        `limits.http.max_connections lowered from ${httpMax} to ${fits}: the open-files limit is ${input.limit}; ` +
          `${input.inUse} descriptors in use at start, ${input.instruments} for instruments, ${input.files} for readings and log files, ` +
          `${SPARE_FDS} spare and ${input.tcp.maxConnections} kept for Online's TCP connector (limits.tcp.max_connections) leave ${Math.max(0, webFds)}, ` +
          `at ${FDS_PER_WEB_CONNECTION} per web connection; raise the limit (ulimit -n) to keep ${httpMax}${tooLow}`,
      );
      httpMax = fits;
    }
  }
  const lower = (key: string, from: number, to: number, why: string) => {
    if (from > to) lowered.push(`${key} lowered from ${from} to ${to}: ${why}`);
    return Math.min(from, to);
  };
  const http = { maxConnections: httpMax, maxPerAddress: lower('limits.http.max_per_address', input.http.maxPerAddress, httpMax, 'no more than limits.http.max_connections') };
  const wsMax = lower('limits.websocket.max_clients', input.websocket.maxClients, httpMax, 'each websocket is one of limits.http.max_connections');
  const websocket = {
    maxClients: wsMax,
    maxClientsPerAddress: lower('limits.websocket.max_per_address', input.websocket.maxClientsPerAddress, wsMax, 'no more than limits.websocket.max_clients'),
  };
  return { tcp, http, websocket, webFds, lowered };
}

/** What a manager will open besides its clients: its instruments' resource strings and its readings series. */
export interface DescriptorUsage {
  resources: readonly string[];
  series: readonly string[];
}

/** Descriptors the configured instruments will hold: one per connection, and the VISA library's own. */
export function instrumentDescriptors(usage: Pick<DescriptorUsage, 'resources'>): number {
  const resources = new Set(usage.resources);
  const connections = new Set<string>();
  let visa = false;
  for (const text of resources) {
    let resource;
    try {
      resource = parseResource(text);
    } catch {
      continue; // reported where the instrument is made
    }
    if (resource.kind === 'sim') continue; // in this process: no descriptor
    if (resource.kind === 'gpib') visa = true;
    // A Prologix adapter is one socket for all its GPIB addresses.
    connections.add(resource.kind === 'prologix' || resource.kind === 'tcp-socket' ? `${resource.host}:${resource.port}` : resource.text);
  }
  return connections.size + (visa ? VISA_LIBRARY_FDS : 0);
}

/** Readings files (today's and, at midnight, tomorrow's per series), the log file and its rotation, the transfer store, the sync's three pipes. */
export function fileDescriptors(config: KitConfig, usage: Pick<DescriptorUsage, 'series'>): number {
  const series = new Set(usage.series);
  return 2 * series.size + 2 + 1 + (config.readings_log.sync_command ? 3 : 0);
}

export interface StartBudget extends Budget {
  limit: OpenFilesLimit | null;
  inUse: number | null;
}

export interface BudgetLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Reads the limit (raising the soft one to the hard one if Node has not), fits the caps, logs both once. */
export function startBudget(config: KitConfig, usage: DescriptorUsage, log: BudgetLog): StartBudget {
  const limit = raiseSoftLimit();
  const inUse = openDescriptors();
  const { limits } = config;
  const budget = fitBudget({
    limit: limit?.soft ?? null,
    inUse: inUse ?? 0,
    instruments: instrumentDescriptors(usage),
    files: fileDescriptors(config, usage),
    tcp: { maxConnections: limits.tcp.max_connections, maxPerAddress: limits.tcp.max_per_address },
    http: { maxConnections: limits.http.max_connections, maxPerAddress: limits.http.max_per_address },
    websocket: { maxClients: limits.websocket.max_clients, maxClientsPerAddress: limits.websocket.max_per_address },
  });
  const caps = `TCP ${budget.tcp.maxConnections} (${budget.tcp.maxPerAddress} per address, reserved), HTTP ${budget.http.maxConnections} (${budget.http.maxPerAddress} per address), websocket ${budget.websocket.maxClients} (${budget.websocket.maxClientsPerAddress} per address)`;
  const fields = {
    open_files_soft: limit?.soft ?? null,
    open_files_hard: limit?.hard ?? null,
    fds_in_use: inUse,
    tcp: budget.tcp,
    http: budget.http,
    websocket: budget.websocket,
  };
  if (limit) {
    log.info(fields, `open files: limit ${limit.soft} (hard ${limit.hard}, from ${limit.source}), ${inUse ?? 'unknown'} in use at start; connection caps: ${caps}`);
  } else {
    log.info(fields, `open files: ${process.platform === 'win32' ? 'Windows sets no per-process open-files limit to read' : 'the limit could not be read'}; connection caps as configured: ${caps}`);
  }
  for (const sentence of budget.lowered) log.warn({ code: 'CAP_LOWERED', ...fields }, sentence);
  return { ...budget, limit, inUse };
}

/** The HTTP port's caps and timeouts in the units the connector takes. */
export function httpLimits(config: KitConfig, budget: Budget): HttpLimits {
  const h = config.limits.http;
  return {
    ...budget.http,
    headersTimeoutMs: h.headers_timeout_s * 1000,
    requestTimeoutMs: h.request_timeout_s * 1000,
    keepAliveTimeoutMs: h.keep_alive_timeout_s * 1000,
    idleTimeoutMs: h.idle_timeout_s * 1000,
  };
}
