// The Prologix transport against the simulated adapter: escaping, addressing, one shared connection.
import { afterEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/kit/clock/clock.js';
import { PrologixAdapter, PrologixTransport } from '../../src/kit/transports/prologix-transport.js';
import { escapeData, splitAdapterInput } from '../../src/kit/transports/prologix-escape.js';
import { PrologixServer } from '../../sim/adapters/prologix-server.js';
import type { LineDevice } from '../../sim/devices/line-device.js';

class EchoDevice implements LineDevice {
  readonly terminator = '\n';
  readonly faults = { offline: false, timeout: false, garbage: false };
  readonly received: string[] = [];
  constructor(readonly name: string) {}
  async handleMessage(message: string): Promise<string | null> {
    this.received.push(message);
    return message.endsWith('?') ? `${this.name} heard ${message}` : null;
  }
}

let server: PrologixServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('Prologix framing', () => {
  it('escapes CR, LF, ESC and + in data, and the adapter side undoes it', () => {
    const data = Buffer.from('A+B\rC\nD\u001bE', 'latin1');
    const escaped = escapeData(data);
    expect(escaped.toString('latin1')).toBe('A\u001b+B\u001b\rC\u001b\nD\u001b\u001bE');
    const { lines, rest } = splitAdapterInput(Buffer.concat([Buffer.from('++addr 4\n'), escaped, Buffer.from('\n')]));
    expect(lines.map((l) => l.text)).toEqual(['++addr 4', 'A+B\rC\nD\u001bE']);
    expect(rest.length).toBe(0);
  });

  it('does not take data that starts with an escaped + for an adapter command', () => {
    const { lines } = splitAdapterInput(Buffer.concat([escapeData(Buffer.from('++ver')), Buffer.from('\n')]));
    expect(lines).toEqual([{ text: '++ver', escapedStart: true }]);
  });
});

describe('Prologix transport', () => {
  it('addresses each instrument on one shared connection, one transaction at a time', async () => {
    const calibrator = new EchoDevice('calibrator');
    const voltmeter = new EchoDevice('voltmeter');
    server = new PrologixServer(new Map<number, LineDevice>([[4, calibrator], [20, voltmeter]]));
    const port = await server.listen('127.0.0.1', 0);
    const adapter = new PrologixAdapter(`PRLGX-TCPIP::127.0.0.1::${port}::INTFC`, '127.0.0.1', port, new ScaledClock(1), 1000);
    const cal = new PrologixTransport(adapter, 4, { timeoutMs: 1000, terminator: '\n' });
    const dvm = new PrologixTransport(adapter, 20, { timeoutMs: 1000, terminator: '\n' });
    const answers = await Promise.all([cal.query('OUT +5 V;ERR?'), dvm.query('*IDN?'), cal.write('OPER\n').then(() => 'written')]);
    expect(answers).toEqual(['calibrator heard OUT +5 V;ERR?', 'voltmeter heard *IDN?', 'written']);
    expect(await cal.query('OPER?')).toBe('calibrator heard OPER?');
    expect(calibrator.received).toEqual(['OUT +5 V;ERR?', 'OPER', 'OPER?']);
    expect(voltmeter.received).toEqual(['*IDN?']);
    await adapter.reset();
  });

  it('times out, naming the adapter and the address, when the instrument stays silent', async () => {
    const silent = new EchoDevice('silent');
    silent.faults.offline = true;
    silent.handleMessage = async () => null;
    server = new PrologixServer(new Map<number, LineDevice>([[20, silent]]));
    const port = await server.listen('127.0.0.1', 0);
    const adapter = new PrologixAdapter(`PRLGX-TCPIP::127.0.0.1::${port}::INTFC`, '127.0.0.1', port, new ScaledClock(1), 200);
    const dvm = new PrologixTransport(adapter, 20, { timeoutMs: 200, terminator: '\n' });
    const err = await dvm.query('READ?').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'timeout', resource: `PRLGX-TCPIP::127.0.0.1::${port}::INTFC GPIB 20` });
    expect((err as Error).message).toBe(`PRLGX-TCPIP::127.0.0.1::${port}::INTFC GPIB 20: no answer ending in "\\n" within 200 ms`);
    await adapter.reset();
  });
});
