// The server reads a command line it understands entirely without commander (port-flags.ts,
// kitFlags), and leaves any other to commander (kit-program.ts). Where it reads one, it must read
// what commander reads; where commander refuses one, it must leave it to commander.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kitProgram } from '../../src/kit/cli/kit-program.js';
import { kitFlags } from '../../src/kit/cli/port-flags.js';

/** What commander makes of `argv`: its flags, or null where it refuses it, prints help or the version. */
function commander(argv: string[]): Record<string, unknown> | null {
  const program = kitProgram({ name: 'hv-server', description: '', version: '0', supervised: true })
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  try {
    program.parse(argv, { from: 'user' });
  } catch {
    return null;
  }
  // --no-supervise is read before the server's process exists; commander lists it as supervise.
  const { supervise: _read, ...flags } = program.opts();
  return flags;
}

const FLAGS = ['--config', '--sim', '--tcp-host', '--tcp-port', '--http-host', '--http-port', '--data-dir', '--time-scale', '--log-level', '--allow-control', '--no-supervise'];
const VALUES = ['rack.yaml', '', ' ', '0', '5555', '-1', '55.5', '1e3', '0x10', ' 7 ', 'Infinity', 'NaN', 'fast', '127.0.0.1', '::1', '10.0.0.0/8,::1', ',a, ,b,', '-x', '--sim', 'info', '='];

describe('the server’s command line without commander', () => {
  it('reads the usual command lines as commander does', () => {
    const usual = [
      [],
      ['--config', '/etc/hv/rack.yaml'],
      ['--config=rack.yaml', '--tcp-port', '5555', '--http-port=8080', '--data-dir', 'data', '--time-scale', '20', '--log-level', 'warn'],
      ['--sim', '--tcp-host', '0.0.0.0', '--http-host', '::', '--allow-control', '10.0.0.0/8, 192.168.1.7', '--allow-control=::1', '--no-supervise'],
      ['--tcp-port', '1', '--tcp-port', '2'],
    ];
    for (const argv of usual) {
      expect(kitFlags(argv), argv.join(' ')).not.toBeNull();
      expect(kitFlags(argv), argv.join(' ')).toEqual(commander(argv));
    }
  });

  it('leaves help, the version and mistakes to commander', () => {
    for (const argv of [['--help'], ['-h'], ['--version'], ['-V'], ['--tcp-prot', '1'], ['--tcp-port', 'x'], ['--sim=yes'], ['extra'], ['--', '--sim'], ['--config']]) {
      expect(kitFlags(argv), argv.join(' ')).toBeNull();
    }
  });

  it('reads any command line it reads as commander does, and none that commander refuses', () => {
    const token = fc.oneof(
      fc.constantFrom(...FLAGS),
      fc.constantFrom(...VALUES),
      fc.tuple(fc.constantFrom(...FLAGS), fc.constantFrom(...VALUES)).map(([f, v]) => `${f}=${v}`),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), (argv) => {
        const ours = kitFlags(argv);
        const theirs = commander(argv);
        if (theirs === null) return ours === null;
        if (ours === null) return true;
        expect(ours).toEqual(theirs);
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
