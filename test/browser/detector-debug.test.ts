/// <reference lib="dom" />
// The kit's /debug page on the detector example, in headless Chromium: it draws the detector's own
// machines (a counting module, not a block) from /api/machines and follows a module live.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startDetectorServer, type RunningDetector } from '../../app/start-detector.js';
import { loadDetectorConfig } from '../../detector/detector-config.js';
import { silentLogger } from '../../src/kit/log/logger.js';
import { PacedClock } from '../helpers/paced-clock.js';
import { launchChromium } from './harness.js';

let server: RunningDetector;
const clock = new PacedClock(10);
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'detector-browser-'));
  const config = loadDetectorConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir, timeScale: 10 });
  server = await startDetectorServer({ config, clock, log: silentLogger() });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop('test finished');
  await clock.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('/debug on the detector', () => {
  it("draws the module's machine and highlights where the module is, live", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://${server.http.host}:${server.http.port}/debug`);
    // supervisor, one module, two connectors
    await page.waitForFunction(() => document.querySelectorAll('.actor svg').length === 4);
    const kinds = await page.$$eval('.actor .kind', (els) => els.map((e) => e.textContent));
    expect(kinds.sort()).toEqual(['connector', 'connector', 'module', 'supervisor']);
    await page.waitForSelector('[data-actor="module-det-1"][data-state^="idle"]');

    // A client starts an acquisition over the websocket; the chart follows.
    const ws = new WebSocket(`ws://${server.http.host}:${server.http.port}/channel`);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'command', command_type: 'start_acquisition', module: 'det-1', interval_s: 1 }));
    await page.waitForSelector('[data-actor="module-det-1"][data-state*="acquiring"]');
    const labels = await page.$$eval('[data-actor="module-det-1"] svg text', (els) => els.map((e) => e.textContent));
    // Initial states are marked ▸; the edges carry their events.
    expect(labels).toEqual(expect.arrayContaining(['▸ idle', 'acquiring', '▸ counting', 'reading', 'error', 'after interval', 'ABORT']));
    ws.close();
    expect(errors).toEqual([]);
  });
});
