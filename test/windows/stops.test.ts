// Clean stops of the Windows server under Wine, each as Windows delivers it:
// - Ctrl+C as WinSW stops the service (service-launcher.exe: AttachConsole, SetConsoleCtrlHandler,
//   GenerateConsoleCtrlEvent), with deploy/windows/hv-server-service.xml's own stop timeout;
// - Ctrl+Break and closing the console, delivered by console-event.exe at kernelbase!CtrlRoutine
//   (Wine 8 cannot send either the usual way).
// After each the server has said it is shutting down, written every reading it published, written
// nothing to an instrument after the event, and exited 0 within the README's deadlines (30 s, and
// 5 s for a console going away).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HvConnection, setVoltageCommand } from '../../src/hv/client/hv-connection.js';
import { exitDeadlineMs } from '../../src/kit/cli/stop-signals.js';
import type { LanInstruments } from '../../sim/lan-instruments.js';
import { serverFlags, startSimulatedRack } from './helpers/simulated-gpib.js';
import { cDrive, launchServer, projectRoot, sendConsoleEvent, windowsKit, type Ended } from './helpers/windows-kit.js';

const TIME_SCALE = 5;
const kit = windowsKit();
let lan: LanInstruments;
let gpibEnv: NodeJS.ProcessEnv;

/** WinSW's <stoptimeout> in the shipped XML, in ms: how long it waits after Ctrl+C before it ends the process. */
function winswStopTimeoutMs(): number {
  const xml = readFileSync(join(projectRoot, 'deploy/windows/hv-server-service.xml'), 'utf8');
  const m = /<stoptimeout>\s*(\d+)\s*sec\s*<\/stoptimeout>/.exec(xml);
  if (!m) throw new Error('deploy/windows/hv-server-service.xml has no <stoptimeout>N sec</stoptimeout>');
  // A <stopexecutable> would replace the Ctrl+C this file proves; node.exe gets it first, before
  // whatever it started (a sync command).
  expect(xml.replace(/<!--[\s\S]*?-->/g, '')).not.toMatch(/<stopexecutable>|<stoparguments>/);
  expect(xml).toMatch(/<stopparentprocessfirst>true<\/stopparentprocessfirst>/);
  return Number(m[1]) * 1000;
}

beforeAll(async () => {
  ({ lan, gpibEnv } = await startSimulatedRack(TIME_SCALE));
});

afterAll(async () => {
  await lan?.close();
});

const instruments = ['calibrator', 'ao', 'divider-1', 'divider-2', 'gun'] as const;
const device = (name: (typeof instruments)[number]) => (name === 'calibrator' ? lan.rack.output(1) : name === 'ao' ? lan.rack.output(2) : lan.rack.voltmeter(name));
/**
 * What may reach an instrument while the server stops: questions and the readings still being
 * taken (the voltmeters read until the actors stop, and those readings are written too). Anything
 * else (OUT, OPER, STBY, *RST, CONF, #01...) would change an output or a setting.
 */
const QUESTION_OR_READING = /^(\*IDN\?|OPER\?|OUT\?|ERR\?|SYST:ERR\?|ABOR;INIT|FETC\?|\$01[26])$/;

/**
 * Runs the rack under the launcher (the ADAM module on its LAN port), sets block 2, lets a few
 * readings arrive, then stops it with `stop`; returns the end, the console, what was published
 * and what each instrument received after the stop began.
 */
async function runAndStop(name: string, stop: (server: { pid: number; stop: (how: 'ctrl-c' | 'wait') => Promise<Ended> }) => Promise<Ended>) {
  const rack = readFileSync(join(projectRoot, 'examples/rack.yaml'), 'utf8').replace('"ASRL3::INSTR"', `"TCPIP::127.0.0.1::${lan.ports.ao}::SOCKET"`);
  const config = cDrive(kit, `hv config тест/${name}.yaml`);
  const data = cDrive(kit, `hv data тест/${name}`);
  mkdirSync(join(config.linux, '..'), { recursive: true });
  writeFileSync(config.linux, rack);
  const server = await launchServer(kit, serverFlags(config.windows, data.windows, TIME_SCALE), { stopTimeoutMs: winswStopTimeoutMs(), extraEnv: gpibEnv });
  try {
    const online = await HvConnection.open('127.0.0.1', server.tcpPort);
    for (let block = 0; block < 3; block++) await online.next((m) => m.answer_type === 'get_voltage' && m.block === 1, 60_000);
    // A command, so the stop comes after the server has driven an output.
    let answer = {} as Record<string, unknown>;
    for (let i = 0; i < 20 && answer.status !== 'ok'; i++) {
      const pending = online.answer(60_000);
      online.send(setVoltageCommand(2, 250));
      answer = await pending;
    }
    expect(answer).toMatchObject({ status: 'ok' });
    await online.next((m) => m.answer_type === 'get_voltage' && m.block === 2, 60_000);
    const before = Object.fromEntries(instruments.map((n) => [n, device(n).heard.count]));
    const ended = await stop(server);
    await online.closed;
    const after = Object.fromEntries(instruments.map((n) => [n, device(n).heard.since(before[n]!)]));
    const published = (block: number) => online.received.filter((m) => m.answer_type === 'get_voltage' && m.block === block).map((m) => String(m.voltage));
    const rows = (series: string) => readFileSync(onlyReadingsFile(join(data.linux, series)), 'utf8').trim().split('\n').slice(1).map((row) => row.split('\t')[1]!);
    return { ended, console: server.console(), published, rows, after, readyAfterMs: server.readyAfterMs };
  } catch (err) {
    server.kill();
    throw err;
  }
}

/** The day's readings file of a series (a run this short stays within one day, unless it crosses midnight). */
function onlyReadingsFile(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.tsv'));
  if (files.length !== 1) throw new Error(`expected one readings file in ${dir}, found ${files.join(', ') || 'none'}`);
  return join(dir, files[0]!);
}

function expectCleanStop(result: Awaited<ReturnType<typeof runAndStop>>, signal: NodeJS.Signals) {
  const { ended, console: out } = result;
  expect(ended.killed, out).toBe(false);
  expect(ended.code, out).toBe(0);
  expect(ended.ms).toBeLessThan(exitDeadlineMs(signal, 'win32'));
  expect(out).toMatch(/shutting down: no new clients; ending commands in flight/);
  expect(out).toContain(signal);
  expect(out).toMatch(/readings log flushed and closed/);
  expect(out).toMatch(/\bstopped\b/);
  // Every reading published to Online was written, in order: HV is divider 1 (block 1), HV2
  // divider 2 (block 2). The file may hold more: readings taken before Online connected, and
  // those taken after the stop closed its connection.
  for (const [series, block] of [['HV', 1], ['HV2', 2]] as const) {
    const rows = result.rows(series);
    const published = result.published(block);
    expect(published.length).toBeGreaterThan(0);
    const first = rows.indexOf(published[0]!);
    expect(rows.slice(first, first + published.length), `${series}: ${rows.join(' ')}`).toEqual(published);
  }
  // Nothing but questions and readings went to an instrument once the stop began: the outputs keep what they have.
  const written = Object.entries(result.after).flatMap(([name, messages]) => messages.filter((m) => !QUESTION_OR_READING.test(m)).map((m) => `${name}: ${m}`));
  expect(written).toEqual([]);
  // The figures the README quotes.
  console.log(`${signal}: exit ${ended.code} ${ended.ms} ms after the event; ${result.rows('HV').length} + ${result.rows('HV2').length} readings written; ready ${result.readyAfterMs} ms after start; after the event: ${JSON.stringify(result.after)}`);
}

describe('clean stops under Wine', () => {
  it('Ctrl+C as WinSW sends it: the server stops cleanly within the XML’s stop timeout and its own 30 s', async () => {
    const result = await runAndStop('ctrl-c', (server) => server.stop('ctrl-c'));
    expectCleanStop(result, 'SIGINT');
    expect(winswStopTimeoutMs()).toBeGreaterThan(exitDeadlineMs('SIGINT', 'win32'));
  });

  it.each([
    ['Ctrl+Break', 'break', 'SIGBREAK'],
    ['closing the console', 'close', 'SIGHUP'],
  ] as const)('%s through kernelbase!CtrlRoutine: a clean stop within 5 s', async (_what, event, signal) => {
    const result = await runAndStop(event, async (server) => {
      const ending = server.stop('wait');
      const sentAt = await sendConsoleEvent(kit, server.pid, event);
      const ended = await ending;
      // From the event to the end, both on Windows' tick count.
      return { ...ended, ms: ended.tick - sentAt };
    });
    expectCleanStop(result, signal);
  });
});
