// Which door is the way out, learned from the home's own record when nobody said: the door that the home's daytime
// silences begin and end with (an outing), and that the nights do not.
import { MINUTE_MS } from './time.js';

/** A silence this long or longer, begun and ended by the same door, is counted as that door's (an outing, or a night). */
export const EXIT_SILENCE_MS = 30 * MINUTE_MS;
/**
 * How near the silence's edges the door must have moved: the last of the resident's doings before it (a PIR by the door
 * sees the leaving for a moment after the door shuts), and the first after it (the PIR may see the one coming in first).
 */
export const EXIT_NEAR_MS = 2 * MINUTE_MS;
/** Silences begun from this local hour to the next one's start count as by day (outings); the rest as by night. */
export const EXIT_DAY_FROM_HOUR = 7;
export const EXIT_DAY_TO_HOUR = 21;
/** The daytime silences a door must have begun and ended before it is taken for the way out. */
export const EXIT_MIN_SILENCES = 4;

/** How many times as many daytime silences as any other door that could be the way out (more by day than by night). */
export const EXIT_LEAD = 3;

/** Rooms no way out leaves from (a door there shuts a room, not the home). */
const NOT_AN_EXIT = /^(bedroom|bathroom|toilet|wc|shower)/;

/** A door's silences begun and ended with it: by day (local hours of `EXIT_DAY_*`) and by night. */
interface DoorSilences {
  day: number;
  night: number;
}

export interface ExitDoorLearningState {
  /** Per door id, [by day, by night]. */
  counts: Record<string, [number, number]>;
  /** The doors taken for the way out, in the order they were. */
  learned?: string[];
}

/** The local time of an instant (`ZoneClock`). */
export interface LocalClock {
  minuteOfDay(ts: number): number;
}

/** What the learner hears of one activity. */
export interface ExitDoorObservation {
  deviceId: string;
  /** A door's contact that moved (a door of kind `door`, not a mat, a PIR or an appliance). */
  door: boolean;
  /** The door's room, when known (a bedroom's or a bathroom's door is never the way out). */
  room: string | undefined;
  /** A PIR clearing: the end of a movement begun earlier, not a new doing. */
  heldEnd: boolean;
  at: number;
}

/**
 * In a home configured with no exit door (an installer who did not mark it, a recording whose sensors are only codes),
 * every outing is a silence the rules would call about. The way out shows itself in the home's own record: an outing is
 * a silence of `EXIT_SILENCE_MS` or more begun by one door (the resident shutting it behind them) and ended by the same
 * door (coming back), by day. A bedroom door shut for the night also begins and ends a silence, at night; an inside door
 * is followed by the resident's other doings within minutes. Taken for the way out: the door with `EXIT_MIN_SILENCES`
 * such daytime silences, more of them by day than by night, and `EXIT_LEAD` times as many as any other door not yet
 * taken that has more by day than by night (never a bedroom's or a bathroom's; a door that also shuts the night, a
 * bedroom's, is no rival). A second way out (a back door, the garage's) is taken the same way once its own outings lead
 * the doors left. Measured on Kasteren A, B, C, CASAS, Ordóñez and ARAS read as sensor codes
 * (eval/README.md, "Twenty-fifth round").
 */
export class ExitDoorLearner {
  private readonly counts = new Map<string, DoorSilences>();
  /** The doors taken for the way out, in the order they were. */
  readonly learned: string[] = [];
  // Not saved: the silence under way when the hub restarts is not counted (one outing fewer).
  private lastDoingAt = NaN;
  private lastDoorId: string | undefined = undefined;
  private lastDoorAt = NaN;
  private pending: { doorId: string; endedAt: number; day: boolean } | undefined = undefined;

  /**
   * One activity of the home, in time order; `zone` tells an instant's local time. Returns the door taken for the way
   * out by this activity, if it is the one that decided it.
   */
  observe(o: ExitDoorObservation, zone: LocalClock): string | undefined {
    if (o.heldEnd || o.at < this.lastDoingAt) return undefined;
    if (this.pending && o.at - this.pending.endedAt > EXIT_NEAR_MS) this.pending = undefined;
    if (
      o.at - this.lastDoingAt >= EXIT_SILENCE_MS &&
      this.lastDoorId !== undefined &&
      this.lastDoingAt - this.lastDoorAt <= EXIT_NEAR_MS
    ) {
      const hour = Math.floor(zone.minuteOfDay(this.lastDoingAt) / 60);
      this.pending = {
        doorId: this.lastDoorId,
        endedAt: o.at,
        day: hour >= EXIT_DAY_FROM_HOUR && hour < EXIT_DAY_TO_HOUR,
      };
    }
    let decided: string | undefined;
    if (o.door && this.pending) {
      if (o.deviceId === this.pending.doorId && !NOT_AN_EXIT.test(o.room ?? '')) {
        const c = this.counts.get(o.deviceId) ?? { day: 0, night: 0 };
        if (this.pending.day) c.day++;
        else c.night++;
        this.counts.set(o.deviceId, c);
        if (this.isWayOut(o.deviceId)) {
          this.learned.push(o.deviceId);
          decided = o.deviceId;
        }
      }
      this.pending = undefined;
    }
    this.lastDoingAt = o.at;
    if (o.door) {
      this.lastDoorId = o.deviceId;
      this.lastDoorAt = o.at;
    }
    return decided;
  }

  private isWayOut(id: string): boolean {
    const c = this.counts.get(id);
    if (!c || this.learned.includes(id) || c.day < EXIT_MIN_SILENCES || c.day <= c.night) return false;
    for (const [other, o] of this.counts)
      if (other !== id && !this.learned.includes(other) && o.day > o.night && c.day < EXIT_LEAD * o.day) return false;
    return true;
  }

  exportState(): ExitDoorLearningState | undefined {
    if (this.counts.size === 0 && this.learned.length === 0) return undefined;
    const counts: Record<string, [number, number]> = {};
    for (const [id, c] of this.counts) counts[id] = [c.day, c.night];
    return { counts, ...(this.learned.length === 0 ? {} : { learned: [...this.learned] }) };
  }

  /** Back from a saved state; only the doors `isDoor` accepts (this home's doors) are kept. */
  static fromState(saved: unknown, isDoor: (id: string) => boolean): ExitDoorLearner {
    const learner = new ExitDoorLearner();
    if (typeof saved !== 'object' || saved === null) return learner;
    const s = saved as Partial<ExitDoorLearningState>;
    if (typeof s.counts === 'object' && s.counts !== null)
      for (const [id, c] of Object.entries(s.counts)) {
        if (!isDoor(id) || !Array.isArray(c)) continue;
        const [day, night] = c.map((n) => (typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0));
        learner.counts.set(id, { day: day ?? 0, night: night ?? 0 });
      }
    const learned: unknown[] = typeof s.learned === 'string' ? [s.learned] : Array.isArray(s.learned) ? s.learned : [];
    for (const id of learned)
      if (typeof id === 'string' && isDoor(id) && !learner.learned.includes(id)) learner.learned.push(id);
    return learner;
  }
}
