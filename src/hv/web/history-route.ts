// `GET /api/history?block=1&from=&to=` (or `&day=yyyy-mm-dd`): a block's readings and setpoints
// over a range, for the operator's plots; a read-only voltmeter's (the gun) by its published name.
// `GET /api/history/days?block=1`: the days its readings have a file for (the day picker).

import type { ServerResponse } from 'node:http';
import type { ServerConfig } from '../../../schemas/types.js';
import type { Clock } from '../../kit/clock/clock.js';
import type { ReadingsLog } from '../../kit/storage/readings-log.js';
import { dayRange, historyDays, readHistory, readSetpoints } from './history.js';
import { json } from '../../kit/web/json-response.js';

const WEEK_MS = 7 * 24 * 3600_000;

export function historyRoutes(config: ServerConfig, clock: Clock, readingsLog: ReadingsLog) {
  const names = [...config.blocks.map((b) => b.id), ...config.voltmeters.flatMap((m) => (m.publish_as ? [m.publish_as] : []))].join(', ');

  /** The voltmeter series of a block or published voltmeter, and the block (for its setpoints). */
  function find(which: string) {
    const block = config.blocks.find((b) => String(b.id) === which);
    const meter = block ? config.voltmeters.find((m) => m.id === block.voltmeter) : config.voltmeters.find((m) => m.publish_as === which);
    return meter ? { series: meter.series, block: block?.id ?? null } : null;
  }

  const unknown = (res: ServerResponse) => json(res, 400, { error: `the block asked for is not configured; expected one of ${names}` });

  return {
    async history(params: URLSearchParams, res: ServerResponse): Promise<void> {
      const which = params.get('block') ?? '1';
      const found = find(which);
      if (!found) return unknown(res);
      let from: number;
      let to: number;
      const day = params.get('day');
      if (day !== null) {
        const range = dayRange(day);
        if (!range) return json(res, 400, { error: 'day must be a date as yyyy-mm-dd' });
        ({ from, to } = range);
      } else {
        to = Number(params.get('to') ?? clock.now());
        from = Number(params.get('from') ?? to - 3600_000);
      }
      if (!Number.isFinite(from) || !Number.isFinite(to) || to < from || to - from > WEEK_MS) {
        return json(res, 400, { error: 'from and to must be milliseconds since the epoch, from ≤ to, at most a week apart' });
      }
      // Rows still on their way to the files are part of the answer.
      await readingsLog.flush();
      const [points, setpoints] = await Promise.all([
        readHistory(readingsLog, found.series, from, to),
        found.block === null ? Promise.resolve([]) : readSetpoints(readingsLog, found.block, from, to),
      ]);
      return json(res, 200, { block: which, from, to, points, setpoints });
    },

    async days(params: URLSearchParams, res: ServerResponse): Promise<void> {
      const which = params.get('block') ?? '1';
      const found = find(which);
      if (!found) return unknown(res);
      return json(res, 200, { block: which, days: await historyDays(readingsLog, found.series) });
    },
  };
}
