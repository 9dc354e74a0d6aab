// out-of-bed-too-long: gone to bed, got up in the night window, not back for longer than learned normal.
import type { RuleContext } from './context.js';
import { silenceDetail } from './explain.js';
import type { HomeState } from './home-state.js';
import { dueFrom, shrink, type Threshold } from './threshold.js';
import type { ActivitySeen, RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';

const SAMPLES = { samples: 0 };

/** How long the resident up at `at` may be out of bed, and where that came from. */
function outOfBedLimit(home: HomeState, at: number): Threshold {
  // Night absences from bed are learned at hour 0 (one pool for the whole night).
  const prior = home.params.outOfBed.coldStartMinutes * MINUTE_MS;
  const learnedMs = home.learned.threshold('out-of-bed', 0, home.zone.dayNumber(at), home.params.learned, SAMPLES);
  return shrink(prior, learnedMs, SAMPLES.samples, home.params.learned.priorWeight, 'cold-start');
}

/** A bed mat changed: `occupied` true = in bed. */
function onBed(home: HomeState, occupied: boolean, at: number, ctx: RuleContext): void {
  if (occupied) {
    if (!Number.isNaN(home.gotUpAt) && home.heardSince(home.gotUpAt))
      home.learned.record('out-of-bed', 0, at - home.gotUpAt, home.zone.dayNumber(at));
    home.gotUpAt = NaN;
    home.wentToBed = true;
    ctx.disarm(home.timers['out-of-bed']);
    ctx.clear(home, 'out-of-bed-too-long', at, 'back in bed');
    return;
  }
  // A resident who has not gone to bed is not out of bed; getting up in the day ends the night.
  if (!home.wentToBed || !home.inNight(at)) {
    home.wentToBed = false;
    return;
  }
  home.gotUpAt = at;
  const t = outOfBedLimit(home, at);
  const limitMs = t.ms;
  home.armed['out-of-bed'] = t;
  // Getting up near the end of the night is getting up for the day.
  if (home.suspended() || !home.inNight(at + limitMs)) return;
  ctx.arm(home.timers['out-of-bed'], at + limitMs);
}

/** Whether `room` holds a bed mat: the room the resident returns to from a night-time trip. */
function isBedRoom(home: HomeState, room: string | undefined): boolean {
  if (room === undefined) return false;
  for (const d of home.devices.values()) if (d.kind === 'bed' && d.room === room) return true;
  return false;
}

/**
 * Up in the night and seen moving in the room of the bed (its PIR, a dresser, a door; not a mat): back from the
 * trip, or never gone from the bedroom. The resident is not lost on a night-time trip; a fall beside the bed is for
 * possible-fall and inactivity, which watch the silence after this. The absence is timed again from now, so a trip
 * out of the bedroom that follows is still watched. Kasteren B: bed mats that fell silent or were voided by a
 * kitchen switch firing on its own, while the bedroom PIR saw the resident turning in bed every few minutes.
 */
function seenInBedroom(home: HomeState, at: number, ctx: RuleContext): void {
  const limitMs = home.armed['out-of-bed']?.ms;
  if (limitMs === undefined || !Number.isFinite(home.timers['out-of-bed'].dueAt)) return;
  // Near the end of the night this is getting up for the day, as when the resident first got up.
  if (home.inNight(at + limitMs)) ctx.arm(home.timers['out-of-bed'], at + limitMs);
  else ctx.disarm(home.timers['out-of-bed']);
}

/** Registered in rules/built-in.ts: it hears the bed turning occupied or empty. */
export const outOfBedDefinition = {
  name: 'out-of-bed-too-long',
  homeTimers: ['out-of-bed'] as const,
  silence: true,

  onActivitySeen(home: HomeState, seen: ActivitySeen, at: number, ctx: RuleContext): void {
    if (seen.bedChanged) onBed(home, home.bedOccupied, at, ctx);
    else if (seen.activity.mat === undefined && !seen.activity.worn && isBedRoom(home, seen.device.room))
      seenInBedroom(home, at, ctx);
  },

  // Restored under the configuration now (a reload, or a restart with a new file): the absence under way is timed from
  // the getting up under that configuration, as the silence rules' timers are (review, session 60: the night's
  // allowance lowered from 45 to 30 min at 02:10, the resident up since 02:00, was called at 02:45). Only the timer as
  // the getting up armed it (not one run again from a movement in the bedroom), and only within the night, where the
  // getting up would have armed it. One already past calls at once.
  onRestore(home: HomeState, at: number, ctx: RuleContext): void {
    const slot = home.timers['out-of-bed'];
    const armed = home.armed['out-of-bed'];
    const up = home.gotUpAt;
    if (!dueFrom(slot, armed, up)) return;
    const t = outOfBedLimit(home, up);
    if (t.ms === armed.ms || !home.inNight(up + t.ms)) return;
    home.armed['out-of-bed'] = t;
    ctx.arm(slot, Math.max(at, up + t.ms));
  },

  onSuspend(home: HomeState, _at: number, ctx: RuleContext): void {
    ctx.disarm(home.timers['out-of-bed']);
  },

  onTimer(home: HomeState, _timer: string, at: number, ctx: RuleContext): void {
    // Up from bed and resting on a chair mat: not lying on the floor (inactivity still watches the chair).
    if (home.chairOccupied) return;
    ctx.raise(home, 'out-of-bed-too-long', 'medium', at, {
      room: home.lastActivityRoom,
      episodic: true,
      detail: {
        // The silence since the last movement (a resident up and about moves); the limit crossed is the time out of
        // bed, `minutesOutOfBed` (session 44, as bathroom-too-long's visit).
        ...silenceDetail(home, 'out-of-bed', at, home.lastActivityAt),
        minutesOutOfBed: Math.round((at - home.gotUpAt) / MINUTE_MS),
        gotUpAt: new Date(home.gotUpAt).toISOString(),
      },
    });
  },
} satisfies RuleDefinition;
