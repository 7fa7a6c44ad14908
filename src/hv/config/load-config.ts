// The server's configuration: defaults, then the file (JSON or YAML), then command-line flags;
// validated against schemas/config.schema.json with errors that name the key.

import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ServerConfig } from '../../../schemas/types.js';
import { configDefs, describeSchemaErrors, validators } from '../messages/schema-validators.js';
import { MAX_JSON_DEPTH, parseBoundedJson, valueNesting } from '../../kit/protocol/bounded-json.js';
import { DEFAULT_BLOCKS, DEFAULT_VOLTMETERS } from './default-config.js';
import { AccessPolicy } from '../../kit/access/access-policy.js';
import { ConfigError } from '../../kit/config/config-error.js';
import { checkResources, namesRealResource } from './check-resources.js';

export { ConfigError } from '../../kit/config/config-error.js';

/** Flags as the CLI parsed them; each overrides the file's key of the same meaning. */
export interface ConfigFlags {
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

function readConfigFile(path: string): Record<string, unknown> {
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

export function loadConfig(flags: ConfigFlags = {}): ServerConfig {
  const raw: Record<string, unknown> = flags.config ? readConfigFile(flags.config) : {};
  const merged: Record<string, unknown> = structuredClone(raw);
  merged.blocks ??= structuredClone(DEFAULT_BLOCKS);
  merged.voltmeters ??= structuredClone(DEFAULT_VOLTMETERS);
  // Only a file can select the real rack: --sim wins, then the file's own `sim` key, then what
  // the file names (any resource that is not `sim::NAME` is a real instrument, so the real rack).
  // The schema's default (true) would otherwise make a file of GPIB addresses drive simulators.
  if (flags.sim !== undefined) merged.sim = flags.sim;
  else if (typeof raw.sim === 'boolean') merged.sim = raw.sim;
  else merged.sim = !namesRealResource(merged);
  if (flags.dataDir !== undefined) merged.data_dir = flags.dataDir;
  if (flags.timeScale !== undefined) merged.time_scale = flags.timeScale;
  const tcp = section(raw, 'tcp');
  if (flags.tcpHost !== undefined) tcp.host = flags.tcpHost;
  if (flags.tcpPort !== undefined) tcp.port = flags.tcpPort;
  if (raw.tcp !== undefined || Object.keys(tcp).length) merged.tcp = tcp;
  const http = section(raw, 'http');
  if (flags.httpHost !== undefined) http.host = flags.httpHost;
  if (flags.httpPort !== undefined) http.port = flags.httpPort;
  if (raw.http !== undefined || Object.keys(http).length) merged.http = http;
  if (flags.logLevel !== undefined) merged.log = { ...section(raw, 'log'), console_level: flags.logLevel };
  if (flags.allowControl !== undefined) merged.access = { ...section(raw, 'access'), control: flags.allowControl };

  if (!validators.config(merged)) {
    const where = flags.config ? `config file ${flags.config}` : 'configuration';
    throw new ConfigError(`${where}: ${describeSchemaErrors(validators.config.errors!, merged, configDefs, 'key')}`);
  }
  const config = merged as unknown as ServerConfig;
  checkConsistency(config);
  checkResources(config);
  return config;
}

/** What the schema alone cannot say: references between sections, and ranges that make sense. */
function checkConsistency(config: ServerConfig): void {
  const fail = (message: string): never => {
    throw new ConfigError(`configuration: ${message}`);
  };
  const meterIds = new Set<string>();
  for (const [i, meter] of config.voltmeters.entries()) {
    if (meterIds.has(meter.id)) fail(`key 'voltmeters[${i}].id' is "${meter.id}", which another voltmeter already has; expected a unique id`);
    meterIds.add(meter.id);
  }
  const blockIds = new Set<number>();
  for (const [i, block] of config.blocks.entries()) {
    if (blockIds.has(block.id)) fail(`key 'blocks[${i}].id' is ${block.id}, which another block already has; expected a unique block number`);
    blockIds.add(block.id);
    if (!meterIds.has(block.voltmeter)) {
      fail(`key 'blocks[${i}].voltmeter' is "${block.voltmeter}"; expected one of the voltmeters' ids (${[...meterIds].join(', ')})`);
    }
    if (!(block.min_volts < block.max_volts)) {
      fail(`keys 'blocks[${i}].min_volts' and 'max_volts' are ${block.min_volts} and ${block.max_volts}; expected min_volts below max_volts`);
    }
    if (!(block.output.min_volts < block.output.max_volts)) {
      fail(`keys 'blocks[${i}].output.min_volts' and 'max_volts' are ${block.output.min_volts} and ${block.output.max_volts}; expected min below max`);
    }
  }
  if (config.supervisor.backoff_initial_s > config.supervisor.backoff_max_s) {
    fail(`key 'supervisor.backoff_initial_s' is ${config.supervisor.backoff_initial_s}; expected at most backoff_max_s (${config.supervisor.backoff_max_s})`);
  }
  const web = config.limits.http;
  if (web.headers_timeout_s > web.request_timeout_s) {
    fail(`key 'limits.http.headers_timeout_s' is ${web.headers_timeout_s}; expected at most request_timeout_s (${web.request_timeout_s}), as the headers are part of the request`);
  }
  // The token file is read when the server starts (server.ts); the lists can be checked now.
  const access = AccessPolicy.checkLists(config.access);
  if ('code' in access) fail(access.message);
  if (!config.sim && config.time_scale !== 1) {
    fail(`key 'time_scale' is ${config.time_scale} while sim is false; expected 1 (real instruments run in real time)`);
  }
}
