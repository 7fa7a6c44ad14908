// The serial transport on a real pseudo-terminal pair (socat): the ADAM driver sets and reads the
// simulated module over it, and a missing port or a lost line gives a typed error.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/kit/clock/clock.js';
import { eventually } from '../helpers/eventually.js';
import { Adam4024 as AdamDriver } from '../../src/hv/instruments/adam-4024.js';
import { SerialTransport } from '../../src/kit/transports/serial-transport.js';
import { TransportError } from '../../src/kit/transports/transport.js';
import { SerialInstrumentPort } from '../../sim/adapters/serial-instrument-port.js';
import { Adam4024 } from '../../sim/devices/adam-4024.js';
import { SupplyPlant } from '../../sim/supply-plant.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-serial-'));
const hostSide = join(dir, 'host');
const instrumentSide = join(dir, 'instrument');
const clock = new ScaledClock(1);
let socat: ChildProcess;
let instrument: SerialInstrumentPort;
let module: Adam4024;

beforeAll(async () => {
  socat = spawn('socat', [`pty,raw,echo=0,link=${hostSide}`, `pty,raw,echo=0,link=${instrumentSide}`]);
  // socat, in a process of its own, creates the pseudo-terminals.
  await eventually(() => existsSync(hostSide) && existsSync(instrumentSide), 25);
  module = new Adam4024('ao', 1, new SupplyPlant({ gain: 100, offset: 0, tauMs: 100 }, 2.5, clock.now()), clock);
  instrument = new SerialInstrumentPort(module);
  await instrument.open(instrumentSide);
});

afterAll(async () => {
  await instrument.close();
  socat.kill();
  rmSync(dir, { recursive: true, force: true });
});

// Real time: an answer crosses socat's process, a few ms; the time-out is over 100 times that (a silent module still meets it).
const stream = { timeoutMs: 1000, writeTerminator: '\r', readTerminator: '\r' };

describe('serial transport on a pseudo-terminal pair', () => {
  it('carries the ADAM module’s protocol byte for byte', async () => {
    const transport = new SerialTransport(`ASRL${hostSide}::INSTR`, hostSide, 9600, clock, stream);
    const ao = new AdamDriver('ao', transport, 1, 1000);
    expect(await ao.readOutput()).toBe(2.5);
    await ao.setOutput(7.25, { energize: true });
    expect(await ao.readOutput()).toBe(7.25);
    expect(module.received).toEqual(['$012', '$016', '#01+07.250', '$016']);
    await transport.close();
  });

  it('gives not-found for a port that does not exist', async () => {
    const transport = new SerialTransport('ASRL/dev/ttyNOPE9::INSTR', '/dev/ttyNOPE9', 9600, clock, stream);
    const err = await transport.open().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('not-found');
    expect((err as Error).message).toMatch(/^ASRL\/dev\/ttyNOPE9::INSTR: cannot open \/dev\/ttyNOPE9/);
  });

  it('gives a typed timeout when the module stays silent', async () => {
    const transport = new SerialTransport(`ASRL${hostSide}::INSTR`, hostSide, 9600, clock, stream);
    module.faults.timeout = true;
    const err = await transport.query('$016').then(() => null, (e: unknown) => e);
    module.faults.timeout = false;
    expect((err as TransportError).code).toBe('timeout');
    await transport.close();
  });
});
