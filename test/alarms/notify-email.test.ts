// E-mail through a real SMTP server (smtp-server, on 127.0.0.1 port 0): the message names the rack
// and each alarm with what to check first, goes to every recipient, carries the notification's id
// in its Message-ID, and a server that answers 451 gets it again later, once. A webhook and the
// e-mail configured together get the same notification.
import { afterEach, describe, expect, it } from 'vitest';
import { Receiver, startHarness, startSmtp, type Mail } from './notify-fixtures.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The header `name` of a raw message (unfolded). */
function header(mail: Mail, name: string): string | undefined {
  const head = mail.raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1];
}

/** The body, quoted-printable decoded when it is. */
function body(mail: Mail): string {
  const text = mail.raw.split('\r\n\r\n').slice(1).join('\r\n\r\n');
  if (!/quoted-printable/i.test(header(mail, 'Content-Transfer-Encoding') ?? '')) return text;
  return Buffer.from(text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

async function smtp() {
  const server = await startSmtp();
  closers.push(() => server.close());
  return server;
}

const email = (port: number) => ({ server: `smtp://127.0.0.1:${port}`, from: 'HV rack <hv@lab.example>', to: ['anna@lab.example', 'shift@lab.example'] });

describe('built-in notifications: e-mail', () => {
  it('one message for what was raised together, to every recipient, with the rack, each alarm and its guidance, Message-ID from the id', async () => {
    const server = await smtp();
    const h = startHarness({ email: email(server.port) });
    closers.push(() => h.notifications.stop());
    h.book.raise('block-1', 'OUTPUT_STANDBY', 'MAJOR', { message: 'the calibrator is in standby', guidance: 'check the interlock, then press OPER' });
    h.book.raise('divider-1', 'READING_STALE', 'MINOR');
    await h.clock.advance(1000);
    const mail = await server.mail(1);
    expect(mail.from).toBe('hv@lab.example');
    expect(mail.to).toEqual(['anna@lab.example', 'shift@lab.example']);
    expect(header(mail, 'Subject')).toBe('[hv-rack] 2 alarms raised');
    expect(header(mail, 'Message-ID')).toBe(`<${h.queued()[0]!.id}@lab.example>`);
    const text = body(mail);
    expect(text).toMatch(/^hv-rack: 2 alarms raised\r?\n/);
    expect(text).toMatch(/MAJOR block-1 OUTPUT_STANDBY raised at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: the calibrator is in standby\r?\nWhat to check first: check the interlock, then press OPER/);
    expect(text).toContain('MINOR divider-1 READING_STALE raised at');
    expect((await h.attempt(1)).ok).toBe(true);
    expect(h.notifications.status().channels).toEqual([expect.objectContaining({ name: 'email', kind: 'email', target: `smtp://127.0.0.1:${server.port} to anna@lab.example, shift@lab.example`, delivered: 1 })]);
  });

  it('a server that answers 451 gets the message again after the back-off, and keeps one', async () => {
    const server = await smtp();
    server.refuse = 1;
    const h = startHarness({ email: email(server.port) });
    closers.push(() => h.notifications.stop());
    h.book.raise('block-2', 'DEVICE_FAULT', 'MINOR');
    await h.clock.advance(1000);
    const refused = await h.attempt(1);
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/451/);
    await h.clock.advance(1000);
    const mail = await server.mail(1);
    expect((await h.attempt(2)).ok).toBe(true);
    expect(header(mail, 'Subject')).toBe('[hv-rack] MINOR block-2 DEVICE_FAULT raised');
    await h.clock.advance(3600_000);
    expect(server.mails).toHaveLength(1);
    expect(server.refused).toBe(1);
  });

  it('a webhook and the e-mail get the same notification, each in its own words', async () => {
    const server = await smtp();
    const receiver = await Receiver.start();
    closers.push(() => receiver.close());
    const h = startHarness({ email: email(server.port), webhooks: [{ url: receiver.url, format: 'json' }] });
    closers.push(() => h.notifications.stop());
    h.book.raise('block-1', 'NO_OUTPUT', 'MAJOR');
    await h.clock.advance(1000);
    const [mail, request] = await Promise.all([server.mail(1), receiver.request(1)]);
    expect(header(mail, 'Message-ID')).toBe(`<${request.body.id as string}@lab.example>`);
    expect(h.notifications.status().channels.map((c) => c.name)).toEqual(['webhook-1', 'email']);
  });
});
