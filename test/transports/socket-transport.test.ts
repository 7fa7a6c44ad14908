// The raw-socket transport against a real local TCP peer: answers, and typed errors for a timeout,
// a missing instrument and a lost connection, each naming the resource.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/kit/clock/clock.js';
import { SocketTransport } from '../../src/kit/transports/socket-transport.js';
import { TransportError } from '../../src/kit/transports/transport.js';

let server: Server | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = null;
});

/** A peer that answers "<command> ok" to each line, unless told to stay silent or hang up. */
async function peer(behaviour: (line: string, socket: Socket) => void): Promise<number> {
  server = createServer((socket) => {
    sockets.push(socket);
    let buffer = '';
    socket.on('data', (d) => {
      buffer += d.toString();
      let at;
      while ((at = buffer.indexOf('\n')) !== -1) {
        behaviour(buffer.slice(0, at), socket);
        buffer = buffer.slice(at + 1);
      }
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as { port: number }).port;
}

const clock = new ScaledClock(1);
// Real time: the peer answers within 30 ms; the time-out only bounds an answer that never comes, at 100 times that.
const stream = { timeoutMs: 3000, writeTerminator: '\n', readTerminator: '\n' };
const transportTo = (port: number) => new SocketTransport(`TCPIP::127.0.0.1::${port}::SOCKET`, '127.0.0.1', port, clock, stream);

async function failure(work: Promise<unknown>): Promise<TransportError> {
  const err = await work.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

describe('SocketTransport', () => {
  it('queries, answer split over several packets', async () => {
    const port = await peer((line, socket) => {
      socket.write(`${line} `);
      setTimeout(() => socket.write('ok\n'), 5);
    });
    const t = transportTo(port);
    expect(await t.query('*IDN?')).toBe('*IDN? ok');
    expect(await t.query('READ?')).toBe('READ? ok');
    await t.close();
  });

  it('times out with code timeout when the instrument stays silent', async () => {
    const port = await peer(() => {});
    const t = transportTo(port);
    const err = await failure(t.query('READ?', { timeoutMs: 100 }));
    expect(err.code).toBe('timeout');
    expect(err.resource).toBe(`TCPIP::127.0.0.1::${port}::SOCKET`);
    expect(err.message).toMatch(/no answer ending in "\\n" within 100 ms/);
    await t.close();
  });

  it('says not-found when nothing listens there', async () => {
    const port = await peer(() => {});
    await new Promise((r) => server!.close(r));
    server = null;
    const err = await failure(transportTo(port).open());
    expect(err.code).toBe('not-found');
    expect(err.message).toMatch(/cannot connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });

  it('fails the read in progress with code closed when the connection is lost, and reconnects on the next call', async () => {
    let hangUp = true;
    const port = await peer((line, socket) => {
      if (hangUp) socket.destroy();
      else socket.write(`${line} ok\n`);
    });
    const t = transportTo(port);
    const err = await failure(t.query('READ?'));
    expect(err.code).toBe('closed');
    expect(err.message).toMatch(/connection to 127\.0\.0\.1:\d+ was closed/);
    hangUp = false;
    expect(await t.query('READ?')).toBe('READ? ok');
    await t.close();
  });

  it('runs one transaction at a time', async () => {
    const port = await peer((line, socket) => setTimeout(() => socket.write(`${line}\n`), line === 'slow?' ? 30 : 0));
    const t = transportTo(port);
    const [a, b] = await Promise.all([t.query('slow?'), t.query('fast?')]);
    expect([a, b]).toEqual(['slow?', 'fast?']);
    await t.close();
  });
});
