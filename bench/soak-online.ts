// An Online-like client that comes and goes: connects, runs a few points of a scan the way the
// DAQ program does (set_voltage_and_check with max_error and timeout, a set_voltage now and then,
// 0 V with max_error 10 at the end of a run), holds each point for its measuring time, disconnects
// and reconnects a second later. On busy (8) it waits 5 s and re-sends the same bytes, as Online
// does; any other error ends its scenario, as in Online.

import { ConnectionClosedError, HvConnection } from '../src/hv/client/hv-connection.js';
import { DEFAULT_BLOCKS } from '../src/hv/config/default-config.js';
import { encodeEnvelope } from '../src/kit/protocol/envelope-encoder.js';
import type { Meta } from '../src/kit/protocol/envelope.js';
import { SeededRandom } from '../sim/random.js';
import type { Endpoint } from './soak-console.js';
import type { SimTime } from './soak-time.js';

export interface OnlineTally {
  sessions: number;
  connectFailures: number;
  commands: number;
  /** Commands sent and the connection closed at once, without waiting for the answer. */
  abandoned: number;
  busyResends: number;
  /** `set_voltage ok`, `set_voltage_and_check timeout`, `error 6`, … */
  outcomes: Record<string, number>;
  /** No answer within a minute of real time on a connection that stayed open. */
  noAnswer: number;
  /** The connection closed before the answer: a crash, or the server dropping an Online. */
  closedBeforeAnswer: number;
}

export function emptyOnlineTally(): OnlineTally {
  return { sessions: 0, connectFailures: 0, commands: 0, abandoned: 0, busyResends: 0, outcomes: {}, noAnswer: 0, closedBeforeAnswer: 0 };
}

const BUSY = 8;
/** Online's defaults: max_error 5 V, timeout 20 s; max_error 10 when it sets block 1 to 0 V. */
const MAX_ERROR_V = 5;
const MAX_ERROR_AT_ZERO_V = 10;
const CHECK_TIMEOUT_S = 20;
const ANSWER_TIMEOUT_REAL_MS = 60_000;

/** A tritium scan's retarding potentials on block 1 and shifts on block 2, inside each block's range. */
function scanPoints(): Map<number, number[]> {
  const points = new Map<number, number[]>();
  for (const block of DEFAULT_BLOCKS) {
    const [from, to, step] = block.id === 1 ? [14_000, 18_600, 100] : [block.min_volts, block.max_volts, 50];
    const inRange: number[] = [];
    for (let v = from; v <= to; v += step) if (v >= block.min_volts && v <= block.max_volts) inRange.push(v);
    points.set(block.id, inRange);
  }
  return points;
}

const SCAN = scanPoints();

function pick<T>(rng: SeededRandom, list: readonly T[]): T {
  return list[Math.floor(rng.next() * list.length)]!;
}

function nextCommand(rng: SeededRandom): Meta {
  const block = rng.next() < 0.65 ? 1 : 2;
  if (block === 1 && rng.next() < 0.08) {
    return { type: 'command', command_type: 'set_voltage_and_check', block: '1', voltage: 0, max_error: MAX_ERROR_AT_ZERO_V, timeout: CHECK_TIMEOUT_S };
  }
  const voltage = pick(rng, SCAN.get(block)!);
  return rng.next() < 0.8
    ? { type: 'command', command_type: 'set_voltage_and_check', block: String(block), voltage, max_error: MAX_ERROR_V, timeout: CHECK_TIMEOUT_S }
    : { type: 'command', command_type: 'set_voltage', block: String(block), voltage };
}

function outcome(answer: Meta): string {
  if (answer.type === 'reply') return `error ${String(answer.error_code)}`;
  return `${String(answer.answer_type)} ${String(answer.status)}`;
}

export interface OnlineClientDeps {
  sim: SimTime;
  endpoint: (signal: AbortSignal) => Promise<Endpoint | null>;
  signal: AbortSignal;
  tally: OnlineTally;
  seed: number;
}

/** Sends `command` until it is answered with anything but busy; the answer, or null. */
async function sendAsOnline(connection: HvConnection, command: Meta, deps: OnlineClientDeps): Promise<Meta | null> {
  const bytes = encodeEnvelope(command);
  for (let resend = 0; resend < 1000; resend++) {
    const answer = connection.answer(ANSWER_TIMEOUT_REAL_MS);
    connection.socket.write(bytes);
    let reply: Meta;
    try {
      reply = await answer;
    } catch (err) {
      if (err instanceof ConnectionClosedError) deps.tally.closedBeforeAnswer++;
      else deps.tally.noAnswer++;
      return null;
    }
    if (reply.type !== 'reply' || reply.error_code !== BUSY) return reply;
    deps.tally.busyResends++;
    if (!(await deps.sim.sleep(5000, deps.signal, 5))) return null;
  }
  return null;
}

/** Runs sessions until `signal` aborts. */
export async function runOnlineClient(deps: OnlineClientDeps): Promise<void> {
  const { sim, signal, tally } = deps;
  const rng = new SeededRandom(deps.seed);
  while (!signal.aborted) {
    const endpoint = await deps.endpoint(signal);
    if (!endpoint) return;
    let connection: HvConnection;
    try {
      connection = await HvConnection.open(endpoint.host, endpoint.tcpPort, 10_000);
    } catch {
      tally.connectFailures++;
      await sim.sleep(1000, signal, 100);
      continue;
    }
    tally.sessions++;
    const points = 1 + Math.floor(rng.next() * 4);
    const abandon = rng.next() < 0.1;
    for (let p = 0; p < points && !signal.aborted; p++) {
      const command = nextCommand(rng);
      tally.commands++;
      if (abandon && p === points - 1) {
        // Online quitting mid-command: the command must still complete, its answer dropped.
        connection.send(command);
        tally.abandoned++;
        break;
      }
      const answer = await sendAsOnline(connection, command, deps);
      if (!answer) break;
      const key = outcome(answer);
      tally.outcomes[key] = (tally.outcomes[key] ?? 0) + 1;
      if (answer.type === 'reply') break; // any error but busy stops Online's scenario
      // Measuring at this point: 30 s to 2 min of the spectrometer's time.
      if (!(await sim.sleep(30_000 + rng.next() * 90_000, signal, 5))) break;
    }
    await connection.close();
    await sim.sleep(1000, signal, 20);
  }
}
