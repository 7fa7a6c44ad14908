// Config: defaults, file formats, flags over file, and errors that name the key.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/hv/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('with nothing given: simulation, 127.0.0.1, ports 5555 and 8080, blocks 1 and 2', () => {
    const c = loadConfig();
    expect(c.sim).toBe(true);
    expect(c.tcp).toEqual({ host: '127.0.0.1', port: 5555, backlog: 1024 });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080, backlog: 1024 });
    expect(c.limits.max_message_bytes).toBe(1024 * 1024);
    expect(c.limits.tcp).toEqual({ max_connections: 32, max_per_address: 16 });
    expect(c.limits.http).toEqual({ max_connections: 256, max_per_address: 32, headers_timeout_s: 10, request_timeout_s: 30, keep_alive_timeout_s: 5, idle_timeout_s: 30 });
    expect(c.limits.websocket).toEqual({ max_clients: 64, max_per_address: 16 });
    expect(c.blocks.map((b) => [b.id, b.name, b.min_volts, b.max_volts])).toEqual([
      [1, 'main', 0, 25000],
      [2, 'shift', 0, 1000],
    ]);
    expect(c.blocks[0]!.output).toEqual({ driver: 'fluke-5502e', resource: 'sim::calibrator', gain: 3500.5, offset: 1.26, min_volts: 0, max_volts: 10 });
    expect(c.blocks[1]!.output).toMatchObject({ driver: 'adam-4024', resource: 'sim::ao', address: 1 });
    expect(c.voltmeters[0]).toMatchObject({ id: 'divider-1', driver: 'agilent-34401a', resource: 'sim::voltmeter-1', divider_ratio: -4050.65, series: 'HV' });
    expect(c.instruments).toEqual({ query_timeout_s: 2, visa_library: null });
    expect(c.readings_log.sync_command).toBeNull();
  });

  it('access: control from loopback only, anyone may monitor, no token, no proxy', () => {
    expect(loadConfig().access).toEqual({ control: ['127.0.0.1', '::1'], monitor: null, token: null, token_file: null, origins: [], proxies: [], audit_entries: 500 });
  });

  it('--allow-control replaces access.control from the file; the rest of access is kept', () => {
    const yaml = file('access.yaml', 'access:\n  control: [10.0.0.5]\n  origins: [https://hv.lab.example]\n');
    expect(loadConfig({ config: yaml }).access).toMatchObject({ control: ['10.0.0.5'], origins: ['https://hv.lab.example'] });
    expect(loadConfig({ config: yaml, allowControl: ['192.168.1.7', '10.1.0.0/16'] }).access).toMatchObject({ control: ['192.168.1.7', '10.1.0.0/16'], origins: ['https://hv.lab.example'] });
    expect(loadConfig({ allowControl: [] }).access.control).toEqual([]);
  });

  it('an address or origin that cannot be used stops the server at start, naming it', () => {
    expect(() => loadConfig({ allowControl: ['127.0.0.1', 'online-pc'] })).toThrow(
      new ConfigError(`configuration: key 'access.control[1]' is "online-pc"; expected an IP address (127.0.0.1, ::1) or a CIDR block (10.0.0.0/24, fd00::/8); host names are not looked up`),
    );
    const yaml = file('origins.yaml', 'access:\n  origins: [hv.lab.example]\n');
    expect(() => loadConfig({ config: yaml })).toThrow(/key 'access.origins\[0\]' is "hv.lab.example"; expected an origin such as https:\/\/hv.lab.example/);
    expect(() => loadConfig({ config: file('unknown.yaml', 'access:\n  allow: []\n') })).toThrow(/key 'access.allow' is not a known key; expected one of control, monitor/);
  });

  it('reads YAML and JSON, and flags override the file', () => {
    const yaml = file('a.yaml', 'tcp:\n  port: 6000\n  host: 0.0.0.0\ntime_scale: 5\nlog:\n  file_level: warn\n');
    const c = loadConfig({ config: yaml, tcpPort: 7000, timeScale: 10, logLevel: 'debug' });
    expect(c.tcp).toMatchObject({ port: 7000, host: '0.0.0.0' });
    expect(c.time_scale).toBe(10);
    expect(c.log).toMatchObject({ console_level: 'debug', file_level: 'warn' });
    const json = file('b.json', JSON.stringify({ sim: true, data_dir: '/var/hv' }));
    expect(loadConfig({ config: json }).data_dir).toBe('/var/hv');
  });

  it.each([
    ['tcp:\n  port: "http"\n', /key 'tcp\.port' is "http"; expected a TCP port from 0 to 65535/],
    ['tcp:\n  port: 70000\n', /key 'tcp\.port' is 70000; expected a TCP port/],
    ['colour: blue\n', /key 'colour' is not a known key; expected one of sim, time_scale/],
    ['blocks:\n  - id: 1\n', /key 'blocks\[0\]\.voltmeter' is missing; expected the id of the voltmeter/],
    ['blocks:\n  - id: 1\n    voltmeter: dvm9\n    output: { resource: "sim::c" }\n', /key 'blocks\[0\]\.voltmeter' is "dvm9"; expected one of the voltmeters' ids \(divider-1, divider-2, gun\)/],
    ['blocks:\n  - { id: 1, voltmeter: divider-1, max_volts: -1, output: { resource: "sim::c" } }\n', /'blocks\[0\]\.min_volts' and 'max_volts' are 0 and -1; expected min_volts below max_volts/],
    ['voltmeters:\n  - { id: a, resource: "sim::a", divider_ratio: 0 }\n', /key 'voltmeters\[0\]\.divider_ratio' is 0; expected HV volts per voltmeter volt/],
    ['voltmeters:\n  - { id: a, divider_ratio: -4000 }\n', /key 'voltmeters\[0\]\.resource' is missing; expected where the voltmeter is: GPIB0::20::INSTR/],
    ['blocks:\n  - { id: 1, voltmeter: divider-1, output: { driver: keithley, resource: "sim::c" } }\n', /key 'blocks\[0\]\.output\.driver' is "keithley"; expected fluke-5502e \(calibrator\) or adam-4024/],
    ['log:\n  console_level: loud\n', /key 'log\.console_level' is "loud"; expected a pino level/],
    ['- 1\n- 2\n', /holds a list; expected a mapping of keys/],
    ['sim: false\ntime_scale: 3\n', /key 'time_scale' is 3 while sim is false; expected 1/],
    ['limits:\n  http: { headers_timeout_s: 40 }\n', /key 'limits\.http\.headers_timeout_s' is 40; expected at most request_timeout_s \(30\)/],
    ['limits:\n  tcp: { max_connections: 0 }\n', /key 'limits\.tcp\.max_connections' is 0; expected TCP connections accepted at once, from 1 to 10000/],
    ['limits:\n  max_clients: 4096\n', /key 'limits\.max_clients' is not a known key; expected one of max_message_bytes, client_send_queue_bytes, tcp, http, websocket/],
  ])('refuses %j naming the key', (text, message) => {
    const path = file('bad.yaml', text);
    expect(() => loadConfig({ config: path })).toThrow(ConfigError);
    expect(() => loadConfig({ config: path })).toThrow(message);
  });

  it('runs the real rack when the file names a real instrument, unless --sim or the file says otherwise', () => {
    const real = file('real.yaml', 'voltmeters:\n  - { id: divider-1, resource: "GPIB0::20::INSTR", divider_ratio: -4050.65 }\nblocks:\n  - { id: 1, voltmeter: divider-1, output: { resource: "GPIB0::4::INSTR" } }\n');
    expect(loadConfig({ config: real }).sim).toBe(false);
    expect(loadConfig({ config: real, sim: true }).sim).toBe(true);
    expect(loadConfig({ config: file('real-sim.yaml', `sim: true\n${readFileSync(real, 'utf8')}`) }).sim).toBe(true);
    // A file of simulated instruments only, or one that names none, stays in simulation.
    expect(loadConfig({ config: file('only-sim.yaml', 'data_dir: /tmp/x\n') }).sim).toBe(true);
    expect(loadConfig().sim).toBe(true);
  });

  it.each([
    ['voltmeters:\n  - { id: a, resource: "GPIB0::40::INSTR", divider_ratio: -4000 }\nblocks:\n  - { id: 1, voltmeter: a, output: { resource: "sim::c" } }\n', /key 'voltmeters\[0\]\.resource' is "GPIB0::40::INSTR", which is not a resource string; expected one like GPIB0::20::INSTR, TCPIP::host::port::SOCKET/],
    ['voltmeters:\n  - { id: a, resource: "COM3", divider_ratio: -4000 }\nblocks:\n  - { id: 1, voltmeter: a, output: { resource: "sim::c" } }\n', /key 'voltmeters\[0\]\.resource' is "COM3", which is not a resource string; expected one like .*ASRL3::INSTR for COM3/],
    ['blocks:\n  - { id: 1, voltmeter: divider-1, output: { driver: adam-4024, resource: "GPIB0::6::INSTR" } }\n', /key 'blocks\[0\]\.output\.resource' is "GPIB0::6::INSTR" \(GPIB \(VISA\)\), which driver adam-4024 cannot use; expected ASRL serial, TCPIP::…::SOCKET, sim::NAME/],
    ['blocks:\n  - { id: 1, voltmeter: divider-1, output: { resource: "PRLGX-TCPIP::10.0.0.5::1234::INTFC" } }\n', /key 'blocks\[0\]\.output\.address' is missing for resource "PRLGX-TCPIP::10\.0\.0\.5::1234::INTFC"; expected the instrument's GPIB address/],
    ['blocks:\n  - { id: 1, voltmeter: divider-1, output: { resource: "sim::voltmeter-1" } }\n', /key 'voltmeters\[0\]\.resource' is "sim::voltmeter-1", which 'blocks\[0\]\.output\.resource' already names; expected a sim:: name of its own/],
    ['instruments: { visa_library: /nonexistent/libvisa.so }\nvoltmeters:\n  - { id: a, resource: "GPIB0::20::INSTR", divider_ratio: -4000 }\nblocks:\n  - { id: 1, voltmeter: a, output: { resource: "GPIB0::4::INSTR" } }\n', /key 'instruments\.visa_library' is "\/nonexistent\/libvisa\.so", which does not exist/],
  ])('refuses resource %j at load, naming the key, the value and the choices', (text, message) => {
    const path = file('bad-resource.yaml', text);
    expect(() => loadConfig({ config: path })).toThrow(ConfigError);
    expect(() => loadConfig({ config: path })).toThrow(message);
  });

  it('says which file cannot be read or parsed', () => {
    expect(() => loadConfig({ config: join(dir, 'missing.yaml') })).toThrow(/config file .*missing\.yaml cannot be read/);
    expect(() => loadConfig({ config: file('broken.json', '{') })).toThrow(/is not valid JSON/);
  });

  it('refuses a file nested too deep, as JSON or YAML, with a ConfigError that names the limit', () => {
    const deep = (n: number) => `{"blocks": ${'['.repeat(n)}${']'.repeat(n)}}`;
    expect(() => loadConfig({ config: file('deep.json', deep(10_000)) })).toThrow(/deep\.json nests 10001 levels deep; at most 64 are accepted/);
    // Flow style overflows the YAML parser's own recursion; block style parses, then is measured.
    expect(() => loadConfig({ config: file('deep-flow.yaml', deep(10_000)) })).toThrow(/deep-flow\.yaml nests too deep for the YAML parser; at most 64 levels are accepted/);
    const blockStyle = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect(() => loadConfig({ config: file('deep-block.yaml', blockStyle) })).toThrow(/deep-block\.yaml nests more than 64 levels deep; at most 64 are accepted/);
  });

  it('refuses a file over 1 MiB, or a device, before reading it', () => {
    expect(() => loadConfig({ config: '/dev/zero' })).toThrow('config file /dev/zero is not a regular file; expected a JSON or YAML file');
    expect(() => loadConfig({ config: file('huge.yaml', `# ${'x'.repeat(1024 * 1024)}\n`) })).toThrow(/huge\.yaml is 1048579 bytes long; at most 1048576 are accepted/);
  });
});
