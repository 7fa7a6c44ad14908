// A configuration file as written, before anything is checked against a schema: JSON or YAML, sized
// and nested within bounds before it is parsed. On its own, apart from the validation
// (load-kit-config.ts), so that what binding Online's port needs of the file (early-tcp-settings.ts)
// can be read by a process that loads nothing else: the supervising process, before it starts the server.

import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MAX_JSON_DEPTH, parseBoundedJson, valueNesting } from '../protocol/bounded-json.js';
import { ConfigError } from './config-error.js';

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
