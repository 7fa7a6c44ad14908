// A manager's configuration from its file's document, the kit's part: the command-line flags over
// the document, one validation against the manager's whole schema (compose-schema.ts) that fills in
// the defaults, and the checks of the kit's own sections that a schema cannot say. The manager adds
// its defaults and its own checks. The file itself is read elsewhere (read-config-file.ts, YAML
// included): by load-kit-config.ts, or, for a server under the supervising process, by that process,
// which hands the document over with Online's socket, so the server neither loads the YAML parser
// nor parses the file a second time.

import type { ValidateFunction } from 'ajv';
import { AccessPolicy } from '../access/access-policy.js';
import { notifyConfigProblem } from '../alarms/notify/check-notify-config.js';
import { ConfigError } from './config-error.js';
import type { KitConfig } from './kit-config.js';
import { sectionOf } from './section-of.js';
import { describeSchemaErrors } from './schema-errors.js';

/** Flags as a CLI parsed them; each overrides the file's key of the same meaning. */
export interface KitConfigFlags {
  config?: string;
  sim?: boolean;
  tcpHost?: string;
  tcpPort?: number;
  httpHost?: string;
  httpPort?: number;
  dataDir?: string;
  timeScale?: number;
  logLevel?: string;
  /** Addresses that may control, replacing `access.control` (--allow-control, repeatable). */
  allowControl?: string[];
}

export interface ManagerConfigRules<T extends KitConfig> {
  /** The manager's whole schema, compiled with `useDefaults` (compose-schema.ts). */
  validate: ValidateFunction;
  /** Its $defs, where a $ref'd field keeps its description for the error sentence. */
  defs: Record<string, unknown>;
  /** Fills in what the schema's defaults cannot (a default list of instruments), before validation. */
  defaults?(merged: Record<string, unknown>): void;
  /** `sim` when neither the flags nor the file say (the schema's default otherwise). */
  simDefault?(merged: Record<string, unknown>): boolean;
  /** The manager's checks across its sections, after the kit's; throws a ConfigError. */
  check?(config: T): void;
}

/** Defaults, then the file's document (`raw`, {} without a file), then the flags; validated, defaults filled in, checked. */
export function managerConfig<T extends KitConfig>(flags: KitConfigFlags, raw: Record<string, unknown>, rules: ManagerConfigRules<T>): T {
  const merged: Record<string, unknown> = structuredClone(raw);
  rules.defaults?.(merged);
  if (flags.sim !== undefined) merged.sim = flags.sim;
  else if (typeof raw.sim === 'boolean') merged.sim = raw.sim;
  else if (rules.simDefault) merged.sim = rules.simDefault(merged);
  if (flags.dataDir !== undefined) merged.data_dir = flags.dataDir;
  if (flags.timeScale !== undefined) merged.time_scale = flags.timeScale;
  const tcp = sectionOf(raw, 'tcp');
  if (flags.tcpHost !== undefined) tcp.host = flags.tcpHost;
  if (flags.tcpPort !== undefined) tcp.port = flags.tcpPort;
  if (raw.tcp !== undefined || Object.keys(tcp).length) merged.tcp = tcp;
  const http = sectionOf(raw, 'http');
  if (flags.httpHost !== undefined) http.host = flags.httpHost;
  if (flags.httpPort !== undefined) http.port = flags.httpPort;
  if (raw.http !== undefined || Object.keys(http).length) merged.http = http;
  if (flags.logLevel !== undefined) merged.log = { ...sectionOf(raw, 'log'), console_level: flags.logLevel };
  if (flags.allowControl !== undefined) merged.access = { ...sectionOf(raw, 'access'), control: flags.allowControl };

  if (!rules.validate(merged)) {
    const where = flags.config ? `config file ${flags.config}` : 'configuration';
    throw new ConfigError(`${where}: ${describeSchemaErrors(rules.validate.errors!, merged, rules.defs, 'key')}`);
  }
  const config = merged as unknown as T;
  checkKitSections(config);
  rules.check?.(config);
  return config;
}

/** What the schema alone cannot say of the kit's sections: ranges that must agree. */
export function checkKitSections(config: KitConfig): void {
  const fail = (message: string): never => {
    throw new ConfigError(`configuration: ${message}`);
  };
  if (config.supervisor.backoff_initial_s > config.supervisor.backoff_max_s) {
    fail(`key 'supervisor.backoff_initial_s' is ${config.supervisor.backoff_initial_s}; expected at most backoff_max_s (${config.supervisor.backoff_max_s})`);
  }
  const web = config.limits.http;
  if (web.headers_timeout_s > web.request_timeout_s) {
    fail(`key 'limits.http.headers_timeout_s' is ${web.headers_timeout_s}; expected at most request_timeout_s (${web.request_timeout_s}), as the headers are part of the request`);
  }
  // The token file is read when the server starts (serve-manager.ts); the lists can be checked now.
  const access = AccessPolicy.checkLists(config.access);
  if ('code' in access) fail(access.message);
  const notify = notifyConfigProblem(config.alarms.notify);
  if (notify) fail(notify);
  if (!config.sim && config.time_scale !== 1) {
    fail(`key 'time_scale' is ${config.time_scale} while sim is false; expected 1 (real instruments run in real time)`);
  }
}
