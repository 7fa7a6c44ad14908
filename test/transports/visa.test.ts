// The VISA binding, through koffi, against the VISA test library forwarding to simulated
// instruments: the code path that loads NI-VISA in the lab, run for real.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEADLINE_FLOOR_MS, ScaledClock } from '../../src/kit/clock/clock.js';
import { Agilent34401A } from '../../src/hv/instruments/agilent-34401a.js';
import { TransportError } from '../../src/kit/transports/transport.js';
import { VisaLibrary, visaLibraryCandidates } from '../../src/kit/transports/visa/visa-library.js';
import { VI } from '../../src/kit/transports/visa/visa-status.js';
import { VisaTransport } from '../../src/kit/transports/visa/visa-transport.js';
import { TcpInstrumentServer } from '../../sim/adapters/tcp-instrument-server.js';
import { Agilent34401A as SimulatedAgilent } from '../../sim/devices/agilent-34401a.js';
import { SeededRandom } from '../../sim/random.js';
import { SupplyPlant } from '../../sim/supply-plant.js';
import { buildVisaSimLibrary } from '../helpers/visa-sim-library.js';

const clock = new ScaledClock(10);
let library: VisaLibrary;
let dmm: SimulatedAgilent;
let server: TcpInstrumentServer;
let port: number;

beforeAll(async () => {
  library = VisaLibrary.load(buildVisaSimLibrary(), 'test');
  const plant = new SupplyPlant({ gain: 3500.5, offset: 1.26, tauMs: 400 }, 5, clock.now());
  dmm = new SimulatedAgilent('voltmeter-1', plant, -4050.65, clock, new SeededRandom(1), { sigma0V: 0.0023, perKvV: 0.0001, outlierRate: 0, outlierV: 0 });
  server = new TcpInstrumentServer(dmm);
  port = await server.listen('127.0.0.1', 0);
  process.env.HV_VISA_SIM_GPIB_20 = `127.0.0.1:${port}`;
});
afterAll(async () => {
  delete process.env.HV_VISA_SIM_GPIB_20;
  await server.close();
});

// Real time at ×10: an answer crosses koffi, the VISA test library and a TCP socket to this very
// process in a few ms; the default time-out (2 s of real time) is over 100 times that.
const transport = (resource: string, timeoutMs = 20_000) => new VisaTransport(resource, () => library, clock, { timeoutMs, terminator: '\n' });

async function failure(work: Promise<unknown>): Promise<TransportError> {
  const err = await work.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

describe('VISA through koffi', () => {
  it('finds the vendors’ libraries where they install them', () => {
    expect(visaLibraryCandidates('win32', 'x64')).toEqual(['visa64.dll', 'visa32.dll']);
    expect(visaLibraryCandidates('win32', 'ia32')).toEqual(['visa32.dll']);
    expect(visaLibraryCandidates('linux', 'x64')).toEqual(expect.arrayContaining(['libvisa.so.7', 'libiovisa.so', 'librsvisa.so']));
    expect(visaLibraryCandidates('darwin', 'arm64')).toEqual(['/Library/Frameworks/VISA.framework/VISA']);
  });

  it('says not-found, naming what it tried, when no VISA library is there', () => {
    const err = (() => {
      try {
        VisaLibrary.load('/nonexistent/libvisa.so.7', 'GPIB0::20::INSTR');
      } catch (e) {
        return e as TransportError;
      }
    })();
    expect(err).toBeInstanceOf(TransportError);
    expect(err!.code).toBe('not-found');
    expect(err!.message).toMatch(/^GPIB0::20::INSTR: the VISA library \/nonexistent\/libvisa\.so\.7 \(.*\) could not be loaded; fix instruments.visa_library$/);
  });

  it('keeps the warning short when none of the usual places has a VISA library', () => {
    const err = (() => {
      try {
        VisaLibrary.load(null, 'GPIB0::20::INSTR');
      } catch (e) {
        return e as TransportError;
      }
    })();
    // Where a vendor library is installed, there is nothing to say.
    if (!err) return;
    expect(err.message).toMatch(/no VISA library found \(tried .*\); install the vendor's VISA or set instruments.visa_library$/);
    expect(err.message.length).toBeLessThan(300);
  });

  it('queries a GPIB instrument, and the 34401A driver runs over it unchanged', async () => {
    const t = transport('GPIB0::20::INSTR');
    expect(await t.query('*IDN?')).toBe('HEWLETT-PACKARD,34401A,0,11-5-2');
    // A reading takes 2.1 s of the clock (0.21 s here); its time-out is over 10 times that.
    const driver = new Agilent34401A('dvm', t, clock, { readingTimeoutMs: 60_000, queryTimeoutMs: 20_000 });
    await driver.init();
    const reading = await driver.read();
    expect(reading.raw * -4050.65).toBeCloseTo(3500.5 * 5 + 1.26, 0);
    expect(reading.endedAt - reading.startedAt).toBe(2000);
    await t.close();
  });

  it('gives a typed timeout with the vendor’s description when the instrument stays silent', async () => {
    const t = transport('GPIB0::20::INSTR', 3000);
    dmm.faults.timeout = true;
    const err = await failure(t.query('*IDN?'));
    dmm.faults.timeout = false;
    expect(err.code).toBe('timeout');
    expect(err.message).toBe('GPIB0::20::INSTR: viRead failed: VI_ERROR_TMO: Timeout expired before operation completed.');
    await t.close();
  });

  it('hands VISA a time-out of real time that never shrinks below the clock’s deadline floor', async () => {
    // At ×1000 a 2 s time-out would be 2 ms of real time: shorter than a GPIB transaction takes.
    const fast = new ScaledClock(1000);
    const set: number[] = [];
    const watched = new Proxy(library, {
      get: (target, key, receiver) =>
        key === 'setAttribute'
          ? (vi: number, attribute: number, value: number) => (attribute === VI.ATTR_TMO_VALUE && set.push(value), target.setAttribute(vi, attribute, value))
          : Reflect.get(target, key, receiver),
    });
    const t = new VisaTransport('GPIB0::20::INSTR', () => watched, fast, { timeoutMs: 2000, terminator: '\n' });
    expect(await t.query('*IDN?')).toMatch(/34401A/);
    expect(await t.query('*IDN?', { timeoutMs: 500_000 })).toMatch(/34401A/);
    expect(set).toEqual([DEADLINE_FLOOR_MS, 500]);
    await t.close();
  });

  it('gives not-found for an address nobody answers at', async () => {
    const err = await failure(transport('GPIB0::9::INSTR').open());
    expect(err.code).toBe('not-found');
    expect(err.message).toMatch(/^GPIB0::9::INSTR: viOpen failed: VI_ERROR_RSRC_NFOUND/);
  });

  it('gives closed when the connection is lost, and opens a new session on the next call', async () => {
    const t = transport('GPIB0::20::INSTR');
    expect(await t.query('*IDN?')).toMatch(/34401A/);
    server.dropConnections();
    const err = await failure(t.query('*IDN?'));
    expect(err.code).toBe('closed');
    expect(err.message).toMatch(/VI_ERROR_CONN_LOST/);
    expect(await t.query('*IDN?')).toMatch(/34401A/);
    await t.close();
  });

  it('does not stall the event loop while VISA blocks in a read', async () => {
    // 2 s of real time at this clock's scale: a loop that runs ticks about 200 times in it, one that
    // VISA blocks once at most; 15 leaves a busy machine over 10 times the room it needs.
    const t = transport('GPIB0::20::INSTR', 20_000);
    dmm.faults.timeout = true;
    const pending = t.query('*IDN?').catch(() => 'timed out');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    expect(await pending).toBe('timed out');
    clearInterval(ticker);
    dmm.faults.timeout = false;
    expect(ticks).toBeGreaterThanOrEqual(15);
    await t.close();
  });
});
