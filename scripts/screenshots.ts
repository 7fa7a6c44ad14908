// `npm run screenshots`: the README's pictures of the three pages (operator, state charts,
// training) at desktop and phone width, in light and dark, taken from a real server on the
// simulated rack with Debian's Chromium (playwright-core), into docs/screenshots/.
//
// The rack is run fast (×60) through a short scripted shift so the plots have history: block 1
// set to 18.6 kV, then stepped down 50 V; block 2 to 300 V; a 50 mV voltmeter offset that the
// block corrects; a note. Then back to real time, and a supply trip on block 2 that recovers by
// itself, so the pictures show an alarm latched until someone acknowledges it (whatever else the
// fast shift raised is acknowledged first). Chromium: $CHROMIUM or /usr/bin/chromium.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ScaledClock } from '../src/kit/clock/clock.js';
import { HvConnection, checkCommand } from '../src/hv/client/hv-connection.js';
import { loadConfig } from '../src/hv/config/load-config.js';
import { silentLogger } from '../src/kit/log/logger.js';
import { startServer, type RunningServer } from '../app/start-server.js';

const OUT = new URL('../../docs/screenshots/', import.meta.url).pathname;
const SPEED = 60;

const PAGES = [
  { name: 'operator', path: '/', ready: '[data-block="gun"] canvas' },
  { name: 'debug', path: '/debug', ready: '[data-actor="ws"] svg' },
  { name: 'training', path: '/training', ready: '.device[data-device="supply-2"]' },
] as const;
const SIZES = [
  { name: 'desktop', viewport: { width: 1440, height: 1000 }, fullPage: true },
  { name: 'phone', viewport: { width: 390, height: 844 }, fullPage: false },
] as const;
const SCHEMES = ['light', 'dark'] as const;

async function command(server: RunningServer, block: number, volts: number, tolerance: number): Promise<void> {
  const online = await HvConnection.open('127.0.0.1', server.tcp.port);
  const answer = online.answer(120_000);
  online.send(checkCommand(block, volts, tolerance, 60));
  const result = await answer;
  await online.close();
  console.log(`  set_voltage_and_check block ${block} ${volts} V: ${String(result.status)}`);
}

/** Real time passing while the rack runs: `rackSeconds` of its clock. */
const rackTime = (rackSeconds: number) => new Promise((resolve) => setTimeout(resolve, (rackSeconds * 1000) / SPEED));

async function shift(server: RunningServer, base: string): Promise<void> {
  console.log('a short shift on the simulated rack, ×60:');
  await Promise.all([command(server, 1, 18_600, 0.1), command(server, 2, 300, 0.5)]);
  await rackTime(12 * 60);
  server.control!.apply({ cmd: 'offset', device: 'voltmeter-1', volts: 0.05 });
  await rackTime(4 * 60);
  server.control!.apply({ cmd: 'offset', device: 'voltmeter-1', volts: 0 });
  await rackTime(6 * 60);
  await command(server, 1, 18_550, 0.1);
  await fetch(`${base}/api/note`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Scan 42 started: 18.6 kV, then 18.55 kV' }) });
  await rackTime(10 * 60);
  server.control!.apply({ cmd: 'time_scale', value: 1 });
  await latchedTrip(server, base);
}

interface Listed {
  source: string;
  code: string;
  active: boolean;
  acknowledged: boolean;
}

const alarms = async (base: string) => ((await (await fetch(`${base}/api/alarms`)).json()) as { alarms: Listed[] }).alarms;

async function acknowledge(base: string, body: Record<string, unknown>): Promise<void> {
  await fetch(`${base}/api/alarms/acknowledge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Resolves once `test` holds for the alarm book, looked at every half second of real time (the rack is at ×1 here). */
async function until(base: string, test: (listed: Listed[]) => boolean, what: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (test(await alarms(base))) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the alarm book never showed ${what} within 60 s`);
}

/** Block 2's supply trips and comes back: NO_OUTPUT stays listed, latched, for the pictures. */
async function latchedTrip(server: RunningServer, base: string): Promise<void> {
  await until(base, (listed) => listed.every((a) => !a.active), 'no active alarm');
  await acknowledge(base, { all: true, note: 'the fast shift before the pictures' });
  server.control!.apply({ cmd: 'trip', block: 2, on: true });
  const tripped = (a: Listed) => a.source === 'block-2' && a.code === 'NO_OUTPUT';
  await until(base, (listed) => listed.some((a) => tripped(a) && a.active), 'block 2 tripped');
  server.control!.apply({ cmd: 'trip', block: 2, on: false });
  await until(base, (listed) => listed.some((a) => tripped(a) && !a.active), 'block 2 back');
  // The outlier the trip began with: acknowledged, so the pictures show the one that matters.
  for (const a of await alarms(base)) if (!a.acknowledged && !tripped(a)) await acknowledge(base, { source: a.source, code: a.code, note: 'the first reading of the trip' });
  console.log('  block 2 tripped and recovered: NO_OUTPUT latched');
}

async function take(browser: Browser, base: string): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  for (const page of PAGES) {
    for (const size of SIZES) {
      for (const scheme of SCHEMES) {
        const tab = await browser.newPage({ viewport: size.viewport, colorScheme: scheme });
        await tab.goto(`${base}${page.path}`);
        await tab.waitForSelector(page.ready, { timeout: 30_000 });
        // Let the history draw and the status poll settle (the clock, the badges).
        await tab.waitForTimeout(2500);
        const file = join(OUT, `${page.name}-${size.name}-${scheme}.png`);
        await tab.screenshot({ path: file, fullPage: size.fullPage });
        console.log(`  ${file}`);
        await tab.close();
      }
    }
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-screenshots-'));
  const config = loadConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir, timeScale: SPEED });
  const server = await startServer({ config, clock: new ScaledClock(SPEED), log: silentLogger() });
  const base = `http://127.0.0.1:${server.http.port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'] });
  try {
    await shift(server, base);
    console.log(`screenshots into ${OUT}:`);
    await take(browser, base);
  } finally {
    await browser.close();
    await server.stop('screenshots taken');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
