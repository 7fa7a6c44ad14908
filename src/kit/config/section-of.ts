// One section of a configuration as written (a mapping under a key), before it is validated.

/** The mapping at `key`, copied, or an empty one where there is none (or something else). */
export function sectionOf(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = raw[key];
  return value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
}
