// The top-level state of a snapshot's value: "holding" for { holding: "waiting" }.
export function topState(value: unknown): string {
  return typeof value === 'string' ? value : (Object.keys(value as object)[0] ?? '');
}
