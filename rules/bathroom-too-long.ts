// bathroom-too-long: last activity in the bathroom, none elsewhere since, for longer than learned normal.
import type { RuleContext } from './context.js';
import { silenceDetail, silenceEndedBy } from './explain.js';
import type { DeviceState, HomeState } from './home-state.js';
import type { SensorEvent } from './types.js';
import { bedUnseen, returnInDoubt, shutInForNight } from './possible-fall.js';
import { dueFrom, learnedOrPrior, type Threshold } from './threshold.js';
import { isBathroom } from './vocabulary.js';
import type { ActivitySeen, RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';

/**
 * The bathroom's appliance (a toilet flush) last seen, to tell its own repeat. A flush reporting again within a cistern's
 * refill (`CISTERN_REFILL_MS`) of its last report, with the resident seen in another room in between, is the same flush (a cistern refilling, a
 * sensor bouncing), not a new visit: nobody walks back and uses the toilet in seconds. Kasteren A: the flush at
 * 22:33:34, the bedroom door at 22:33:42, the flush again at 22:33:58, then the night: a bathroom-too-long at 23:03.
 * Every report of the flush counts as its last report, its power falling too (session 24): Kasteren C's flush reports
 * 0 W, the toilet door opens and closes behind the resident, and 40 s later it reports 100 W (the cistern refilling);
 * with C's mats taken out nothing else reported until the morning or the evening's end, and that 100 W began a
 * bathroom visit called after 28-60 min (5 of its 15 false alarms).
 */
export interface FlushWatch {
  deviceId: string | undefined;
  /** Its last report (epoch ms). */
  at: number;
  /** The resident was seen in another room since. */
  seenElsewhere: boolean;
  /** The activity being handled is such a repeat. */
  repeat: boolean;
  /**
   * The activity being handled ends a silence of a bathroom visit that was already called (another alert of the
   * inactivity family open, raised in that silence): told before the rules clear it, read when the visit goes on.
   */
  called: boolean;
  /** Such an activity in the visit under way (epoch ms; NaN: none): the visit's wait runs again from it. */
  waitFrom: number;
}

/**
 * How long after a flush's last report its next one may still be the cistern refilling (session 63; before, a minute,
 * the exit door's margin for sensors' clocks, which is not about cisterns). A fill valve refills a 6-9 litre cistern in
 * 40 s to 2 min at ordinary mains pressure (longer where it is low); a float switch that reports the tank full again
 * reports then. Kasteren C's two flushes (read as an account, held out): 41-63 s and 50-77 s after the flush.
 */
export const CISTERN_REFILL_MS = 2 * MINUTE_MS;

function newFlushWatch(): FlushWatch {
  return { deviceId: undefined, at: NaN, seenElsewhere: false, repeat: false, called: false, waitFrom: NaN };
}

function watchFlush(watch: FlushWatch, seen: ActivitySeen, at: number): void {
  const device = seen.device;
  watch.repeat = false;
  if (device.kind === 'appliance' && isBathroom(device.room)) {
    watch.repeat = watch.deviceId === device.id && watch.seenElsewhere && at - watch.at <= CISTERN_REFILL_MS;
    watch.deviceId = device.id;
    watch.at = at;
    watch.seenElsewhere = false;
  } else if (!isBathroom(device.room) && !seen.activity.worn) {
    watch.seenElsewhere = true;
  } else if (isBathroom(device.room) && !seen.activity.worn && !seen.activity.heldEnd) {
    // Seen in the bathroom again after being seen elsewhere (a movement there, not a sensor clearing behind them): the
    // flush's next report is this visit's, not a repeat of the last one (session 63; Kasteren C without its mats, 23 Nov:
    // the flush rose at 05:30, the resident went out and came back to the bathroom at 06:18, then back to bed unseen;
    // the flush fell at 09:24 and rose at 09:25, taken for a repeat, which ended the visit's wait without running it
    // again after the possible-fall of 07:03, and the next movement in the bathroom, 09:27, called bathroom-too-long
    // on a visit of 188 min, the resident up and moving).
    watch.seenElsewhere = false;
  }
}

/** A report of a bathroom appliance that is no activity (its power falling): the flush's report all the same. */
function onFlushReport(device: DeviceState, event: SensorEvent, at: number, rise: number, watch: FlushWatch): void {
  if (!isBathroom(device.room) || typeof event.value !== 'number') return;
  // Called before the activity is observed: `lastValue` is still the report before this one. A rise is activity
  // (`watchFlush` sees it).
  const before = typeof device.lastValue === 'number' ? device.lastValue : 0;
  if (event.value - before >= rise) return;
  // The resident seen elsewhere since the visit's flush stays seen: a flush ending after they left is not them.
  if (watch.deviceId !== device.id) watch.seenElsewhere = false;
  watch.deviceId = device.id;
  watch.at = at;
}

/**
 * When the visit begun at `enteredAt` is due: its wait from `waitFrom` when run again (a time in the visit), else from
 * entry. NaN where this home's own visits at that hour last as long as the cap or longer (`bathroomUntimed`), and at
 * night where nothing sees the bed.
 */
function bathroomDeadline(home: HomeState, enteredAt: number, waitFrom: number): number {
  const p = home.params.bathroom;
  const from = Number.isNaN(waitFrom) ? enteredAt : waitFrom;
  const prior = (home.inNight(enteredAt) ? p.coldStartNightMinutes : p.coldStartDayMinutes) * MINUTE_MS;
  const t = learnedOrPrior(home, 'bathroom-stay', enteredAt, prior, 'cold-start');
  const capMs = home.params.inactivity.capMinutes * MINUTE_MS;
  const ms = Math.min(capMs, t.ms);
  // At night in a home where nothing sees the bed (`bedUnseen`), the visit's end is the resident going back to bed
  // unseen: its length says nothing, and the silence after it is watched as the night's (possible-fall, inactivity).
  // So too a wait run again in the night (`waitFrom`): a visit entered in the evening goes on "unended" through the
  // night where nothing sees the resident leave the bathroom for bed (CASAS with nothing in the bedroom, 16 Jun 2011:
  // the bathroom at 22:56 local, a possible fall at 23:41, the resident back in the bathroom at about 01:27, in bed again
  // unseen, called at 02:27 on the day's 60 min; session 70 review). Nor, before the home's own visits at that hour say
  // how long they last, a visit that would be called in the night: the resident going to bed unseen just before the
  // window (CASAS, 15 Jun 2011: the bathroom at 22:56, called at 23:53 on the day's 60 min, asleep; session 71). A
  // learned length stands: the resident's own long evening visits. (`bedUnseen` asked last: it reads every device.)
  const unseenNight =
    (home.inNight(from) || (t.source !== 'learned' && home.inNight(from + ms))) && bedUnseen(home, from);
  if (unseenNight || bathroomUntimed(t, capMs)) {
    delete home.armed.bathroom;
    return NaN;
  }
  home.armed.bathroom = { ms, source: t.source };
  return from + ms;
}

/**
 * Whether a visit's length says nothing in this home at this hour: its own visits, learned, last as long as the cap
 * (12 h) or longer. No resident spends that long in a bathroom night after night; a "visit" that long is a layout
 * that sees the bathroom and nothing of where the resident goes next (Ordonez A without its mats: the evening's
 * first bathroom report at 21:21 and nothing but the bathroom until the morning, learned as a 12-h visit and called
 * at the cap every morning, the resident up and about: five of its 22 false alarms; session 47). The silence itself is
 * still watched (possible-fall, inactivity); only the visit's own clock, which the home has shown to mean nothing,
 * stops.
 */
export function bathroomUntimed(t: Threshold, capMs: number): boolean {
  return t.source === 'learned' && t.ms >= capMs;
}

/** Registered in rules/built-in.ts. */
export const bathroomDefinition = {
  name: 'bathroom-too-long',
  events: ['power'],
  deviceKinds: ['appliance'],
  homeTimers: ['bathroom'] as const,
  silence: true,

  homeState: {
    version: 1,
    create: newFlushWatch,
    // Nothing to keep in a home whose flush never reported and whose visit's wait never ran again.
    save: (watch: FlushWatch) =>
      watch.deviceId === undefined && Number.isNaN(watch.waitFrom)
        ? undefined
        : { ...watch, repeat: false, called: false },
    load: (saved: unknown): FlushWatch | undefined => {
      const s = saved as Partial<FlushWatch> | null;
      if (typeof s !== 'object' || s === null) return undefined;
      // JSON turns NaN into null.
      return {
        deviceId: typeof s.deviceId === 'string' ? s.deviceId : undefined,
        at: typeof s.at === 'number' ? s.at : NaN,
        seenElsewhere: s.seenElsewhere === true,
        repeat: false,
        called: false,
        waitFrom: typeof s.waitFrom === 'number' ? s.waitFrom : NaN,
      };
    },
  },

  onEvent(
    home: HomeState,
    device: DeviceState,
    event: SensorEvent,
    at: number,
    _ctx: RuleContext,
    _now: number,
    _device: undefined,
    watch: FlushWatch,
  ): void {
    onFlushReport(device, event, at, home.params.presence.powerRiseW, watch);
  },

  onActivitySeen(home: HomeState, seen: ActivitySeen, at: number, _ctx: RuleContext, watch: FlushWatch): void {
    watchFlush(watch, seen, at);
    // Before possible-fall hears the activity and clears its call (rules/built-in.ts runs it first).
    watch.called = !Number.isNaN(home.bathroomEnteredAt) && home.familyOpenThisSilence('bathroom-too-long');
  },

  onActivity(home: HomeState, at: number, ctx: RuleContext, watch: FlushWatch): void {
    // A flush repeating after the resident left the bathroom: the visit is over, not begun again.
    if (watch.repeat) {
      ctx.disarm(home.timers.bathroom);
      return;
    }
    // Back from an outing with the door shut, by one bathroom sensor's word alone: not a visit yet (possible-fall.ts).
    // A device of the home found dead that usually told such a visit's end (inactivity watches).
    // A bathroom door that moved just after the bedroom door closed for the night: the night's silence (possible-fall.ts).
    if (
      isBathroom(home.lastActivityRoom) &&
      !returnInDoubt(home) &&
      !home.roomRulesHeld(at) &&
      shutInForNight(home, at) === undefined
    ) {
      // A home of two, one of them resting on a held mat: whoever came to the bathroom goes back to a mat already
      // pressed, which reports nothing, so the visit's end is never seen; it is not timed (the silence is watched as a
      // rest, `HomeState.othersRest`). ARAS A, 5 Jan 01:59: the couch held by resident 2 from 01:58, the shower cabinet
      // door until 02:09, then the night: called at 02:28 (seven of its eight bathroom-too-long alarms were such nights).
      if (Number.isNaN(home.bathroomEnteredAt) && home.othersRest(at)) {
        ctx.disarm(home.timers.bathroom);
        return;
      }
      if (Number.isNaN(home.bathroomEnteredAt)) {
        home.bathroomEnteredAt = at;
        watch.waitFrom = NaN;
      }
      // Not before this activity: a visit already past its deadline (its call held back while another of the family was
      // open in the silence before, which this activity cleared) is called now, not stamped at the deadline, minutes
      // before the report that made it due (session 37; Ordonez A, 1 Dec 2011: possible-fall at 17:09, the basin PIR's
      // clearing at 17:27:13 cleared it, and bathroom-too-long came stamped 17:14:44).
      // A visit already called in the silence this activity ends (a possible fall raised, now cleared by the
      // resident moving there): the episode was told; this movement starts the visit's wait again, not a second
      // call-out at once (session 44; Ordonez A, 1 Dec 2011: possible-fall at 17:09, the basin PIR's clearing at
      // 17:27:13 cleared it and raised bathroom-too-long in the same second). A collapse after this movement is still
      // possible-fall's, on its own shorter wait.
      if (watch.called) watch.waitFrom = at;
      const due = bathroomDeadline(home, home.bathroomEnteredAt, watch.waitFrom);
      if (Number.isNaN(due)) ctx.disarm(home.timers.bathroom);
      else ctx.arm(home.timers.bathroom, Math.max(at, due));
      return;
    }
    if (!Number.isNaN(home.bathroomEnteredAt)) {
      const entered = home.bathroomEnteredAt;
      if (home.heardSince(entered))
        home.learned.record('bathroom-stay', home.zone.hourOfWeek(entered), at - entered, home.zone.dayNumber(at));
      home.bathroomEnteredAt = NaN;
      watch.waitFrom = NaN;
      ctx.clear(
        home,
        'bathroom-too-long',
        at,
        silenceEndedBy(home, `activity in ${home.lastActivityRoom ?? 'another room'}`),
      );
    }
    ctx.disarm(home.timers.bathroom);
  },

  // Restored under the configuration now (a reload, or a restart with a new file): the visit under way is timed from
  // its entry (or its wait run again) under that configuration, as inactivity's silence is (review, session 60: the
  // day's allowance lowered from 60 to 40 min at 10:10, the resident in the bathroom since 10:00 was called at 11:00).
  // Only the timer as the visit armed it (not one held to its activity's time); where the configuration now leaves the
  // visit untimed, the one armed stands. One already past calls at once.
  onRestore(home: HomeState, at: number, ctx: RuleContext, watch: FlushWatch): void {
    const slot = home.timers.bathroom;
    const armed = home.armed.bathroom;
    const entered = home.bathroomEnteredAt;
    if (Number.isNaN(entered) || !dueFrom(slot, armed, Number.isNaN(watch.waitFrom) ? entered : watch.waitFrom)) return;
    const due = bathroomDeadline(home, entered, watch.waitFrom);
    if (Number.isNaN(due)) {
      home.armed.bathroom = armed;
      return;
    }
    if (Math.ceil(due) !== slot.dueAt) ctx.arm(slot, Math.max(at, due));
  },

  onSuspend(home: HomeState, _at: number, ctx: RuleContext, watch: FlushWatch): void {
    home.bathroomEnteredAt = NaN;
    watch.waitFrom = NaN;
    ctx.disarm(home.timers.bathroom);
  },

  onTimer(home: HomeState, _timer: string, at: number, ctx: RuleContext): void {
    ctx.raise(home, 'bathroom-too-long', 'high', at, {
      room: home.lastActivityRoom,
      episodic: true,
      // The silence is the one since the last movement (the resident may have moved there minutes ago); the limit
      // crossed is the visit's, against `minutesInBathroom` (session 44: the card said "silent for" the whole visit).
      detail: {
        ...silenceDetail(home, 'bathroom', at, home.lastActivityAt),
        minutesInBathroom: Math.round((at - home.bathroomEnteredAt) / MINUTE_MS),
        enteredAt: new Date(home.bathroomEnteredAt).toISOString(),
      },
    });
  },
} satisfies RuleDefinition<FlushWatch>;
