// NODE_EXTRA_CA_CERTS costs every Node start the reading of the certificates it names, before any
// of the program runs. The supervising process leaves it out of the environment of a server
// worker that opens no TLS connection (no notification set up), and passes it on wherever one may:
// a notification set up, or a configuration it could not read.
import { readFileSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { FileForWorkers, portToBind } from '../../src/kit/cli/supervise-if-wanted.js';
import { mayNotify, workerCaEnv } from '../../src/kit/cli/worker-ca-certs.js';
import { startServerProcess } from '../helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-worker-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('whether a configuration may set up a notification', () => {
  it('says no only where alarms.notify is absent, or holds no webhook and no e-mail', () => {
    for (const none of [{}, { alarms: {} }, { alarms: { notify: {} } }, { alarms: { notify: { webhooks: [], email: null } } }, { sim: true, alarms: { repeat_s: 5 } }]) {
      expect(mayNotify(none), JSON.stringify(none)).toBe(false);
    }
    const some = [
      { alarms: { notify: { webhooks: [{ url: 'https://hooks.example.org/x' }] } } },
      { alarms: { notify: { email: { server: 'smtps://mail.example.org', to: ['a@example.org'] } } } },
      // What the server will refuse or read otherwise keeps the variable.
      { alarms: { notify: { webhooks: 'https://x' } } },
      { alarms: { notify: { something: 1 } } },
      { alarms: { notify: null } },
      { alarms: 'notify' },
      { alarms: [] },
    ];
    for (const s of some) expect(mayNotify(s as Record<string, unknown>), JSON.stringify(s)).toBe(true);
  });

  it('leaves NODE_EXTRA_CA_CERTS out of the environment only of a worker that opens no TLS connection', () => {
    const env = { PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' };
    expect(workerCaEnv(env, false)).toEqual({ PATH: '/bin' });
    expect(workerCaEnv(env, true)).toEqual(env);
    expect(workerCaEnv({ PATH: '/bin' }, false)).toEqual({ PATH: '/bin' });
  });

  it('reads from the command line and the file what the next worker starts with', async () => {
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, 'tcp: { port: 5610 }\n');
    const hooked = join(dir, 'hooked.yaml');
    writeFileSync(hooked, 'tcp: { port: 5611 }\nalarms:\n  notify:\n    webhooks: [{ url: "https://hooks.example.org/x" }]\n');
    const cases: [string[], boolean][] = [
      [['--tcp-port', '5612'], false],
      [['--config', plain], false],
      [['--config', hooked], true],
      // Not understood here: the worker judges it, with every variable.
      [['--help'], true],
      [['--config', join(dir, 'missing.yaml')], true],
    ];
    for (const [argv, opensTls] of cases) {
      const file = new FileForWorkers();
      await portToBind(argv, file);
      expect(file.workerStart().opensTls, argv.join(' ')).toBe(opensTls);
    }
  });
});

describe.skipIf(process.platform !== 'linux')('the server worker’s environment', () => {
  const pem = join(dir, 'extra-ca.pem');
  writeFileSync(pem, rootCertificates[0]!);

  /** NODE_EXTRA_CA_CERTS as set in the environment of the supervising process and its worker, from /proc. */
  async function variableIn(config: Record<string, unknown>): Promise<{ supervisor: string | undefined; worker: string | undefined }> {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ sim: true, ...config }));
    const before = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = pem;
    let server;
    try {
      server = await startServerProcess(['--config', file, '--tcp-port', '0', '--http-port', '0', '--data-dir', join(dir, 'data'), '--time-scale', '20']);
    } finally {
      if (before === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = before;
    }
    try {
      const workerPid = Number(/"server_pid":(\d+)/.exec(server.output())![1]);
      const variable = (pid: number) =>
        readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((v) => v.startsWith('NODE_EXTRA_CA_CERTS='))?.slice('NODE_EXTRA_CA_CERTS='.length);
      expect(workerPid).not.toBe(server.process.pid);
      return { supervisor: variable(server.process.pid!), worker: variable(workerPid) };
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }

  it('lacks NODE_EXTRA_CA_CERTS where no notification is set up', async () => {
    expect(await variableIn({})).toEqual({ supervisor: pem, worker: undefined });
  }, 60_000);

  it('keeps it where a webhook is set up', async () => {
    expect(await variableIn({ alarms: { notify: { webhooks: [{ url: 'http://127.0.0.1:29999/hook' }] } } })).toEqual({ supervisor: pem, worker: pem });
  }, 60_000);
});
