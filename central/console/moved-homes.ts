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
  /** Whether hubs `a` and `b` both have a key heard side by side (two homes, not one moved): some id is shared. */
  shareAnId(a: string, b: string): boolean;
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
  for (const s of stays) {
    const list = byKey.get(s.key);
    if (list) list.push(s);
    else byKey.set(s.key, [s]);
  }
  const countedUnder = new Map<string, string>();
  const moves: JoinedStays['moves'] = [];
  /** Hub → key → the home (its chain's root hub) the hub's stay of that key belongs to. */
  const homeOf = new Map<string, Map<string, string>>();
  const note = (hubId: string, key: string, root: string): void => {
    const keys = homeOf.get(hubId);
    if (keys) keys.set(key, root);
    else homeOf.set(hubId, new Map([[key, root]]));
  };
  for (const [key, list] of byKey) {
    if (list.length === 1) {
      note(list[0]!.hubId, key, list[0]!.hubId);
      continue;
    }
    list.sort((x, y) => x.first - y.first || x.last - y.last || (x.hubId < y.hubId ? -1 : 1));
    const chains: { root: string; first: number; last: number; lastHub: string }[] = [];
    for (const s of list) {
      let chain: (typeof chains)[number] | undefined;
      let fits = 0;
      for (const c of chains) {
        // Chains ending long before this stay began cannot take it (kept for the count of those that can).
        if (
          s.first > c.first &&
          s.last > c.last &&
          c.last - s.first + 1 <= MOVE_OVERLAP_DAYS &&
          s.first - c.last - 1 <= maxGapDays &&
          c.lastHub !== s.hubId &&
          (options.mayMove?.(c.lastHub, s.hubId) ?? true)
        ) {
          chain = c;
          fits++;
        }
      }
      if (chain === undefined || fits > 1) {
        chains.push({ root: s.hubId, first: s.first, last: s.last, lastHub: s.hubId });
        note(s.hubId, key, s.hubId);
        continue;
      }
      countedUnder.set(stayKey(s.hubId, key), chain.root);
      moves.push({ from: chain.lastHub, to: s.hubId, key });
      note(s.hubId, key, chain.root);
      chain.last = s.last;
      chain.lastHub = s.hubId;
    }
  }
  const shared = new Map<string, boolean>();
  return {
    countedUnder,
    moves,
    shareAnId(a, b) {
      const pair = `${a}\u0000${b}`;
      let known = shared.get(pair);
      if (known === undefined) {
        const [x, y] = [homeOf.get(a) ?? new Map<string, string>(), homeOf.get(b) ?? new Map<string, string>()];
        const [fewer, more] = x.size <= y.size ? [x, y] : [y, x];
        known = false;
        for (const [key, home] of fewer) {
          const other = more.get(key);
          if (other !== undefined && other !== home) {
            known = true;
            break;
          }
        }
        shared.set(pair, known);
      }
      return known;
    },
  };
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
    mayMove: (from, to) => moved.has(`${from}\u0000${to}`) && !features.shareAnId(from, to),
  });
  return { features, alerts };
}
