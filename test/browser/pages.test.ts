/// <reference lib="dom" />
// The operator view, the state-chart visualizer and the training controls in a real headless
// Chromium (Debian's, driven by playwright-core), against a whole server on the simulated rack at
// ×20. Each test saves a screenshot under test-output/browser/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/clock/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/log/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';

const shots = new URL('../../test-output/browser/', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'hv-browser-'));
let server: RunningServer;
let browser: Browser;
let base: string;
let httpPort = 0;
let tcpPort = 0;

async function start(): Promise<RunningServer> {
  const config = loadConfig({ sim: true, tcpPort, httpPort, dataDir, timeScale: 20 });
  const s = await startServer({ config, clock: new ScaledClock(20), log: silentLogger() });
  httpPort = s.http.port;
  tcpPort = s.tcp.port;
  base = `http://127.0.0.1:${httpPort}`;
  return s;
}

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}${path}`);
  return { page, errors };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  server = await start();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('operator view', () => {
  it('loads with no console errors, and readings appear on the plots', async () => {
    const { page, errors } = await open('/');
    await page.waitForFunction(() => /^-?\d+\.\d{3}$/.test(document.querySelector('[data-block="1"] .reading')?.textContent ?? ''), undefined, { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-block="1"] canvas').length > 0);
    expect(await page.locator('#connection').textContent()).toBe('connected');
    await shot(page, 'operator-readings');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sets 1000 V on block 1: the badge passes through ramping and back to idle, and the answer is logged', async () => {
    const { page, errors } = await open('/');
    await page.waitForSelector('[data-block="1"] form');
    // Record every state the badge shows.
    await page.evaluate(() => {
      const card = document.querySelector('[data-block="1"]')!;
      (window as unknown as { seen: string[] }).seen = [];
      new MutationObserver(() => (window as unknown as { seen: string[] }).seen.push((card as HTMLElement).dataset.state ?? '')).observe(card, { attributes: true, attributeFilter: ['data-state'] });
    });
    await page.fill('[data-block="1"] input[name=voltage]', '1000');
    await page.fill('[data-block="1"] input[name=max_error]', '0.5');
    await page.click('[data-block="1"] button[type=submit]');
    await page.waitForFunction(() => /set_voltage_and_check block 1: ok/.test(document.getElementById('log')?.textContent ?? ''), undefined, { timeout: 30_000 });
    await page.waitForFunction(() => (document.querySelector('[data-block="1"]') as HTMLElement).dataset.state === 'idle');
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen).toContain('ramping');
    expect(seen.indexOf('idle', seen.indexOf('ramping'))).toBeGreaterThan(seen.indexOf('ramping'));
    await shot(page, 'operator-set-1000V');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses an out-of-range voltage before sending it', async () => {
    const { page } = await open('/');
    await page.waitForSelector('[data-block="2"] form');
    await page.fill('[data-block="2"] input[name=voltage]', '5000');
    await page.click('[data-block="2"] button[type=submit]');
    expect(await page.locator('[data-block="2"] .form-error').textContent()).toBe("5000 V is outside block 2's range, 0 to 1000 V: not sent.");
    expect(await page.locator('#log').textContent()).not.toMatch(/sent set_voltage/);
    await shot(page, 'operator-refused');
    await page.close();
  });

  it('switches HV off only after the operator confirms', async () => {
    const { page } = await open('/');
    await page.waitForSelector('[data-block="2"] form');
    page.once('dialog', (d) => void d.dismiss());
    await page.click('[data-block="2"] .hv-off');
    expect(await page.locator('#log').textContent()).not.toMatch(/HV off/);
    page.once('dialog', (d) => {
      expect(d.message()).toBe('Set block 2 to 0 V?');
      void d.accept();
    });
    await page.click('[data-block="2"] .hv-off');
    await page.waitForFunction(() => /set_voltage block 2: ok/.test(document.getElementById('log')?.textContent ?? ''), undefined, { timeout: 15_000 });
    await shot(page, 'operator-hv-off');
    await page.close();
  });
});

describe('state-chart visualizer', () => {
  it('draws every actor and highlights the transitions a command makes', async () => {
    const { page, errors } = await open('/debug');
    await page.waitForSelector('[data-actor="block-1"] .state-node.active', { timeout: 15_000 });
    // The supervisor, three voltmeters, two blocks and two connectors.
    await page.waitForFunction(() => document.querySelectorAll('.actor svg').length === 8);
    await page.evaluate(() => {
      const card = document.querySelector('[data-actor="block-1"]') as HTMLElement;
      (window as unknown as { seen: string[] }).seen = [];
      new MutationObserver(() => (window as unknown as { seen: string[] }).seen.push(card.dataset.state ?? '')).observe(card, { attributes: true, attributeFilter: ['data-state'] });
    });
    const { HvConnection, checkCommand } = await import('../../src/client/hv-connection.js');
    const online = await HvConnection.open('127.0.0.1', tcpPort);
    const answer = online.answer(30_000);
    online.send(checkCommand(1, 2000, 0.5, 20));
    expect(await answer).toMatchObject({ status: 'ok' });
    await page.waitForFunction(() => /idle/.test((document.querySelector('[data-actor="block-1"]') as HTMLElement).dataset.state ?? ''));
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.some((s) => s.includes('ramping'))).toBe(true);
    expect(seen.some((s) => s.includes('correcting'))).toBe(true);
    expect(await page.locator('#timeline').textContent()).toMatch(/block-1 {2}COMMAND → ramping/);
    await page.click('[data-actor="block-1"]');
    await page.waitForFunction(() => /"setpoint": 2000/.test(document.getElementById('context')?.textContent ?? ''));
    expect(await page.locator('#context').textContent()).toMatch(/"correction": \{\n\s+"strategy": "ours"/);
    await shot(page, 'debug-state-charts');
    expect(errors).toEqual([]);
    await online.close();
    await page.close();
  });

  it('shows a voltmeter fault turning its actor to error, and the supervisor’s restart bringing it back', async () => {
    const { page } = await open('/debug');
    await page.waitForSelector('[data-actor="voltmeter-divider-1"][data-supervision="running"]', { timeout: 15_000 });
    const post = (command: unknown) => fetch(`${base}/api/training`, { method: 'POST', body: JSON.stringify(command) }).then((r) => r.json());
    expect(await post({ cmd: 'fault', device: 'voltmeter-1', fault: 'offline', on: true })).toMatchObject({ ok: true });
    await page.waitForSelector('[data-actor="voltmeter-divider-1"][data-supervision="restarting"]', { timeout: 20_000 });
    await shot(page, 'debug-voltmeter-restarting');
    expect(await post({ cmd: 'fault', device: 'voltmeter-1', fault: 'offline', on: false })).toMatchObject({ ok: true });
    await page.waitForSelector('[data-actor="voltmeter-divider-1"][data-supervision="running"]', { timeout: 20_000 });
    expect(await page.locator('#timeline').textContent()).toMatch(/voltmeter-divider-1 started/);
    await shot(page, 'debug-voltmeter-back');
    await page.close();
  });
});

describe('training controls', () => {
  it('injects a fault from the page and logs it', async () => {
    const { page, errors } = await open('/training');
    await page.click('text=Noise burst');
    await page.waitForFunction(() => /done: \{"cmd":"noise_burst"/.test(document.getElementById('log')?.textContent ?? ''));
    await shot(page, 'training');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('server restart', () => {
  it('the operator page shows it is offline, reconnects by itself and shows readings again', async () => {
    const { page } = await open('/');
    await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'connected');
    await server.stop('restart test');
    await page.waitForFunction(() => document.body.classList.contains('offline'), undefined, { timeout: 10_000 });
    await shot(page, 'operator-offline');
    server = await start();
    await page.waitForFunction(() => !document.body.classList.contains('offline'), undefined, { timeout: 15_000 });
    const before = await page.locator('[data-block="1"] .reading').textContent();
    await page.waitForFunction((b) => document.querySelector('[data-block="1"] .reading')?.textContent !== b, before, { timeout: 15_000 });
    await shot(page, 'operator-reconnected');
    await page.close();
  });
});
