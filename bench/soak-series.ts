// Which readings series (TSV directory) each published `block` label belongs to, from the
// default rack the simulated server runs: block 1 → divider 1 → HV, block 2 → HV2, gun → GUN.

import { DEFAULT_BLOCKS, DEFAULT_VOLTMETERS } from '../src/hv/config/default-config.js';

const seriesOfMeter = new Map(DEFAULT_VOLTMETERS.map((m) => [m.id, m.series]));

/** The `block` field of get_voltage (1, 2, "gun") → its series. */
export const SERIES_OF_LABEL: ReadonlyMap<string, string> = new Map([
  ...DEFAULT_BLOCKS.map((b) => [String(b.id), seriesOfMeter.get(b.voltmeter)!] as const),
  ...DEFAULT_VOLTMETERS.flatMap((m) => ('publish_as' in m && m.publish_as ? [[m.publish_as, m.series] as const] : [])),
]);

export const ALL_SERIES: readonly string[] = DEFAULT_VOLTMETERS.map((m) => m.series);

/** `HV (block 1)`, for the summary. */
export function describeSeries(series: string): string {
  const label = [...SERIES_OF_LABEL].find(([, s]) => s === series)?.[0];
  return label === undefined ? series : `${series} (${/^\d+$/.test(label) ? `block ${label}` : label})`;
}
