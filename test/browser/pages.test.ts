/// <reference lib="dom" />
// The operator view and its alarms, who set what, the state-chart visualizer, access by token,
// the Content-Security-Policy, pages from other origins and a server restart, in a real
// headless Chromium (Debian's, driven by playwright-core), against a whole server on the simulated
// rack at ×20 (paced discrete-event time); every page under its Content-Security-Policy (a violation fails the test); a page
// from another origin trying to move the high voltage. Each test saves a screenshot under
// test-output/browser/.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/hv/config/load-config.js';
import { silentLogger } from '../../src/kit/log/logger.js';
import { startServer, type RunningServer } from '../../app/start-server.js';
import { PacedClock } from '../helpers/paced-clock.js';
import { acknowledgeAll, settleAlarms } from './alarms-settled.js';
import { shot, startHarness, type Harness } from './harness.js';
import { holdVoltage } from './hold-voltage.js';

let h: Harness;
const open = (path: string, at?: string) => h.open(path, at === undefined ? {} : { at });
/** The activity feed's text: this page's notes, every client's commands, the alarms. */
const activity = (page: Page) => page.locator('#activity-table').textContent();

beforeAll(async () => {
  h = await startHarness();
}, 60_000);

afterAll(async () => {
  await h?.close();
});

afterEach(() => {
  expect(h.cspViolations).toEqual([]);
  h.cspViolations.length = 0;
});

describe('operator view', () => {
  it('loads with no console errors, and readings appear on the plots', async () => {
    const { page, errors } = await open('/');
    await page.waitForFunction(() => /^-?\d+\.\d{3}$/.test(document.querySelector('[data-block="1"] .reading')?.textContent ?? ''));
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
    await page.waitForFunction(() => /set_voltage_and_check block 1: ok/.test(document.querySelector('[data-block="1"] .form-status')?.textContent ?? ''));
    expect(await activity(page)).toMatch(/set_voltage_and_check block 1: ok/);
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
    expect(await page.locator('#activity-panel').textContent()).not.toMatch(/sent set_voltage/);
    await shot(page, 'operator-refused');
    await page.close();
  });

  it('switches HV off only after the operator confirms', async () => {
    const { page } = await open('/');
    await page.waitForSelector('[data-block="2"] form');
    page.once('dialog', (d) => void d.dismiss());
    await page.click('[data-block="2"] .hv-off');
    expect(await page.locator('#activity-panel').textContent()).not.toMatch(/HV off/);
    page.once('dialog', (d) => {
      expect(d.message()).toBe('Set block 2 to 0 V?');
      void d.accept();
    });
    await page.click('[data-block="2"] .hv-off');
    await page.waitForFunction(() => /set_voltage block 2: ok/.test(document.getElementById('activity-table')?.textContent ?? ''));
    await shot(page, 'operator-hv-off');
    await page.close();
  });
});

describe('alarms', () => {
  const post = (command: unknown) => h.post(command);
  type Seen = { seen: string[] };

  it('a supply trip raises NO_OUTPUT on the panel and block 1’s card, and on the state chart; recovered, the card clears and the panel keeps it latched until acknowledged', async () => {
    // Block 1 holding 1000 V: a trip there is well below half of what the output should give.
    await holdVoltage(h.server.tcp.port, 1, 1000, 0.5, 20);

    const { page, errors } = await open('/');
    const debug = await open('/debug');
    try {
      await settleAlarms(h.base, page);
      expect(await page.locator('#no-alarms').textContent()).toMatch(/^No (active alarms|alarms besides the shelved ones)$/);
      await page.waitForSelector('[data-block="1"][data-state="idle"]');
      await debug.page.waitForSelector('[data-actor="block-1"] .state-node.active');
      // Every look block 1's card takes: its badge must never say idle while it has an alarm.
      await page.evaluate(() => {
        const card = document.querySelector('[data-block="1"]') as HTMLElement;
        const badge = card.querySelector('.badge.state')!;
        const w = window as unknown as Seen;
        w.seen = [];
        const note = () => w.seen.push(`${badge.className}|${card.dataset.alarm ?? ''}`);
        new MutationObserver(note).observe(card, { attributes: true, childList: true, characterData: true, subtree: true });
      });

      expect(await post({ cmd: 'trip', block: 1 })).toMatchObject({ ok: true });
      const row = page.locator('#alarm-list li[data-source="block-1"][data-code="NO_OUTPUT"]');
      await row.waitFor();
      expect(await row.locator('.alarm-head > span').allTextContents()).toEqual([
        'MAJOR',
        'NO_OUTPUT',
        'block-1 sim::calibrator',
        'LOLO',
        expect.stringMatching(/^active since \d{2}:\d{2}:\d{2}$/),
        'unacknowledged',
        '',
      ]);
      expect(await row.locator('.message').textContent()).toMatch(/^the reading .* V is below .* the supply has tripped or its output is off$/);
      expect(await row.locator('.guidance').textContent()).toMatch(/^Check first: .*interlock/);
      expect(await page.locator('#no-alarms').isVisible()).toBe(false);
      // The card: its most severe alarm (the panel's first row for block 1: NO_OUTPUT, unless the
      // loaded machine lost a reading meanwhile) with code and message, and a badge in alarm, not idle.
      const card = page.locator('[data-block="1"]');
      await page.waitForSelector('[data-block="1"][data-state="alarm"] .card-alarm:not([hidden])');
      await page.waitForFunction(() => (document.querySelector('[data-block="1"] .card-alarm')?.textContent ?? '').includes('NO_OUTPUT'));
      const shown = await page.evaluate(() => {
        const el = document.querySelector('[data-block="1"]') as HTMLElement;
        const top = document.querySelector('#alarm-list li[data-source="block-1"][data-active="true"]') as HTMLElement;
        return {
          card: [el.dataset.alarm, el.querySelector('.card-alarm .code')?.textContent, el.querySelector('.card-alarm .message')?.textContent],
          panel: [top.dataset.code, top.dataset.code, top.querySelector('.message')?.textContent],
        };
      });
      expect(shown.card).toEqual(shown.panel);
      expect(await card.locator('.badge.state').textContent()).toBe('alarm');
      expect(await card.locator('.badge.state').getAttribute('class')).toBe('badge state alarm alarmed sev-major');
      // Told by the channel as it happened, not only found by the next status poll.
      await page.waitForSelector('#activity-table tr[data-kind="alarm"][data-change="raised"][data-source="block-1"][data-code="NO_OUTPUT"]');
      expect(await page.locator('#activity-table tr[data-change="raised"][data-code="NO_OUTPUT"] td.what').first().textContent()).toMatch(/^NO_OUTPUT raised \(MAJOR, LOLO\): the reading/);
      // The state chart shows the block in its alarm state.
      await debug.page.waitForSelector('[data-actor="block-1"] .state-node.active[data-node="block.alarm.watching"]');
      await shot(page, 'operator-alarm');
      await shot(debug.page, 'debug-alarm');

      expect(await post({ cmd: 'trip', block: 1, on: false })).toMatchObject({ ok: true });
      await page.waitForSelector('[data-block="1"][data-state="idle"]:not([data-alarm="NO_OUTPUT"])');
      expect(await card.locator('.card-alarm').isVisible()).toBe(false);
      // The panel keeps it, latched, until someone acknowledges it.
      await page.waitForSelector('#alarm-list li[data-source="block-1"][data-code="NO_OUTPUT"][data-latched="true"]');
      expect(await row.locator('.tag.condition').textContent()).toMatch(/^latched — cleared at \d{2}:\d{2}:\d{2}$/);
      await page.fill('#ack-all input[name="note"]', 'trip test');
      await page.click('#ack-all button');
      // Cleared and acknowledged: it leaves the list.
      await row.waitFor({ state: 'detached' });
      expect(await card.locator('.badge.state').getAttribute('class')).toBe('badge state idle');
      await page.waitForSelector('#activity-table tr[data-kind="alarm"][data-change="cleared"][data-source="block-1"][data-code="NO_OUTPUT"]');
      await debug.page.waitForSelector('[data-actor="block-1"] .state-node.active[data-node="block.idle"]');
      const seen = await page.evaluate(() => (window as unknown as Seen).seen);
      expect(seen.some((s) => /\|[A-Z_]+$/.test(s))).toBe(true);
      expect(seen.filter((s) => /\bidle\b.*\|.+$/.test(s))).toEqual([]);
      await shot(page, 'operator-alarm-cleared');
      expect(errors).toEqual([]);
      expect(debug.errors).toEqual([]);
    } finally {
      await post({ cmd: 'trip', block: 1, on: false });
      await acknowledgeAll(h.base);
      await page.close();
      await debug.page.close();
    }
  }, 60_000);
});

describe('state-chart visualizer', () => {
  it('draws every actor and highlights the transitions a command makes', async () => {
    const { page, errors } = await open('/debug');
    await page.waitForSelector('[data-actor="block-1"] .state-node.active');
    // The supervisor, three voltmeters, two blocks and two connectors.
    await page.waitForFunction(() => document.querySelectorAll('.actor svg').length === 8);
    // The block's alarm state and idle's output probe are drawn, each nested inside its parent.
    const inside = await page.evaluate(() => {
      const box = (id: string) => (document.querySelector(`[data-actor="block-1"] [data-node="${id}"] rect`) as SVGGraphicsElement | null)?.getBBox() ?? null;
      const within = (child: string, parent: string) => {
        const c = box(child);
        const p = box(parent);
        return !!c && !!p && c.width > 0 && c.x >= p.x && c.y >= p.y && c.x + c.width <= p.x + p.width && c.y + c.height <= p.y + p.height;
      };
      return [within('block.alarm.checkingOutput', 'block.alarm'), within('block.alarm.watching', 'block.alarm'), within('block.idle.probing', 'block.idle')];
    });
    expect(inside).toEqual([true, true, true]);
    await page.evaluate(() => {
      const card = document.querySelector('[data-actor="block-1"]') as HTMLElement;
      (window as unknown as { seen: string[] }).seen = [];
      new MutationObserver(() => (window as unknown as { seen: string[] }).seen.push(card.dataset.state ?? '')).observe(card, { attributes: true, attributeFilter: ['data-state'] });
    });
    const { HvConnection, checkCommand } = await import('../../src/hv/client/hv-connection.js');
    const online = await HvConnection.open('127.0.0.1', h.server.tcp.port);
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
    await page.waitForSelector('[data-actor="voltmeter-divider-1"][data-supervision="running"]');
    const post = (command: unknown) => h.post(command);
    expect(await post({ cmd: 'fault', device: 'voltmeter-1', fault: 'offline', on: true })).toMatchObject({ ok: true });
    await page.waitForSelector('[data-actor="voltmeter-divider-1"][data-supervision="restarting"]');
    await shot(page, 'debug-voltmeter-restarting');
    expect(await post({ cmd: 'fault', device: 'voltmeter-1', fault: 'offline', on: false })).toMatchObject({ ok: true });
    await page.waitForSelector('[data-actor="voltmeter-divider-1"][data-supervision="running"]');
    expect(await page.locator('#timeline').textContent()).toMatch(/voltmeter-divider-1 started/);
    await shot(page, 'debug-voltmeter-back');
    await page.close();
  });
});

describe('who set what', () => {
  it('the operator page lists each command with who sent it and how it ended, live', async () => {
    const { page, errors } = await open('/');
    await page.waitForFunction(() => document.getElementById('access-state')?.textContent === 'this page may set voltages, by address 127.0.0.1');
    expect(await page.locator('#token-form').isVisible()).toBe(false);
    const { HvConnection, checkCommand } = await import('../../src/hv/client/hv-connection.js');
    const online = await HvConnection.open('127.0.0.1', h.server.tcp.port);
    const answer = online.answer(30_000);
    online.send(checkCommand(2, 300, 0.5, 20));
    expect(await answer).toMatchObject({ status: 'ok' });
    await online.close();
    const row = page.locator('#activity-table tbody tr[data-kind="command"]', { hasText: 'set_voltage_and_check block 2 to 300 V (±0.5 V, 20 s)' }).first();
    await page.waitForFunction(() => document.querySelector('#activity-table tbody tr[data-kind="command"]')?.getAttribute('data-outcome') === 'ok');
    expect(await row.locator('td').allTextContents()).toEqual([
      expect.stringMatching(/^\d{2}:\d{2}:\d{2}$/),
      'command',
      '127.0.0.1',
      'TCP',
      'set_voltage_and_check block 2 to 300 V (±0.5 V, 20 s)',
      expect.stringMatching(/^ok: read (29\d|30\d)\.\d{3} V, error -?\d\.\d{3} V$/),
    ]);
    // A command from the page itself is listed as the web's.
    await page.fill('[data-block="2"] input[name=voltage]', '200');
    await page.selectOption('[data-block="2"] select[name=kind]', 'set_voltage');
    await page.click('[data-block="2"] button[type=submit]');
    await page.locator('#activity-table tbody tr[data-kind="command"][data-outcome="ok"]', { hasText: 'set_voltage block 2 to 200 V' }).locator('td.via', { hasText: 'web' }).waitFor();
    // The filter: no commands, then only what matches a text.
    await page.uncheck('#activity-filter input[value="command"]');
    await expect.poll(() => page.locator('#activity-table tbody tr[data-kind="command"]').count()).toBe(0);
    await page.check('#activity-filter input[value="command"]');
    await page.fill('#activity-filter input[name="text"]', 'to 300 V');
    await expect.poll(async () => (await page.locator('#activity-table tbody tr td.what').allTextContents()).every((t) => t.includes('to 300 V'))).toBe(true);
    expect(await page.locator('#activity-table tbody tr td.what').allTextContents()).toEqual(expect.arrayContaining(['set_voltage_and_check block 2 to 300 V (±0.5 V, 20 s)']));
    expect((await page.locator('#activity-table tbody tr td.what').allTextContents()).every((t) => t.includes('to 300 V'))).toBe(true);
    await page.fill('#activity-filter input[name="text"]', '');
    // A note for the shift, kept with who wrote it.
    await page.fill('#note-form input[name="text"]', 'Online restarted for run 42');
    await page.click('#note-form button[type=submit]');
    const noteRow = page.locator('#activity-table tbody tr[data-kind="note"]').first();
    await noteRow.waitFor();
    expect(await noteRow.locator('td').allTextContents()).toEqual([expect.stringMatching(/^\d{2}:\d{2}:\d{2}$/), 'note', '127.0.0.1', 'HTTP', 'Online restarted for run 42', '']);
    expect(await page.locator('#note-form input[name="text"]').inputValue()).toBe('');
    await shot(page, 'operator-audit');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a page without control by its address', () => {
  const TOKEN = 'the-operators-token-0123456789abcdef';
  let monitorOnly: RunningServer;
  const clock = new PacedClock(20);
  let at = '';
  const dir = mkdtempSync(join(tmpdir(), 'hv-browser-token-'));

  beforeAll(async () => {
    const config = loadConfig({ sim: true, tcpPort: 0, httpPort: 0, dataDir: dir, timeScale: 20, allowControl: [] });
    config.access.token = TOKEN;
    monitorOnly = await startServer({ config, clock, log: silentLogger() });
    at = `http://127.0.0.1:${monitorOnly.http.port}`;
  }, 30_000);
  afterAll(async () => {
    await monitorOnly?.stop();
    await clock.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('only watches until the operator enters the token; then it sets voltages, and gives the token up again', async () => {
    const { page, errors } = await open('/', at);
    const state = page.locator('#access-state');
    await page.waitForFunction(() => document.getElementById('access-state')?.textContent === 'this page may only watch (127.0.0.1)');
    await page.waitForSelector('[data-block="2"] form');
    // A command now is refused by the server, and says why.
    await page.fill('[data-block="2"] input[name=voltage]', '100');
    await page.selectOption('[data-block="2"] select[name=kind]', 'set_voltage');
    await page.click('[data-block="2"] button[type=submit]');
    await page.waitForFunction(() => /error 9 INCORRECT_MESSAGE_PARAMS: client 127\.0\.0\.1 may not change outputs/.test(document.getElementById('activity-table')?.textContent ?? ''));
    // A wrong token: refused, still watching.
    await page.fill('#token-form input[name=token]', 'not-the-token-but-long-enough');
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#token-form .form-error')?.textContent === 'this token is not one of this server’s control tokens');
    expect(await state.textContent()).toBe('this page may only watch (127.0.0.1)');
    // The right one: the channel reconnects with it, and the same command goes through.
    await page.fill('#token-form input[name=token]', TOKEN);
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('access-state')?.textContent === 'this page may set voltages, by token');
    await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'connected');
    await page.click('[data-block="2"] button[type=submit]');
    await page.waitForFunction(() => /set_voltage block 2: ok/.test(document.getElementById('activity-table')?.textContent ?? ''));
    // Newest first: the command that went through, the wrong token, the command refused before.
    const trail = '#activity-table tbody tr[data-kind="command"], #activity-table tbody tr[data-kind="refused"]';
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-outcome') === 'ok', trail);
    expect(await page.locator(trail).locator('td.what').allTextContents()).toEqual(['set_voltage block 2 to 100 V', 'control token', 'set_voltage block 2 to 100 V']);
    expect(await page.locator(trail).evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.outcome))).toEqual(['ok', 'refused', 'refused']);
    await shot(page, 'operator-token');
    // The cookie is HttpOnly: no script of the page can read the token.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.click('#token-form .drop');
    await page.waitForFunction(() => document.getElementById('access-state')?.textContent === 'this page may only watch (127.0.0.1)');
    expect(errors.filter((e) => !/403/.test(e))).toEqual([]);
    await page.close();
  }, 60_000);

  it('cannot act on an alarm, and says why, until the operator enters the token', async () => {
    const { page, errors } = await open('/', at);
    await page.waitForFunction(() => document.getElementById('access-state')?.textContent === 'this page may only watch (127.0.0.1)');
    // An alarm no actor holds, raised the way a storage fault is.
    monitorOnly.alarms.raise({ source: 'readings-log', instrument: null, code: 'STORAGE_FAULT', severity: 'MAJOR', status: 'WRITE', message: 'the readings log cannot be written (test)', value: 1 });
    const row = page.locator('#alarm-list li[data-source="readings-log"][data-code="STORAGE_FAULT"]');
    await row.waitFor();
    const why = 'This page may only watch (127.0.0.1): acknowledging and shelving alarms take control — an address in access.control, or the control token (under Activity).';
    await page.waitForSelector('#alarm-control:not([hidden])');
    expect(await page.locator('#alarm-control').textContent()).toBe(why);
    expect(await row.locator('.ack-form button').isDisabled()).toBe(true);
    expect(await row.locator('.ack-form button').getAttribute('title')).toBe(why);
    expect(await row.locator('.shelve-form button').isDisabled()).toBe(true);
    expect(await page.locator('#ack-all button').isDisabled()).toBe(true);
    await shot(page, 'alarm-watch-only');
    // With the token: the buttons work, and the acknowledgement says who.
    await page.fill('#token-form input[name=token]', TOKEN);
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('access-state')?.textContent === 'this page may set voltages, by token');
    await page.waitForSelector('#alarm-list li[data-code="STORAGE_FAULT"] .ack-form button:not([disabled])');
    expect(await page.locator('#alarm-control').isVisible()).toBe(false);
    await row.locator('input[name="note"]').fill('disk swapped');
    await row.locator('.ack-form button').click();
    await page.waitForSelector('#alarm-list li[data-code="STORAGE_FAULT"][data-acknowledged="true"]');
    expect(await row.locator('.acknowledgement').textContent()).toMatch(/^Acknowledged by (.+ at )?127\.0\.0\.1 at \d{2}:\d{2}:\d{2}: “disk swapped”$/);
    // Cleared after it was acknowledged: it leaves the list.
    monitorOnly.alarms.clear('readings-log', 'STORAGE_FAULT');
    await row.waitFor({ state: 'detached' });
    await page.click('#token-form .drop');
    await page.waitForFunction(() => document.getElementById('access-state')?.textContent === 'this page may only watch (127.0.0.1)');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('Content-Security-Policy', () => {
  it('holds: a script injected into the operator page is blocked, and the test sees the violation', async () => {
    const { page } = await open('/');
    await page.addScriptTag({ content: 'window.injected = true;' }).catch(() => {});
    expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected ?? false)).toBe(false);
    await expect.poll(() => h.cspViolations.some((v) => /script-src/.test(v))).toBe(true);
    h.cspViolations.length = 0;
    await page.close();
  });
});

describe('a page from another origin', () => {
  let attacker: Server;
  let attackerPort = 0;
  /** A stray page: it opens the channel, sends 5000 V to block 1, and posts a supply trip as a form and as a no-cors fetch. */
  const attackPage = (hv: number) => `<!doctype html><title>stray page</title>
<iframe name="sink"></iframe>
<form id="f" method="POST" action="http://127.0.0.1:${hv}/api/training" enctype="text/plain" target="sink"><input name='{"cmd":"trip","block":1,"x":"' value='"}'></form>
<script>
  window.results = {};
  const ws = new WebSocket('ws://127.0.0.1:${hv}/channel');
  ws.onopen = () => { results.ws = 'open'; ws.send(JSON.stringify({ type: 'command', command_type: 'set_voltage', block: '1', voltage: 5000 })); };
  ws.onclose = (e) => { results.ws = results.ws === 'open' ? 'opened, then closed' : 'refused'; };
  fetch('http://127.0.0.1:${hv}/api/training', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"cmd":"trip","block":1}' })
    .then(() => (results.fetch = 'sent'), () => (results.fetch = 'failed'));
  document.querySelector('iframe').onload = () => (results.form = 'answered');
  document.getElementById('f').submit();
</script>`;

  beforeAll(async () => {
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(h.server.http.port)));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => attacker.close(() => resolve())));

  it.each([
    ['a second local origin', () => `http://127.0.0.1:${attackerPort}`],
    ['a look-alike host name', () => `http://127.0.0.1.evil.example:${attackerPort}`],
  ])('(%s) can neither open the channel nor set a voltage nor trip the supply', async (_name, origin) => {
    const refusedBefore = h.server.audit.list().filter((e) => e.outcome === 'refused').reduce((n, e) => n + e.count, 0);
    const page = await h.browser.newPage();
    await page.goto(`${origin()}/`);
    await page.waitForFunction(() => {
      const r = (window as unknown as { results: Record<string, string> }).results;
      return r.ws !== undefined && r.fetch !== undefined && r.form !== undefined;
    });
    const results = await page.evaluate(() => (window as unknown as { results: Record<string, string> }).results);
    expect(results.ws).toBe('refused');
    // Three refusals recorded (the websocket, the fetch and the form), with the page's origin: the server has seen and refused them all.
    await expect.poll(() => h.server.audit.list().filter((e) => e.outcome === 'refused').reduce((n, e) => n + e.count, 0) - refusedBefore).toBe(3);
    const byPage = h.server.audit.list().filter((e) => e.label === `page ${origin()}`);
    expect(byPage.map((e) => e.action).sort()).toEqual(['HTTP request', 'websocket connection']);
    const status = (await (await fetch(`${h.base}/api/status`)).json()) as { actors: { id: string; setpoint?: number }[] };
    expect(status.actors.find((a) => a.id === 'block-1')?.setpoint).not.toBe(5000);
    expect(h.server.control!.supplies()['1']).toMatchObject({ tripped: false });
    expect(h.server.audit.list().some((e) => e.action.includes('5000 V'))).toBe(false);
    await page.close();
  });
});

describe('server restart', () => {
  it('the operator page shows it is offline, reconnects by itself and shows readings again', async () => {
    const { page } = await open('/');
    await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'connected');
    await h.restart(async () => {
      await page.waitForFunction(() => document.body.classList.contains('offline'));
      await shot(page, 'operator-offline');
    });
    // The page tries again after 0.5, 1, 2, 4 and then every 5 s of its own (real) time: back within a few seconds.
    await page.waitForFunction(() => !document.body.classList.contains('offline'), undefined, { timeout: 45_000 });
    const before = await page.locator('[data-block="1"] .reading').textContent();
    await page.waitForFunction((b) => document.querySelector('[data-block="1"] .reading')?.textContent !== b, before);
    await shot(page, 'operator-reconnected');
    await page.close();
  });
});
