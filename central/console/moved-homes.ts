// Homes heard from more than one hub: one home that moved, or homes of several hubs that share an id (review, session 68).
//
// A hub names its homes by the ids its installer gave them, unique in that hub only: two single-home hubs may both call
// theirs "h1". What reaches the centre is that id on each alert, and for daily features the council pseudonym (HMAC of the
// id under the council's key, hub/uplink-features.ts), so the same id gives the same pseudonym on every hub. Nothing
// personal tells a home that moved from homes that happen to share an id; their times do: a home's stay at one hub ends
// about when its stay at the next begins, while homes that share an id are heard side by side.

/** How a home was heard at one hub: its key (a pseudonym, or a home id) and its first and last day (day numbers). */
export interface Stay {
  hubId: string;
  key: string;
  first: number;
  last: number;
}

/**
 * Days a moved home may be heard from both hubs: the day of the move (both boxes send it) and a couple more while the
 * installer has both running. Homes that share an id but overlap longer are two homes.
 */
export const MOVE_OVERLAP_DAYS = 3;
/** Days a home may go unheard between two hubs (moved, set up again): longer, and the same id is taken as another home. */
export const MOVE_GAP_DAYS = 28;

export interface JoinedStays {
  /** `hubId\0key` → the hub the home is counted under (where it was first heard), for each stay joined to an earlier one. */
  countedUnder: Map<string, string>;
  /** Each move joined: from the hub, to the hub (every key). */
  moves: { from: string; to: string; key: string }[];
  /** Pairs of hubs (`a\0b`, both orders) with a key heard side by side at both: some id is shared, not moved. */
  sharedIds: Set<string>;
}

export const stayKey = (hubId: string, key: string): string => `${hubId}\u0000${key}`;

/**
 * Joins each key's stays into chains of moves: a stay joins the one earlier chain that it follows (begun later, ending
 * later, overlapping it by at most `MOVE_OVERLAP_DAYS` and after a gap of at most `maxGapDays`) when `mayMove` allows the
 * pair of hubs; a stay that fits none, or more than one, starts a home of its own.
 */
export function joinStays(
  stays: readonly Stay[],
  options: { maxGapDays?: number; mayMove?: (from: string, to: string) => boolean } = {},
): JoinedStays {
  const maxGapDays = options.maxGapDays ?? MOVE_GAP_DAYS;
  const byKey = new Map<string, Stay[]>();
  for (const s of stays) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s]);
  const joined: JoinedStays = { countedUnder: new Map(), moves: [], sharedIds: new Set() };
  for (const [key, list] of byKey) {
    list.sort((x, y) => x.first - y.first || x.last - y.last || (x.hubId < y.hubId ? -1 : 1));
    const chains: { root: string; first: number; last: number; lastHub: string; hubs: string[] }[] = [];
    for (const s of list) {
      const fits = chains.filter(
        (c) =>
          s.first > c.first &&
          s.last > c.last &&
          c.last - s.first + 1 <= MOVE_OVERLAP_DAYS &&
          s.first - c.last - 1 <= maxGapDays &&
          c.lastHub !== s.hubId &&
          (options.mayMove?.(c.lastHub, s.hubId) ?? true),
      );
      const chain = fits.length === 1 ? fits[0] : undefined;
      if (chain === undefined) {
        chains.push({ root: s.hubId, first: s.first, last: s.last, lastHub: s.hubId, hubs: [s.hubId] });
        continue;
      }
      joined.countedUnder.set(stayKey(s.hubId, key), chain.root);
      joined.moves.push({ from: chain.lastHub, to: s.hubId, key });
      chain.last = s.last;
      chain.lastHub = s.hubId;
      chain.hubs.push(s.hubId);
    }
    for (const [i, a] of chains.entries()) {
      for (const b of chains.slice(i + 1)) {
        for (const x of a.hubs) {
          for (const y of b.hubs) {
            joined.sharedIds.add(`${x}\u0000${y}`);
            joined.sharedIds.add(`${y}\u0000${x}`);
          }
        }
      }
    }
  }
  return joined;
}

/**
 * The homes of the council report across hubs: daily features' stays (by pseudonym) are joined first; a home's alerts
 * (by home id, whose stays are only the days it had an alert, far apart) are joined only between two hubs that features
 * show a home moved between and that share no id: otherwise "h1" of one hub and "h1" of another, each with an alert a
 * month apart, would be taken for one home that moved.
 */
export function movedHomes(
  featureStays: readonly Stay[],
  alertStays: readonly Stay[],
): {
  features: JoinedStays;
  alerts: JoinedStays;
} {
  const features = joinStays(featureStays);
  const moved = new Set(features.moves.map((m) => `${m.from}\u0000${m.to}`));
  const alerts = joinStays(alertStays, {
    maxGapDays: Number.POSITIVE_INFINITY,
    mayMove: (from, to) => moved.has(`${from}\u0000${to}`) && !features.sharedIds.has(`${from}\u0000${to}`),
  });
  return { features, alerts };
}
