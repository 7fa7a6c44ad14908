// Everything on the HTTP port that is not the websocket, for any manager: the access rules first
// (src/kit/access/), then the status, health, machine graphs, audit trail, alarm log, notes and
// session, the simulator's training controls where there is a simulator, the manager's own routes,
// and the pages and their libraries.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyActorRef, AnyStateMachine } from 'xstate';
import type { AccessControl } from '../access/access-control.js';
import type { Grant } from '../access/access-policy.js';
import { declaresJson } from '../access/web-request.js';
import type { AlarmLogEntry } from '../alarms/alarm-log.js';
import type { NotifyStatus } from '../alarms/notify/start-alarm-notifications.js';
import type { Alarm } from '../alarms/alarm-table.js';
import type { Clock } from '../clock/clock.js';
import type { ClientHub } from '../connectors/client-hub.js';
import { HandlerBoundary } from '../connectors/handler-boundary.js';
import type { Logger } from '../log/logger.js';
import { showValue } from '../protocol/error-reply.js';
import type { InstrumentRoles, SimulatorBackDoor } from '../simulator-back-door.js';
import { auditFeed, sessionState, takeToken } from './access-routes.js';
import { ALARM_PATHS, alarmRoutes, type AlarmRouteDeps } from './alarm-routes.js';
import { readiness, type ChildWaiting } from './health.js';
import { json, NOT_FOUND } from './json-response.js';
import { machineGraph } from './machine-graph.js';
import { postNote } from './note-route.js';
import { BAD_TARGET, parseRequestTarget } from './request-target.js';
import { setSecurityHeaders } from './security-headers.js';
import { serveStatic, type Pages } from './static-files.js';
import { TRAINING_PATHS, training } from './training-route.js';

/** What the kit adds to every manager's status document. */
export interface KitStatus {
  sim: boolean;
  /** Whether the training back door exists (a simulator runs in this process). */
  training: boolean;
  time: number;
  time_scale: number;
  time_zone: string;
  clients: number;
  /** Whether a scaled clock keeps up with its scale (null on a clock that is not scaled). */
  time_keeping: Record<string, unknown> | null;
  /** Each notification receiver's state (delivered, pending, failing since, last error) and the outbox's. */
  notifications: NotifyStatus | null;
}

/** A manager's own route: answers and returns true, or returns false to leave the request to the kit. */
export type ManagerRoute = (req: IncomingMessage, res: ServerResponse, url: URL, grant: Grant) => Promise<boolean> | boolean;

export interface KitRouteDeps {
  sim: boolean;
  clock: Clock;
  hub: ClientHub;
  simulator: SimulatorBackDoor | null;
  /** Each simulated instrument's role, for the instructor's console. */
  roles: InstrumentRoles;
  supervisor: () => AnyActorRef | null;
  /** Active alarms, most severe first. */
  alarms: () => Alarm[];
  /** Alarms raised and cleared lately, oldest first. */
  alarmLog: () => AlarmLogEntry[];
  /** The alarm list people handle: read, acknowledge, shelve. */
  alarmBook: AlarmRouteDeps;
  /** The status document: the manager's fields around the kit's. */
  status: (supervisor: AnyActorRef, alarms: Alarm[], kit: KitStatus) => Record<string, unknown>;
  /** What else a child waits for before the server is ready. */
  childWaiting?: ChildWaiting;
  /** Whether a scaled clock keeps up (null on a clock that is not scaled). */
  timeKeeping?: () => Record<string, unknown> | null;
  /** The notifications' state, once they run. */
  notifications?: () => NotifyStatus | null;
  machines: Record<string, AnyStateMachine>;
  pages: Pages;
  route?: ManagerRoute;
  auditEntries: number;
  /** Where a failing request is logged (its client gets a 500). */
  log: Logger;
  /** Who may read and who may act. */
  access: AccessControl;
}

/** What a client sees when a route fails: a fixed sentence; the details go to the log only. */
const FAILED = 'the server failed to answer this request; the failure is logged';

export function kitRoutes(deps: KitRouteDeps) {
  const { clock, access, simulator } = deps;
  // Drawn on the first request for them: most servers never open /debug.
  let graphs: ReturnType<typeof machineGraph>[] | null = null;
  const machineGraphs = () => (graphs ??= Object.entries(deps.machines).map(([name, machine]) => machineGraph(name, machine)));
  // The rack's time zone: the TSV files' days and the page's clock times are in it. Looked up
  // with the first status (ICU takes a while to start), not while the server starts.
  let zone: string | null = null;
  const timeZone = () => (zone ??= Intl.DateTimeFormat().resolvedOptions().timeZone);
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
    // The training back door does not exist on real hardware, page and script included.
    if (TRAINING_PATHS.has(url.pathname) && !simulator) return json(res, 404, { error: NOT_FOUND });
    // A cross-site form or no-cors fetch can send text/plain but not application/json.
    if (acts && !declaresJson(req)) {
      return json(res, 415, { ok: false, error: 'the request body must be declared Content-Type: application/json' });
    }
    if (req.method === 'GET' && url.pathname === '/api/status') {
      const supervisor = deps.supervisor();
      if (!supervisor) return json(res, 503, { error: 'starting' });
      const kit: KitStatus = { sim: deps.sim, training: simulator !== null, time: clock.now(), time_scale: clock.timeScale, time_zone: timeZone(), clients: deps.hub.size, time_keeping: deps.timeKeeping?.() ?? null, notifications: deps.notifications?.() ?? null };
      return json(res, 200, deps.status(supervisor, deps.alarms(), kit));
    }
    // Reads like the status, so the access rules' monitor list says who may probe and scrape.
    if (req.method === 'GET' && url.pathname === '/healthz') return json(res, 200, { ok: true });
    if (req.method === 'GET' && url.pathname === '/readyz') {
      const r = readiness(deps.supervisor(), deps.alarms(), deps.childWaiting);
      return json(res, r.ready ? 200 : 503, r);
    }
    if (req.method === 'GET' && url.pathname === '/api/machines') return json(res, 200, machineGraphs());
    if (req.method === 'GET' && url.pathname === '/api/audit') return auditFeed(res, access, deps.auditEntries);
    if (req.method === 'GET' && url.pathname === '/api/alarm-log') return json(res, 200, { entries: deps.alarmLog() });
    if (ALARM_PATHS.has(url.pathname)) return alarmRoutes(req, res, url.pathname, grant, deps.alarmBook);
    if (url.pathname === '/api/note') {
      if (req.method === 'POST') return postNote(req, res, grant, access);
      return json(res, 405, { ok: false, error: 'POST {"text": "…"} to add a note to the audit trail' });
    }
    if (url.pathname === '/api/session') {
      if (req.method === 'GET') return sessionState(res, grant, access);
      if (req.method === 'POST') return takeToken(req, res, grant, access);
      return json(res, 405, { ok: false, error: 'GET the session, or POST {"token": …}' });
    }
    if (url.pathname === '/api/training' && simulator) return training(req, res, simulator, grant, access, deps.roles);
    if (deps.route && (await deps.route(req, res, url, grant))) return;
    if (req.method === 'GET' && (await serveStatic(url.pathname, res, deps.pages))) return;
    return json(res, 404, { error: NOT_FOUND });
  }
}
