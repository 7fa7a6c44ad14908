// Web pages coming and going: each visit loads `/`, polls /api/status as the operator page does,
// loads the last hour of a block's readings from /api/history, and watches /channel?observe=1 for
// a moment. Pages live in real time (a browser polls every 2 s of the operator's time), so their
// rate does not grow with the time scale.

import { WebSocket } from 'ws';
import { SeededRandom } from '../sim/random.js';
import type { Endpoint } from './soak-console.js';
import { realSleep } from './soak-time.js';

export interface WebTally {
  visits: number;
  /** `GET /api/status 200`, … and `GET /api/status failed (why)` for no answer. */
  requests: Record<string, number>;
  observers: number;
  /** Observer frames received (readings, commands, answers, state events). */
  observerFrames: number;
  observerFailures: number;
}

export function emptyWebTally(): WebTally {
  return { visits: 0, requests: {}, observers: 0, observerFrames: 0, observerFailures: 0 };
}

const HISTORY_OF = ['1', '2', 'gun'];

async function get(endpoint: Endpoint, path: string, tally: WebTally): Promise<void> {
  const route = path.split('?')[0]!;
  let key: string;
  try {
    const res = await fetch(`http://${endpoint.host}:${endpoint.httpPort}${path}`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    key = `GET ${route} ${res.status}`;
  } catch (err) {
    // Why, in the key: a time-out and a refused or reset connection are different findings.
    const e = err as Error & { cause?: { code?: string } };
    key = `GET ${route} failed (${e.name === 'TimeoutError' ? 'no answer in 10 s' : (e.cause?.code ?? e.message)})`;
  }
  tally.requests[key] = (tally.requests[key] ?? 0) + 1;
}

async function observe(endpoint: Endpoint, forMs: number, tally: WebTally): Promise<void> {
  const ws = new WebSocket(`ws://${endpoint.host}:${endpoint.httpPort}/channel?observe=1`);
  ws.on('error', () => {});
  const opened = await Promise.race([
    new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('close', () => resolve(false));
    }),
    realSleep(10_000).then(() => false),
  ]);
  if (!opened) {
    tally.observerFailures++;
    ws.terminate();
    return;
  }
  tally.observers++;
  ws.on('message', () => tally.observerFrames++);
  await realSleep(forMs);
  ws.close(1000, 'page closed');
  await Promise.race([new Promise((r) => ws.once('close', r)), realSleep(2000)]);
  ws.terminate();
}

export interface WebClientDeps {
  endpoint: (signal: AbortSignal) => Promise<Endpoint | null>;
  signal: AbortSignal;
  tally: WebTally;
  seed: number;
  /**
   * True while the history must not be asked for: /api/history reads the day's file whole, and
   * while it is a symlink to /dev/full that read never ends (it would measure the fallback, not the server).
   */
  historyOff: () => boolean;
}

/** Visits until `signal` aborts, one every second or two. */
export async function runWebClient(deps: WebClientDeps): Promise<void> {
  const rng = new SeededRandom(deps.seed);
  while (!deps.signal.aborted) {
    const endpoint = await deps.endpoint(deps.signal);
    if (!endpoint) return;
    deps.tally.visits++;
    await get(endpoint, '/', deps.tally);
    await get(endpoint, '/api/status', deps.tally);
    const block = HISTORY_OF[Math.floor(rng.next() * HISTORY_OF.length)];
    if (!deps.historyOff()) await get(endpoint, `/api/history?block=${block}`, deps.tally);
    const observer = observe(endpoint, 500 + rng.next() * 2500, deps.tally);
    for (let poll = 0; poll < 2; poll++) {
      await realSleep(400);
      await get(endpoint, '/api/status', deps.tally);
    }
    await observer;
    await realSleep(500 + rng.next() * 1000, deps.signal);
  }
}
