// hv-client alarms and ack, as a script on the rack PC runs them against a live server: the list
// with what to check, an acknowledgement with a note (in the audit trail), and exit codes that say
// what went wrong: 3 for a refusal, 4 for no server, 2 for bad usage.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, runToEnd } from '../helpers/server-process.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
let web: string;
const client = (...args: string[]) => runToEnd(process.execPath, [join(root, 'bin', 'hv-client.js'), '--http', web, ...args]);

beforeAll(async () => {
  t = await startTestServer();
  web = `http://127.0.0.1:${t.server.http.port}`;
  // A trip that came and went: latched, as the night shift finds it.
  t.server.alarms.raise({ source: 'block-1', instrument: 'sim::calibrator', code: 'NO_OUTPUT', severity: 'MAJOR', status: 'LOLO', message: 'the supply has tripped', value: 0 });
  t.server.alarms.clear('block-1', 'NO_OUTPUT');
});
afterAll(async () => {
  await t.stop();
});

describe('hv-client alarms and ack', () => {
  it('lists the latched alarm with its guidance, and as JSON', async () => {
    const listed = await client('alarms');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^UNACK MAJOR +block-1 NO_OUTPUT {2}latched, cleared \d\d:\d\d:\d\d {2}the supply has tripped$/m);
    expect(listed.stdout).toMatch(/what to check: .*interlock/);
    const json = await client('alarms', '--json');
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ source: 'block-1', code: 'NO_OUTPUT', active: false, acknowledged: false })]);
  });

  it('acknowledges with a note, which the audit trail keeps; a second time there is nothing to do', async () => {
    const acked = await client('ack', 'block-1', 'NO_OUTPUT', '--note', 'FuG door closed');
    expect(acked).toMatchObject({ code: 0, stdout: 'acknowledged block-1 NO_OUTPUT\n' });
    expect(t.server.audit.list().at(-1)).toMatchObject({ action: 'acknowledge block-1 NO_OUTPUT: FuG door closed', outcome: 'ok' });
    expect(await client('ack', '--all')).toMatchObject({ code: 0, stdout: 'nothing to acknowledge: already acknowledged\n' });
    expect((await client('alarms')).stdout).toBe('no alarms listed\n');
  });

  it('exits 3 on a refusal, 4 with no server, 2 on bad usage', async () => {
    const refused = await client('ack', 'block-9', 'NO_OUTPUT');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('no alarm block-9 NO_OUTPUT is listed');
    const nobody = await runToEnd(process.execPath, [join(root, 'bin', 'hv-client.js'), '--http', 'http://127.0.0.1:1', 'alarms']);
    expect(nobody.code).toBe(4);
    expect(nobody.stderr).toContain("cannot reach the server's web port at http://127.0.0.1:1");
    expect((await client('ack', 'block-1')).code).toBe(2);
    expect((await client('ack', '--all', 'block-1')).code).toBe(2);
    expect((await runToEnd(process.execPath, [join(root, 'bin', 'hv-client.js'), '--http', 'ftp://x', 'alarms'])).code).toBe(2);
  });
});
