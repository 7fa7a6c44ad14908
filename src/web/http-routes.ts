// Everything on the HTTP port that is not the websocket: the pages and their libraries, the
// status, reading history, machine graphs, the access API and audit trail, and (in simulation)
// the training controls. Every request passes the access rules first (src/access/).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyActorRef, AnyStateMachine } from 'xstate';
import type { ServerConfig } from '../../schemas/types.js';
import type { AccessControl } from '../access/access-control.js';
import { declaresJson } from '../access/web-request.js';
import type { AlarmLogEntry } from '../alarms/alarm-log.js';
import type { Alarm } from '../alarms/alarm-table.js';
import type { SimulatorControl } from '../../sim/control/simulator-control.js';
import type { Clock } from '../clock/clock.js';
import type { ClientHub } from '../connectors/client-hub.js';
import type { ReadingsLog } from '../storage/readings-log.js';
import type { SetpointChange } from '../storage/setpoint-log.js';
import { HandlerBoundary } from '../connectors/handler-boundary.js';
import type { Logger } from '../log/logger.js';
import { showValue } from '../messages/error-reply.js';
import { historyRoutes } from './history-route.js';
import { machineGraph } from './machine-graph.js';
import { BAD_TARGET, parseRequestTarget } from './request-target.js';
import { serveStatic } from './static-files.js';
import { serverStatus } from './status.js';
import { readiness } from './health.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import { auditFeed, sessionState, takeToken } from './access-routes.js';
import { json, NOT_FOUND } from './json-response.js';
import { postNote } from './note-route.js';
import { setSecurityHeaders } from './security-headers.js';
import { TRAINING_PATHS, training, type InstrumentRoles } from './training-route.js';

export interface RouteDeps {
  config: ServerConfig;
  clock: Clock;
  hub: ClientHub;
  readingsLog: ReadingsLog;
  control: () => SimulatorControl | null;
  supervisor: () => AnyActorRef | null;
  /** Active alarms, most severe first. */
  alarms: () => Alarm[];
  /** Alarms raised and cleared lately, oldest first. */
  alarmLog: () => AlarmLogEntry[];
  /** Each block's setpoint and tolerance in force. */
  setpoints: () => SetpointChange[];
  /** Whether a scaled clock keeps up (null on a clock that is not scaled). */
  timeKeeping?: () => Record<string, unknown> | null;
  machines: Record<string, AnyStateMachine>;
  /** Where a failing request is logged (its client gets a 500). */
  log: Logger;
  /** Who may read and who may act (src/access/). */
  access: AccessControl;
  /** /metrics, in Prometheus's text format. */
  metrics: ServerMetrics;
}

/** What a client sees when a route fails: a fixed sentence; the details go to the log only. */
const FAILED = 'the server failed to answer this request; the failure is logged';

export function httpRoutes(deps: RouteDeps) {
  const { config, clock, access } = deps;
  const graphs = Object.entries(deps.machines).map(([name, machine]) => machineGraph(name, machine));
  const blocks = config.blocks.map((b) => ({ id: b.id, name: b.name, min_volts: b.min_volts, max_volts: b.max_volts, voltmeter: b.voltmeter }));
  // Read-only voltmeters shown by name (the electron gun): the page gives each a card of its own.
  const meters = config.voltmeters.flatMap((m) => (m.publish_as ? [{ id: m.publish_as, voltmeter: m.id }] : []));
  const history = historyRoutes(config, clock, deps.readingsLog);
  // The rack's time zone: the TSV files' days and the page's clock times are in it.
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const roles = instrumentRoles(config);

  const boundary = new HandlerBoundary(deps.log, 'HTTP request handler');

  // Never rejects: the caller drops the promise, and a rejection there would end the process.
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      setSecurityHeaders(res);
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
    // Anything but a read acts: a page from another origin is refused before it runs.
    const acts = req.method !== 'GET' && req.method !== 'HEAD';
    const verdict = access.policy.forRequest(req, acts);
    if (!verdict.ok) {
      access.refusedRequest('http', verdict, 'HTTP request');
      return json(res, 403, { ok: false, error: verdict.reason });
    }
    const { grant } = verdict;
    // The training back door does not exist on the real rack, page and script included.
    const control = deps.control();
    if (TRAINING_PATHS.has(url.pathname) && !control) return json(res, 404, { error: NOT_FOUND });
    // A cross-site form or no-cors fetch can send text/plain but not application/json.
    if (acts && !declaresJson(req)) {
      return json(res, 415, { ok: false, error: 'the request body must be declared Content-Type: application/json' });
    }
    if (req.method === 'GET' && url.pathname === '/api/status') {
      const supervisor = deps.supervisor();
      if (!supervisor) return json(res, 503, { error: 'starting' });
      const extra = { sim: config.sim, training: control !== null, time: clock.now(), time_scale: clock.timeScale, time_zone: timeZone, clients: deps.hub.size, blocks, meters, setpoints: deps.setpoints(), time_keeping: deps.timeKeeping?.() ?? null };
      return json(res, 200, serverStatus(supervisor, deps.alarms(), extra));
    }
    // Reads like the status, so the access rules' monitor list says who may probe and scrape.
    if (req.method === 'GET' && url.pathname === '/healthz') return json(res, 200, { ok: true });
    if (req.method === 'GET' && url.pathname === '/readyz') {
      const r = readiness(deps.supervisor(), deps.alarms());
      return json(res, r.ready ? 200 : 503, r);
    }
    if (req.method === 'GET' && url.pathname === '/metrics') {
      const body = await deps.metrics.text();
      res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-store' }).end(body);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/machines') return json(res, 200, graphs);
    if (req.method === 'GET' && url.pathname === '/api/audit') return auditFeed(res, access, config.access.audit_entries);
    if (req.method === 'GET' && url.pathname === '/api/alarm-log') return json(res, 200, { entries: deps.alarmLog() });
    if (url.pathname === '/api/note') {
      if (req.method === 'POST') return postNote(req, res, grant, access);
      return json(res, 405, { ok: false, error: 'POST {"text": "…"} to add a note to the audit trail' });
    }
    if (url.pathname === '/api/session') {
      if (req.method === 'GET') return sessionState(res, grant, access);
      if (req.method === 'POST') return takeToken(req, res, grant, access);
      return json(res, 405, { ok: false, error: 'GET the session, or POST {"token": …}' });
    }
    if (req.method === 'GET' && url.pathname === '/api/history') return history.history(url.searchParams, res);
    if (req.method === 'GET' && url.pathname === '/api/history/days') return history.days(url.searchParams, res);
    if (url.pathname === '/api/training' && control) return training(req, res, control, grant, access, roles);
    if (req.method === 'GET' && (await serveStatic(url.pathname, res))) return;
    return json(res, 404, { error: NOT_FOUND });
  }
}

/** Each simulated instrument (`sim::NAME`) by what it does in the rack, for the instructor's console. */
function instrumentRoles(config: ServerConfig): InstrumentRoles {
  const name = (resource: string) => (resource.startsWith('sim::') ? resource.slice('sim::'.length) : null);
  const roles: InstrumentRoles = {};
  for (const b of config.blocks) {
    const n = name(b.output.resource);
    if (n) roles[n] = `block ${b.id} output (${b.output.driver})`;
  }
  for (const m of config.voltmeters) {
    const n = name(m.resource);
    const block = config.blocks.find((b) => b.voltmeter === m.id);
    if (n) roles[n] = `voltmeter ${m.id} (${block ? `block ${block.id}` : (m.publish_as ?? 'read-only')})`;
  }
  return roles;
}
