// The rack's own routes on the HTTP port, beside the kit's (src/kit/web/kit-routes.ts): the
// Prometheus metrics and the readings and setpoint history; and the operator's console at '/'.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerConfig } from '../../../schemas/types.js';
import type { Clock } from '../../kit/clock/clock.js';
import type { InstrumentRoles } from '../../kit/simulator-back-door.js';
import type { ReadingsLog } from '../../kit/storage/readings-log.js';
import type { ManagerRoute } from '../../kit/web/kit-routes.js';
import type { Pages } from '../../kit/web/static-files.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import { historyRoutes } from './history-route.js';

/** The operator's console. */
export const RACK_PAGES: Pages = { '/': 'index.html' };

export interface RackRouteDeps {
  config: ServerConfig;
  clock: Clock;
  readingsLog: ReadingsLog;
  /** /metrics, in Prometheus's text format. */
  metrics: ServerMetrics;
}

export function rackRoutes(deps: RackRouteDeps): ManagerRoute {
  const history = historyRoutes(deps.config, deps.clock, deps.readingsLog);
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method === 'GET' && url.pathname === '/metrics') {
      const body = await deps.metrics.text();
      res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-store' }).end(body);
      return true;
    }
    if (req.method === 'GET' && url.pathname === '/api/history') {
      await history.history(url.searchParams, res);
      return true;
    }
    if (req.method === 'GET' && url.pathname === '/api/history/days') {
      await history.days(url.searchParams, res);
      return true;
    }
    return false;
  };
}

/** Each simulated instrument (`sim::NAME`) by what it does in the rack, for the instructor's console. */
export function instrumentRoles(config: ServerConfig): InstrumentRoles {
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
