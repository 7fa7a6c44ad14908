// The metric names a PromQL expression selects, for tests that check a dashboard's or a rule
// file's queries against what the server really exposes.

/** PromQL words that are not metric names: aggregation modifiers, set and vector-matching operators. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset']);

/** The metric names a PromQL expression selects: identifiers left once strings, label matchers, ranges, grouping lists and function calls are set aside. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  // label_values(metric, label): the label after the comma is not a metric.
  const noLabelArg = bare.replace(/,\s*[a-zA-Z_]\w*\s*\)/g, ')');
  return [...noLabelArg.matchAll(/[a-zA-Z_:][\w:]*(?![\w:]*\s*\()/g)].map((m) => m[0]).filter((w) => !KEYWORDS.has(w) && !/^\d/.test(w));
}
