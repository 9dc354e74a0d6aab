// How far one spelling is from another, for the configuration's "did you mean" (hub/config.ts), advice (coverage.ts)
// and a request body's unknown field (dashboard/lazy-schemas.ts).

/** Edits (insert, delete, change, swap two neighbours) from `a` to `b`, letter case set aside. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const rows = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => i || j));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[x.length]![y.length]!;
}

/**
 * The one of `known` that `written` is most likely a slip of (`nightWindw`, `pendent`, `home`), or undefined when none
 * is near: a third of its letters at most may differ (review, session 65: "unknown field" left the installer to find
 * the right spelling in the schema).
 */
export function nearest(written: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(written.length / 3)) + 1;
  for (const name of known) {
    const distance = editDistance(written, name);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}
