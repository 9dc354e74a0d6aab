// possible-fall: the resident was placed in one room (a PIR, the bathroom) or, once learned, seen at any device, then silence everywhere.
import type { RuleContext } from './context.js';
import type { HomeState } from './home-state.js';

const MINUTE_MS = 60_000;

/** When the silence after the last activity becomes a possible fall; NaN when not applicable. */
export function possibleFallDeadline(h: HomeState, start: number): number {
  // On a bed or chair mat the resident is resting, not lying on the floor.
  if (h.bedOccupied || h.chairOccupied) return NaN;
  if (!h.lastActivityLocated || h.lastActivityContext === undefined) return afterActivityDeadline(h, start);
  const p = h.params.possibleFall;
  if (h.isLearned(start)) {
    const learned = h.learned.threshold(
      h.lastActivityContext,
      h.zone.hourOfWeek(start),
      h.zone.dayNumber(start),
      h.params.learned,
    );
    if (!Number.isNaN(learned)) {
      const capMs = h.params.inactivity.capMinutes * MINUTE_MS;
      return start + Math.min(capMs, Math.max(p.floorMinutes * MINUTE_MS, learned));
    }
  }
  return start + (h.inNight(start) ? p.coldStartNightMinutes : p.coldStartDayMinutes) * MINUTE_MS;
}

/**
 * Without a PIR or the bathroom, a door or appliance does not place the resident, but once learned
 * the home's history says how long the silence after that very activity lasts when all is well (a
 * cupboard closed at noon is soon followed by more). Only worth it when earlier than inactivity.
 */
function afterActivityDeadline(h: HomeState, start: number): number {
  const p = h.params.possibleFall;
  if (p.afterActivityPercent <= 0 || h.lastActivityKey === undefined || !h.isLearned(start)) return NaN;
  const learned = h.silences.threshold(h.lastActivityKey, h.zone.dayNumber(start), p.afterActivityPercent);
  if (Number.isNaN(learned)) return NaN;
  const deadline = start + Math.max(p.floorMinutes * MINUTE_MS, learned);
  return deadline < h.timers.inactivity.dueAt ? deadline : NaN;
}

export const possibleFallRule = {
  onActivity(h: HomeState, at: number, c: RuleContext): void {
    c.clear(h, 'possible-fall', at, `activity in ${h.lastActivityRoom ?? 'the home'}`);
    const deadline = possibleFallDeadline(h, at);
    if (Number.isNaN(deadline)) c.disarm(h.timers['possible-fall']);
    else c.arm(h.timers['possible-fall'], deadline);
  },

  onSuspend(h: HomeState, _at: number, c: RuleContext): void {
    c.disarm(h.timers['possible-fall']);
  },

  onTimer(h: HomeState, at: number, c: RuleContext): void {
    c.raise(h, 'possible-fall', 'high', at, {
      room: h.lastActivityRoom,
      episodic: true,
      detail: {
        silentMinutes: Math.round((at - h.lastActivityAt) / MINUTE_MS),
        lastActivityRoom: h.lastActivityRoom ?? null,
        learned: h.isLearned(h.lastActivityAt),
      },
    });
  },
};
