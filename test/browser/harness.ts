/// <reference lib="dom" />
// What every browser test file shares: a whole server on the simulated rack (×20 unless told, on
// discrete-event time paced to real time: a busy machine slows the rack down rather than making its
// time-outs come early), Debian's headless Chromium driven by playwright-core, pages opened under
// the server's Content-Security-Policy with every violation and console error collected, and
// screenshots under test-output/browser/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { loadConfig } from '../../src/hv/config/load-config.js';
import { silentLogger } from '../../src/kit/log/logger.js';
import { startServer, type RunningServer } from '../../app/start-server.js';
import type { ServerConfig } from '../../schemas/types.js';
import { PacedClock } from '../helpers/paced-clock.js';

export const shots = new URL('../../test-output/browser/', import.meta.url).pathname;

export interface Harness {
  server: RunningServer;
  clock: PacedClock;
  base: string;
  browser: Browser;
  /** Every Content-Security-Policy violation on any page opened; checked after each test. */
  cspViolations: string[];
  open(path: string, options?: OpenOptions): Promise<{ page: Page; errors: string[] }>;
  /** The simulators' back door. */
  post(command: unknown): Promise<Record<string, unknown>>;
  /** Stops the server and starts it again on the same ports and data, running `whileDown` between. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  at?: string;
  viewport?: { width: number; height: number };
  colorScheme?: BrowserContextOptions['colorScheme'];
  /** Runs on the new page before it loads (an init script of the test's own). */
  before?: (page: Page) => Promise<unknown>;
}

export const launchChromium = () =>
  chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // 127.0.0.1.evil.example: a look-alike host name resolving to this machine, for the cross-origin test.
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--host-resolver-rules=MAP 127.0.0.1.evil.example 127.0.0.1'],
  });

export async function startHarness(options: { timeScale?: number; patch?: (config: ServerConfig) => void } = {}): Promise<Harness> {
  const timeScale = options.timeScale ?? 20;
  mkdirSync(shots, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-browser-'));
  let httpPort = 0;
  let tcpPort = 0;
  const clock = new PacedClock(timeScale);
  const start = async () => {
    const config = loadConfig({ sim: true, tcpPort, httpPort, dataDir, timeScale });
    options.patch?.(config);
    const s = await startServer({ config, clock, log: silentLogger() });
    httpPort = s.http.port;
    tcpPort = s.tcp.port;
    return s;
  };
  const cspViolations: string[] = [];
  const h: Harness = {
    server: await start(),
    clock,
    base: '',
    browser: await launchChromium(),
    cspViolations,
    async open(path, { at = h.base, viewport = { width: 1280, height: 900 }, colorScheme = 'light', before } = {}) {
      const page = await h.browser.newPage({ viewport, colorScheme });
      // A wait that ends only in failure: ten times what the slowest (a chart page laid out, a
      // voltmeter restarted) takes on a quiet machine.
      page.setDefaultTimeout(45_000);
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
        if (/Content Security Policy|CSP violation/.test(m.text())) cspViolations.push(`${path}: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      // Chromium reports a blocked script, style, connection or eval as this event, besides the console line.
      await page.addInitScript(() =>
        document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`)),
      );
      await before?.(page);
      await page.goto(`${at}${path}`);
      return { page, errors };
    },
    post: (command) => fetch(`${h.base}/api/training`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(command) }).then((r) => r.json() as Promise<Record<string, unknown>>),
    async restart(whileDown = async () => {}) {
      await h.server.stop('restart test');
      await whileDown();
      h.server = await start();
    },
    async close() {
      await h.browser.close();
      await h.server.stop();
      await clock.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  h.base = `http://127.0.0.1:${httpPort}`;
  return h;
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

/**
 * One harness for a test file: started before its tests, closed after them, and a test fails on
 * any Content-Security-Policy violation its pages raised. `take` receives the harness once started.
 */
export function harnessForFile(take: (h: Harness) => void, options: Parameters<typeof startHarness>[0] = {}): void {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startHarness(options);
    take(h);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => {
    expect(h!.cspViolations).toEqual([]);
    h!.cspViolations.length = 0;
  });
}
