// possible-fall: the resident was placed in one room (a PIR, the bathroom) or, once learned, seen at any device, then silence everywhere.
import type { RuleContext } from './context.js';
import { silenceDetail } from './explain.js';
import type { HomeState } from './home-state.js';
import { learnedOrPrior } from './threshold.js';
import type { RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';

/** Rooms one passes through or works in, where nobody normally stays still for long without a mat to say so. */
const ACTIVE_ROOMS = new Set(['kitchen', 'bathroom', 'toilet', 'hall', 'entrance', 'landing', 'stairs', 'utility']);

/**
 * Cold-start allowance after activity in `room`. In a room one passes through, the SPEC's short
 * values; in a room with a bed or chair mat that is empty, too (the mat, not the silence, tells
 * resting). In any other room (a living room or study without a mat) sitting still for hours is
 * normal, so until the home's own history says otherwise the allowance is inactivity's day value; so too
 * in the room of the exit door.
 */
function coldStartMs(home: HomeState, room: string, start: number): number {
  const p = home.params.possibleFall;
  // By the exit door, a silence is as likely an outing the door contact missed (a door left ajar, a PIR that sees
  // the porch) as a fall: until the home's own history says otherwise, inactivity's day value, as in a living room.
  if (home.exitRooms.has(room)) return home.params.inactivity.coldStartDayMinutes * MINUTE_MS;
  if (ACTIVE_ROOMS.has(room) || home.matRooms.has(room)) {
    return (home.inNight(start) ? p.coldStartNightMinutes : p.coldStartDayMinutes) * MINUTE_MS;
  }
  return home.params.inactivity.coldStartDayMinutes * MINUTE_MS;
}

/** When the silence after the last activity becomes a possible fall; NaN when not applicable. */
export function possibleFallDeadline(home: HomeState, start: number): number {
  delete home.armed['possible-fall'];
  // On a bed or chair mat the resident is resting, not lying on the floor.
  if (home.bedOccupied || home.chairOccupied) return NaN;
  if (!home.lastActivityLocated || home.lastActivityContext === undefined) return afterActivityDeadline(home, start);
  const p = home.params.possibleFall;
  const prior = coldStartMs(home, home.lastActivityRoom ?? '', start);
  const t = learnedOrPrior(home, home.lastActivityContext, start, prior, 'cold-start', p.floorMinutes * MINUTE_MS);
  const ms = Math.min(home.params.inactivity.capMinutes * MINUTE_MS, t.ms);
  home.armed['possible-fall'] = { ms, source: t.source };
  return start + ms;
}

/**
 * Without a PIR or the bathroom, a door or appliance does not place the resident, but once learned
 * the home's history says how long the silence after that very activity lasts when all is well (a
 * cupboard closed at noon is soon followed by more). Only worth it when earlier than inactivity.
 */
function afterActivityDeadline(home: HomeState, start: number): number {
  const p = home.params.possibleFall;
  if (p.afterActivityPercent <= 0 || home.lastActivityKey === undefined || !home.isLearned(start)) return NaN;
  // Only where nobody rests: after a bedroom door or a bed mat left at night, sleep or a sensorless room may follow.
  if (!ACTIVE_ROOMS.has(home.lastActivityRoom ?? '')) return NaN;
  const learned = home.silences.threshold(home.lastActivityKey, home.zone.dayNumber(start), p.afterActivityPercent);
  if (Number.isNaN(learned)) return NaN;
  const ms = Math.max(p.floorMinutes * MINUTE_MS, learned);
  if (start + ms >= home.timers.inactivity.dueAt) return NaN;
  home.armed['possible-fall'] = { ms, source: 'learned' };
  return start + ms;
}

/** Registered in rules/built-in.ts. */
export const possibleFallDefinition = {
  name: 'possible-fall',
  homeTimers: ['possible-fall'] as const,
  silence: true,

  onActivity(home: HomeState, at: number, ctx: RuleContext): void {
    ctx.clear(home, 'possible-fall', at, `activity in ${home.lastActivityRoom ?? 'the home'}`);
    const deadline = possibleFallDeadline(home, at);
    if (Number.isNaN(deadline)) ctx.disarm(home.timers['possible-fall']);
    else ctx.arm(home.timers['possible-fall'], deadline);
  },

  onSuspend(home: HomeState, _at: number, ctx: RuleContext): void {
    ctx.disarm(home.timers['possible-fall']);
  },

  onTimer(home: HomeState, _timer: string, at: number, ctx: RuleContext): void {
    // A PIR or presence sensor still on: the resident is moving there, not lying still.
    if (home.presenceHeld(at)) {
      ctx.arm(
        home.timers['possible-fall'],
        at +
          Math.min(
            home.params.presence.heldMaxMinutes * MINUTE_MS,
            home.armed['possible-fall']?.ms ?? home.params.possibleFall.floorMinutes * MINUTE_MS,
          ),
      );
      return;
    }
    ctx.raise(home, 'possible-fall', 'high', at, {
      room: home.lastActivityRoom,
      episodic: true,
      detail: silenceDetail(home, 'possible-fall', at, home.lastActivityAt),
    });
  },
} satisfies RuleDefinition;
