// The times an alert's detail holds (ISO instants, at any depth: `lastActivityAt`, `laterSilence.endedAt`,
// `deadDevices[].silentSince`, ...), moved together when the clock they were stamped on was not the real one.

/** An instant as `Date.prototype.toISOString` writes it: the form every time in an alert's detail takes. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * `value` (a detail, parsed) with every ISO instant in it, at any depth, replaced by `move` of it (epoch ms); other
 * values as they are. `was`: the same detail in an earlier version: a value unchanged at the same key since, or an
 * entry of a list equal to one of the list there, stays as it is (stamped then, not since). `path`: the keys down to
 * the instant (`['laterSilence', 'endedAt']`; a list's entries add none).
 */
export function movedIsoTimes(
  value: unknown,
  move: (ms: number, path: readonly string[]) => number,
  was?: unknown,
  path: readonly string[] = [],
): unknown {
  if (typeof value === 'string') {
    if (value === was || !ISO_INSTANT.test(value)) return value;
    const ms = Date.parse(value);
    const moved = move(ms, path);
    return moved === ms || !Number.isFinite(moved) ? value : new Date(moved).toISOString();
  }
  if (Array.isArray(value)) {
    const earlier = Array.isArray(was) ? new Set(was.map((entry) => JSON.stringify(entry))) : undefined;
    return value.map((entry: unknown) =>
      earlier?.has(JSON.stringify(entry)) ? entry : movedIsoTimes(entry, move, undefined, path),
    );
  }
  if (typeof value === 'object' && value !== null) {
    const before =
      typeof was === 'object' && was !== null && !Array.isArray(was) ? (was as Record<string, unknown>) : {};
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = movedIsoTimes(v, move, before[key], [...path, key]);
    return out;
  }
  return value;
}
