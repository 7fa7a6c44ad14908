// Loading a manager's configuration, the kit's part: the file (JSON or YAML, sized and nested
// within bounds before it is parsed), the command-line flags over it, one validation against the
// manager's whole schema (compose-schema.ts) that fills in the defaults, and the checks of the
// kit's own sections that a schema cannot say. The manager adds its defaults and its own checks.

import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { AccessPolicy } from '../access/access-policy.js';
import { notifyConfigProblem } from '../alarms/notify/check-notify-config.js';
import { MAX_JSON_DEPTH, parseBoundedJson, valueNesting } from '../protocol/bounded-json.js';
import { ConfigError } from './config-error.js';
import type { KitConfig } from './kit-config.js';
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

/** Largest config file read; the rack's own are a few kilobytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    // Sized before it is read: a device such as /dev/zero must be refused, not read until memory runs out.
    const stat = statSync(path);
    if (!stat.isFile()) throw new ConfigError(`config file ${path} is not a regular file; expected a JSON or YAML file`);
    const size = stat.size;
    if (size > MAX_CONFIG_BYTES) throw new ConfigError(`config file ${path} is ${size} bytes long; at most ${MAX_CONFIG_BYTES} are accepted`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`config file ${path} cannot be read: ${(err as Error).message}`);
  }
  const parsed = extname(path) === '.json' ? parseJsonConfig(path, text) : parseYamlConfig(path, text);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} holds ${Array.isArray(parsed) ? 'a list' : `a ${typeof parsed}`}; expected a mapping of keys`);
  }
  // Checked before the value is cloned, validated or shown in a message, all of which recurse.
  if (valueNesting(parsed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new ConfigError(`config file ${path} nests more than ${MAX_JSON_DEPTH} levels deep; at most ${MAX_JSON_DEPTH} are accepted`);
  }
  return parsed as Record<string, unknown>;
}

function parseJsonConfig(path: string, text: string): unknown {
  const parsed = parseBoundedJson(text, { what: `config file ${path}` });
  if (!parsed.ok) throw new ConfigError(parsed.kind === 'not-json' ? `${parsed.message}; expected a JSON object of keys` : parsed.message);
  return parsed.value;
}

function parseYamlConfig(path: string, text: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    // The YAML parser recurses, and reports its own stack overflow as a parse error.
    if (/call stack/i.test((err as Error).message)) {
      throw new ConfigError(`config file ${path} nests too deep for the YAML parser; at most ${MAX_JSON_DEPTH} levels are accepted`);
    }
    throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
}

function section(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = raw[key];
  return value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
}

export function sectionOf(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = raw[key];
  return value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
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

/** Defaults, then the file, then the flags; validated, defaults filled in, checked. */
export function loadManagerConfig<T extends KitConfig>(flags: KitConfigFlags, rules: ManagerConfigRules<T>): T {
  const raw: Record<string, unknown> = flags.config ? readConfigFile(flags.config) : {};
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
