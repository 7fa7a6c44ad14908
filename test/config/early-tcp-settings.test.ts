// The settings Online's port is bound with before the whole configuration is validated: they are
// what the validated configuration says, or there are none and the validation comes first.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ConfigFlags } from '../../src/hv/config/load-config.js';
import { earlyTcpSettings } from '../../src/kit/config/early-tcp-settings.js';
import { readConfigFile } from '../../src/kit/config/read-config-file.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-early-tcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The same settings as the validated configuration gives. */
function fromWholeConfig(flags: ConfigFlags) {
  const c = loadConfig(flags);
  return { host: c.tcp.host, port: c.tcp.port, backlog: c.tcp.backlog, maxMessageBytes: c.limits.max_message_bytes, maxClients: c.limits.tcp.max_connections };
}

describe('earlyTcpSettings', () => {
  const accepted: [string, ConfigFlags][] = [
    ['nothing given (the schema defaults)', {}],
    ['flags alone', { tcpHost: '0.0.0.0', tcpPort: 0 }],
    ['a YAML file', { config: file('a.yaml', 'tcp: { host: 127.0.0.2, port: 6000, backlog: 64 }\nlimits:\n  max_message_bytes: 4096\n  tcp: { max_connections: 3 }\n') }],
    ['a JSON file', { config: file('b.json', JSON.stringify({ tcp: { port: 6001 }, limits: { tcp: { max_per_address: 2 } } })) }],
    ['flags over the file', { config: file('c.yaml', 'tcp: { host: 127.0.0.3, port: 6002 }\n'), tcpHost: '127.0.0.4', tcpPort: 6003 }],
  ];
  for (const [what, flags] of accepted) {
    it(`${what}: the address, backlog and limits the validated configuration has`, () => {
      expect(earlyTcpSettings(flags, readConfigFile)).toEqual(fromWholeConfig(flags));
    });
  }

  const refused: [string, ConfigFlags][] = [
    ['a port out of range', { config: file('d.yaml', 'tcp: { port: 70000 }\n') }],
    ['a port that is a string', { config: file('e.yaml', 'tcp: { port: "5555" }\n') }],
    ['an empty host', { config: file('f.yaml', 'tcp: { host: "" }\n') }],
    ['a backlog of 0', { config: file('g.yaml', 'tcp: { backlog: 0 }\n') }],
    ['max_message_bytes too small', { config: file('h.yaml', 'limits: { max_message_bytes: 10 }\n') }],
    ['max_connections that is not an integer', { config: file('i.yaml', 'limits: { tcp: { max_connections: 1.5 } }\n') }],
    ['a file that is not YAML', { config: file('j.yaml', 'tcp: [\n') }],
    ['a file that is missing', { config: join(dir, 'missing.yaml') }],
  ];
  for (const [what, flags] of refused) {
    it(`${what}: none, and the whole validation refuses the configuration`, () => {
      expect(earlyTcpSettings(flags, readConfigFile)).toBeNull();
      expect(() => loadConfig(flags)).toThrow(ConfigError);
    });
  }

  it('a configuration refused elsewhere than these keys still has early settings: the port is bound, then the validation refuses it', () => {
    const flags = { config: file('k.yaml', 'tcp: { port: 6004 }\nno_such_key: 1\n') };
    expect(earlyTcpSettings(flags, readConfigFile)).toMatchObject({ port: 6004 });
    expect(() => loadConfig(flags)).toThrow(/no_such_key/);
  });
});
