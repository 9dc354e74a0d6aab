// night-stillness: a possible fall in bed at night, once the home's own nights say how long its sleeper lies still.
import type { RuleContext } from './context.js';
import { silenceDetail, silenceEndedBy } from './explain.js';
import type { HomeState } from './home-state.js';
import { homeMayBeEmpty, inactivityDefinition, stillInBedFrom } from './inactivity.js';
import { returnInDoubt } from './possible-fall.js';
import { bedMatsWork } from './presence.js';
import type { RuleParams } from './params.js';
import type { RuleDefinition } from './registry.js';
import { dueFrom } from './threshold.js';
import { HOUR_MS, MINUTE_MS } from './time.js';

/**
 * Where a night's silence begins, when the next movement in bed would be reported:
 * - `bed-mat`: still on a bed mat that reports each movement (it pulses), as inactivity reads it (`stillInBedFrom`):
 *   none held on, or a press of it still on (its release not come) counted once longer than the mat's own presses;
 * - `bedroom-pir`: the bedroom's motion sensor was last, and no bed mat works (none, or one stuck): a PIR that sees
 *   the bed sees the sleeper turn (CASAS), one that does not sees nobody all night (Kasteren B), and the home's own
 *   nights tell which.
 */
export type NightContext = 'bed-mat' | 'bedroom-pir';
const CONTEXTS: readonly NightContext[] = ['bed-mat', 'bedroom-pir'];

/** A night counts when the resident lay in that context this long in all (a nap or a restless hour is no night). */
const NIGHT_MIN_MS = 3 * HOUR_MS;
/** Nights kept per context (the oldest dropped): two months of habits. */
const NIGHTS_KEPT = 60;
/** Nights are keyed by the local day at noon before: a night's spells after midnight belong to the evening before. */
const NIGHT_SHIFT_MS = 12 * HOUR_MS;

/** One context's nights: the longest spell of each finished night (minutes), and the night under way. */
interface Nights {
  longestMinutes: number[];
  /** Local day number of the night under way (its evening), -1 before any. */
  night: number;
  /** That night's longest spell and the spells' sum (ms). */
  longestMs: number;
  sumMs: number;
}

export interface NightStillnessSlice {
  nights: Record<NightContext, Nights>;
  /** The silence under way began at `spellSince` in `spellContext` (NaN: not in a context of the night). */
  spellSince: number;
  spellContext: NightContext | undefined;
}

function newNights(): Nights {
  return { longestMinutes: [], night: -1, longestMs: 0, sumMs: 0 };
}

function newSlice(): NightStillnessSlice {
  return { nights: { 'bed-mat': newNights(), 'bedroom-pir': newNights() }, spellSince: NaN, spellContext: undefined };
}

/**
 * The context of the night a silence starting now at `at` is in, if any, and from when it is a still spell: `at`, or
 * later for a press of a mat that pulses still on (from when it outlasts the mat's own presses, `stillInBedFrom`).
 */
export function nightContext(home: HomeState, at: number): { context: NightContext; since: number } | undefined {
  if (!home.inRestNight(at)) return undefined;
  const stillFrom = stillInBedFrom(home, at);
  if (!Number.isNaN(stillFrom)) return { context: 'bed-mat', since: Math.max(at, stillFrom) };
  const device = home.devices.get(home.lastActivityDeviceId ?? '');
  if (device?.room === 'bedroom' && device.kind === 'motion' && !home.bedOccupied && !bedMatsWork(home, at))
    return { context: 'bedroom-pir', since: at };
  return undefined;
}

/** A spell of `ms` that began at `since` in `context`: the night it belongs to keeps its longest. */
function recordSpell(home: HomeState, nights: Nights, since: number, ms: number): void {
  const night = home.zone.dayNumber(since - NIGHT_SHIFT_MS);
  if (night !== nights.night) {
    closeNight(nights);
    nights.night = night;
  }
  nights.longestMs = Math.max(nights.longestMs, ms);
  nights.sumMs += ms;
}

/** The night under way joins the finished ones when it was a night (long enough in all). */
function closeNight(nights: Nights): void {
  if (nights.night >= 0 && nights.sumMs >= NIGHT_MIN_MS) {
    nights.longestMinutes.push(Math.round(nights.longestMs / MINUTE_MS));
    if (nights.longestMinutes.length > NIGHTS_KEPT) nights.longestMinutes.shift();
  }
  nights.longestMs = 0;
  nights.sumMs = 0;
}

/** Upper-tail standard normal quantile: the z with P(Z > z) = p (Abramowitz & Stegun 26.2.23, error < 4.5e-4). */
function normalUpper(p: number): number {
  const t = Math.sqrt(-2 * Math.log(p));
  return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t ** 3);
}

/**
 * Upper-tail quantile of Student's t with `df` degrees of freedom (Cornish-Fisher, A & S 26.7.5; within 0.01 of the
 * tables from 4 degrees of freedom, 0.15 at 2).
 */
export function studentUpper(p: number, df: number): number {
  const x = normalUpper(p);
  const x2 = x * x;
  return (
    x +
    (x * (x2 + 1)) / (4 * df) +
    (x * (5 * x2 * x2 + 16 * x2 + 3)) / (96 * df ** 2) +
    (x * (3 * x2 ** 3 + 19 * x2 * x2 + 17 * x2 - 15)) / (384 * df ** 3) +
    (x * (79 * x2 ** 4 + 776 * x2 ** 3 + 1482 * x2 * x2 - 1920 * x2 - 945)) / (92160 * df ** 4)
  );
}

/**
 * The upper prediction bound, at `percent`, for the next of `values` (minutes, at least two): taken as log-normal, the
 * Student t bound on their logs (a value under a minute counts as one). Night stillness's nights and a chair mat's
 * sittings by day (rules/inactivity.ts `sittingBoundMs`).
 */
export function logNormalUpper(values: readonly number[], percent: number): number {
  const n = values.length;
  const logs = values.map((m) => Math.log(Math.max(1, m)));
  const mean = logs.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  return Math.exp(mean + studentUpper(percent / 100, n - 1) * sd * Math.sqrt(1 + 1 / n));
}

/**
 * The threshold a night's silence in `context` must cross, in ms, from the home's own nights; NaN before
 * `possibleFall.stillMinNights` nights. The longest still spell of a night is taken as log-normal across nights, and
 * the threshold is its upper prediction bound for the next night at `possibleFall.stillNightPercent`: a home whose
 * nights vary much (Kasteren B: 36 to 246 min) gets a long one, a home with few nights a wide one. Never under the
 * longest night seen with the learned margin (`learned.marginPercent`, `learned.marginMinutes`), nor the floor.
 */
export function nightStillnessMs(params: RuleParams, longestMinutes: readonly number[]): number {
  const p = params.possibleFall;
  const n = longestMinutes.length;
  if (n < Math.max(2, p.stillMinNights)) return NaN;
  const bound = logNormalUpper(longestMinutes, p.stillNightPercent);
  const m = params.learned;
  const longest = Math.max(...longestMinutes) * (1 + m.marginPercent / 100) + m.marginMinutes;
  return Math.round(Math.max(p.floorMinutes, bound, longest) * MINUTE_MS);
}

/**
 * Arm the still spell under way (`spellContext`, from `spellSince`) at the deadline the home's nights give it, when that
 * is sooner than inactivity's; otherwise inactivity watches it alone. `at`: now (the last activity, or a restore).
 */
function armStillSpell(home: HomeState, at: number, ctx: RuleContext, state: NightStillnessSlice): void {
  delete home.armed['night-stillness'];
  ctx.disarm(home.timers['night-stillness']);
  const context = state.spellContext;
  if (context === undefined) return;
  // The home may be empty (a mat alone since the exit door, a device alone after an outing): inactivity watches.
  if (returnInDoubt(home) || homeMayBeEmpty(home, home.homeSliceOf(inactivityDefinition))) return;
  const ms = nightStillnessMs(home.params, state.nights[context].longestMinutes);
  // The still spell from its start (a press still on: from when it outlasts the mat's own presses).
  const dueAt = state.spellSince + ms;
  if (Number.isNaN(ms) || dueAt >= home.timers.inactivity.dueAt) return;
  home.armed['night-stillness'] = { ms: dueAt - home.lastActivityAt, source: 'learned' };
  ctx.arm(home.timers['night-stillness'], Math.max(at, dueAt));
}

/** Registered in rules/built-in.ts (after inactivity: it arms only when earlier than inactivity's deadline). */
export const nightStillnessDefinition = {
  name: 'night-stillness',
  homeTimers: ['night-stillness'] as const,
  silence: true,
  homeState: {
    version: 1,
    create: newSlice,
    // Nothing to keep before a first spell of the night (most homes' state stays as it was).
    save: (s: NightStillnessSlice) =>
      CONTEXTS.every((c) => s.nights[c].night < 0 && s.nights[c].longestMinutes.length === 0) &&
      Number.isNaN(s.spellSince)
        ? undefined
        : {
            // A copy: a saved state must not change with the engine after it was taken.
            nights: {
              'bed-mat': { ...s.nights['bed-mat'], longestMinutes: [...s.nights['bed-mat'].longestMinutes] },
              'bedroom-pir': {
                ...s.nights['bedroom-pir'],
                longestMinutes: [...s.nights['bedroom-pir'].longestMinutes],
              },
            },
            spellSince: Number.isNaN(s.spellSince) ? null : s.spellSince,
            spellContext: s.spellContext ?? null,
          },
    load: (saved: unknown): NightStillnessSlice | undefined => {
      const s = saved as {
        nights?: Partial<Record<string, Partial<Nights>>>;
        spellSince?: unknown;
        spellContext?: unknown;
      };
      if (typeof s !== 'object' || s === null) return undefined;
      const slice = newSlice();
      for (const c of CONTEXTS) {
        const n = s.nights?.[c];
        if (!n) continue;
        slice.nights[c] = {
          longestMinutes: Array.isArray(n.longestMinutes)
            ? n.longestMinutes.filter((m) => typeof m === 'number' && m >= 0).slice(-NIGHTS_KEPT)
            : [],
          night: typeof n.night === 'number' ? n.night : -1,
          longestMs: typeof n.longestMs === 'number' ? n.longestMs : 0,
          sumMs: typeof n.sumMs === 'number' ? n.sumMs : 0,
        };
      }
      slice.spellSince = typeof s.spellSince === 'number' ? s.spellSince : NaN;
      slice.spellContext = CONTEXTS.find((c) => c === s.spellContext);
      return slice;
    },
  },

  onActivity(home: HomeState, at: number, ctx: RuleContext, state: NightStillnessSlice): void {
    // The spell that just ended joins its night.
    if (state.spellContext !== undefined && at > state.spellSince && home.heardSince(state.spellSince))
      recordSpell(home, state.nights[state.spellContext], state.spellSince, at - state.spellSince);
    const night = nightContext(home, at);
    const context = night?.context;
    state.spellContext = context;
    state.spellSince = night?.since ?? NaN;
    ctx.clear(home, 'possible-fall', at, silenceEndedBy(home, `activity in ${home.lastActivityRoom ?? 'the home'}`));
    armStillSpell(home, at, ctx, state);
  },

  // Restored under the configuration now (a reload, or a restart with a new file): the still spell under way is judged
  // as that configuration judges the home's nights, as its last movement would have armed it then. An installer who
  // asked for more nights first (`possibleFall.stillMinNights`) or a wider bound (`stillNightPercent`) and reloaded
  // while the resident lay still had the silence called at the old, sooner deadline all the same; one who lowered it
  // had the old, later call (review, session 61). Only the spell as its last movement left it (armed then and not moved
  // since by a held PIR's wait, or left to inactivity then), while inactivity's deadline is as that movement armed it;
  // an unchanged configuration moves nothing. One already past calls at once.
  onRestore(home: HomeState, at: number, ctx: RuleContext, state: NightStillnessSlice): void {
    const slot = home.timers['night-stillness'];
    const armed = home.armed['night-stillness'];
    const start = home.lastActivityAt;
    if (state.spellContext === undefined || !dueFrom(home.timers.inactivity, home.armed.inactivity, start)) return;
    if (armed === undefined ? Number.isFinite(slot.dueAt) : !dueFrom(slot, armed, start)) return;
    armStillSpell(home, at, ctx, state);
  },

  onSuspend(home: HomeState, _at: number, ctx: RuleContext, state: NightStillnessSlice): void {
    // Out or away: the time until the next activity is no spell of the night.
    state.spellSince = NaN;
    state.spellContext = undefined;
    ctx.disarm(home.timers['night-stillness']);
  },

  onTimer(home: HomeState, _timer: string, at: number, ctx: RuleContext, state: NightStillnessSlice): void {
    // A PIR or presence sensor still on: someone is moving there.
    if (home.presenceHeld(at)) {
      ctx.arm(home.timers['night-stillness'], at + home.params.presence.heldMaxMinutes * MINUTE_MS);
      return;
    }
    const context = state.spellContext;
    const nights = context === undefined ? [] : state.nights[context].longestMinutes;
    ctx.raise(home, 'possible-fall', 'high', at, {
      room: home.lastActivityRoom,
      episodic: true,
      // Why, for the responder: no movement in bed (or in the bedroom) for longer than this home's still nights.
      detail: {
        ...silenceDetail(home, 'night-stillness', at, home.lastActivityAt),
        ...(context === 'bed-mat' ? { stillInBed: true } : {}),
        nightContext: context ?? null,
        learnedNights: nights.length,
        longestNightMinutes: nights.length > 0 ? Math.max(...nights) : null,
      },
    });
  },
} satisfies RuleDefinition<NightStillnessSlice>;
