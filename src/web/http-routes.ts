// Everything on the HTTP port that is not the websocket: the pages and their libraries, the
// status, reading history, machine graphs, and (in simulation) the training controls.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyActorRef, AnyStateMachine } from 'xstate';
import type { ServerConfig } from '../../schemas/types.js';
import type { SimulatorControl } from '../../sim/control/simulator-control.js';
import type { Clock } from '../clock/clock.js';
import type { ClientHub } from '../connectors/client-hub.js';
import type { ReadingsLog } from '../storage/readings-log.js';
import { HandlerBoundary } from '../connectors/handler-boundary.js';
import type { Logger } from '../log/logger.js';
import { showValue } from '../messages/error-reply.js';
import { readHistory } from './history.js';
import { machineGraph } from './machine-graph.js';
import { readJsonBody } from './request-body.js';
import { BAD_TARGET, parseRequestTarget } from './request-target.js';
import { serveStatic } from './static-files.js';
import { serverStatus } from './status.js';
import type { Alarm } from '../alarms/alarm-table.js';

export interface RouteDeps {
  config: ServerConfig;
  clock: Clock;
  hub: ClientHub;
  readingsLog: ReadingsLog;
  control: () => SimulatorControl | null;
  supervisor: () => AnyActorRef | null;
  /** Active alarms, most severe first. */
  alarms: () => Alarm[];
  machines: Record<string, AnyStateMachine>;
  /** Where a failing request is logged (its client gets a 500). */
  log: Logger;
}

/** Largest request body read (the training commands are a few dozen bytes). */
const MAX_BODY_BYTES = 64 * 1024;

/** What a client sees when a route fails: a fixed sentence; the details go to the log only. */
const FAILED = 'the server failed to answer this request; the failure is logged';

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

export function httpRoutes(deps: RouteDeps) {
  const { config, clock } = deps;
  const graphs = Object.entries(deps.machines).map(([name, machine]) => machineGraph(name, machine));
  const blocks = config.blocks.map((b) => ({ id: b.id, name: b.name, min_volts: b.min_volts, max_volts: b.max_volts, voltmeter: b.voltmeter }));

  const boundary = new HandlerBoundary(deps.log, 'HTTP request handler');

  // Never rejects: the caller drops the promise, and a rejection there would end the process.
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await route(req, res);
    } catch (err) {
      boundary.failed(err, { method: req.method, target: showValue(req.url) });
      try {
        if (res.headersSent) res.destroy();
        else json(res, 500, { error: FAILED });
      } catch (answerErr) {
        boundary.failed(answerErr, { while: 'answering a failure' });
      }
    }
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestTarget(req.url);
    if (!url) return json(res, 400, { error: BAD_TARGET });
    if (req.method === 'GET' && url.pathname === '/api/status') {
      const supervisor = deps.supervisor();
      if (!supervisor) return json(res, 503, { error: 'starting' });
      return json(res, 200, serverStatus(supervisor, deps.alarms(), { sim: config.sim, training: deps.control() !== null, time: clock.now(), time_scale: clock.timeScale, clients: deps.hub.size, blocks }));
    }
    if (req.method === 'GET' && url.pathname === '/api/machines') return json(res, 200, graphs);
    if (req.method === 'GET' && url.pathname === '/api/history') {
      const which = url.searchParams.get('block') ?? '1';
      const block = config.blocks.find((b) => String(b.id) === which);
      const meter = block ? config.voltmeters.find((m) => m.id === block.voltmeter) : config.voltmeters.find((m) => m.publish_as === which);
      if (!meter) return json(res, 400, { error: `block ${showValue(which)} is not configured; expected one of ${[...config.blocks.map((b) => b.id), ...config.voltmeters.flatMap((m) => (m.publish_as ? [m.publish_as] : []))].join(', ')}` });
      const to = Number(url.searchParams.get('to') ?? clock.now());
      const from = Number(url.searchParams.get('from') ?? to - 3600_000);
      if (!Number.isFinite(from) || !Number.isFinite(to) || to < from || to - from > 7 * 24 * 3600_000) {
        return json(res, 400, { error: 'from and to must be milliseconds since the epoch, from ≤ to, at most a week apart' });
      }
      await deps.readingsLog.flush();
      return json(res, 200, { block: which, from, to, points: await readHistory(deps.readingsLog, meter.series, from, to) });
    }
    if (url.pathname === '/api/training') {
      const control = deps.control();
      if (!control) return json(res, 403, { ok: false, error: 'training controls exist only in simulation; this server drives the real rack' });
      if (req.method !== 'POST') return json(res, 405, { ok: false, error: 'POST a JSON command (schemas/sim-control.schema.json)' });
      const body = await readJsonBody(req, MAX_BODY_BYTES);
      if (!body.ok) {
        // Closes the connection: a body cut off unread must not be taken for the next request.
        res.setHeader('connection', 'close');
        return json(res, body.status, { ok: false, error: body.error });
      }
      const result = control.apply(body.value);
      return json(res, result.ok ? 200 : 400, result);
    }
    if (req.method === 'GET' && (await serveStatic(url.pathname, res))) return;
    if (url.pathname === '/training' && !deps.control()) return json(res, 403, { error: 'training controls exist only in simulation' });
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${showValue(url.pathname)}\n`);
  }
}
