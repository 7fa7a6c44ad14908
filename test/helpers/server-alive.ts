// After hostile input: the server still takes a command over TCP and still answers HTTP.

import { expect } from 'vitest';
import { setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import type { TestServer } from './test-server.js';

export async function expectServerServes(t: TestServer): Promise<void> {
  const online = await t.connect();
  const answer = online.answer();
  online.send(setVoltageCommand(2, 100));
  expect(await t.runUntil(answer, 5000, 10)).toMatchObject({ type: 'answer', answer_type: 'set_voltage', status: 'ok' });
  await online.close();
  const status = await fetch(`http://${t.server.http.host}:${t.server.http.port}/api/status`);
  expect(status.status).toBe(200);
  await status.body?.cancel();
}
