// A refused message is answered before it is logged: the client waits on the reply, and the log
// line is formatted on the same event loop. Checked with the real logger (pino, as the server
// runs it) writing into a sink that records when each line came, beside the hub's deliveries.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AccessControl } from '../../src/kit/access/access-control.js';
import type { ClientHub } from '../../src/kit/connectors/client-hub.js';
import { refuseUndecodable, takeMeta, type IntakeContext } from '../../src/kit/connectors/message-intake.js';
import { ClientLogThrottle } from '../../src/kit/log/client-log-throttle.js';
import { LogThrottle } from '../../src/kit/log/log-throttle.js';
import { createLogger } from '../../src/kit/log/logger.js';
import { errorReply } from '../../src/kit/protocol/error-reply.js';

type Step = { what: 'reply'; message: Record<string, unknown> } | { what: 'log'; line: Record<string, unknown> };

/** An intake whose parser refuses everything, and the order in which replies and log lines left it. */
async function recordingIntake(): Promise<{ ctx: IntakeContext; steps: Step[] }> {
  const steps: Step[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) steps.push({ what: 'log', line: JSON.parse(line) as Record<string, unknown> });
      done();
    },
  });
  const { logger } = await createLogger({ consoleLevel: 'info', fileLevel: 'silent', pretty: false, console: sink });
  const hub = {
    deliver: (_origin: unknown, message: Record<string, unknown>) => {
      steps.push({ what: 'reply', message });
      return true;
    },
    observe: () => {},
  } as unknown as ClientHub;
  const ctx: IntakeContext = {
    hub,
    parse: () => ({ ok: false, reply: errorReply('INCORRECT_MESSAGE_PARAMS', 'block 99 is not configured; expected one of the configured blocks (1, 2)') }),
    log: logger,
    access: {} as AccessControl,
    throttle: new ClientLogThrottle(() => 0),
  };
  return { ctx, steps };
}

const origin = { connector: 'tcp', client: 'c1' };

describe('message intake', () => {
  it('answers a refused command before its log line is written, and still logs it in full', async () => {
    const { ctx, steps } = await recordingIntake();
    takeMeta({ type: 'command', command_type: 'set_voltage', block: 99, voltage: 100 }, origin, ctx, () => {}, new LogThrottle());
    expect(steps.map((s) => s.what)).toEqual(['reply', 'log']);
    const [reply, log] = steps as [Extract<Step, { what: 'reply' }>, Extract<Step, { what: 'log' }>];
    expect(reply.message).toMatchObject({ type: 'reply', reply_type: 'error' });
    expect(log.line).toMatchObject({ client: 'c1', msg: 'refused: block 99 is not configured; expected one of the configured blocks (1, 2)', reply: reply.message, suppressed: 0 });
  });

  it('answers every refusal, logging only what the throttle lets through', async () => {
    const { ctx, steps } = await recordingIntake();
    const throttle = new LogThrottle(2, 1000);
    for (let i = 0; i < 5; i++) takeMeta({ type: 'command' }, origin, ctx, () => {}, throttle);
    expect(steps.map((s) => s.what)).toEqual(['reply', 'log', 'reply', 'log', 'reply', 'reply', 'reply']);
  });

  it('answers bytes that cannot be framed (code 4) before the warning, whose sentence is clipped', async () => {
    const { ctx, steps } = await recordingIntake();
    const sentence = `meta is not JSON: ${'x'.repeat(500)}`;
    refuseUndecodable(sentence, origin, ctx, new LogThrottle(), { client: 'c1', remote: '127.0.0.1:40000', kind: 'meta' });
    expect(steps.map((s) => s.what)).toEqual(['reply', 'log']);
    const [reply, log] = steps as [Extract<Step, { what: 'reply' }>, Extract<Step, { what: 'log' }>];
    expect(reply.message).toMatchObject({ type: 'reply', reply_type: 'error', error_code: 4, description: sentence });
    expect(log.line).toMatchObject({ level: 40, client: 'c1', remote: '127.0.0.1:40000', kind: 'meta', suppressed: 0 });
    expect(String(log.line.msg).length).toBeLessThan(sentence.length);
  });
});
