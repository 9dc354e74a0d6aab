// What one sensor event says about the resident (activity or not, where, an exit) and when they are out: the one definition the rules and the daily features share.
import type { RuleParams } from './params.js';
import type { SensorEvent } from './types.js';
import type { DeviceKind } from './vocabulary.js';
import { MINUTE_MS } from './time.js';

/** The presence parameters of a home (`rules.presence` in its configuration). */
export type PresenceParams = RuleParams['presence'];

/** What the definition remembers of one device between its events (the rules' `DeviceState` is one). */
export interface DeviceMemory {
  readonly kind: DeviceKind;
  readonly room: string | undefined;
  /** Last boolean or number seen, to tell a change (contact, occupancy) or a rise (power). */
  lastValue: boolean | number | undefined;
  /** Since when a held presence state (motion or room occupancy `true`) has been on; NaN when off. */
  heldSince: number;
  /** Seen to report the end of a held state (`false`): its `true` means presence until then, not a pulse. */
  reportsHeld: boolean;
  /** A PIR's last `true` (epoch ms; NaN before one): the last movement it reported, held or not. */
  motionAt: number;
  /**
   * The shortest held state it has reported (ms; NaN before one): about its hold time, since a held state lasts
   * at least that long after the last movement it saw. Its `off` says the last movement was about this long ago.
   */
  holdMinMs: number;
  /**
   * A contact's or mat's reports that changed its state, and those that repeated it (`noteState`). Absent from a
   * device saved before session 45 (read as none).
   */
  changes: number;
  repeats: number;
  /** A mat's on→off holds and how many were brief (the rules' `DeviceState` keeps them; analytics' memory does not). */
  matHolds?: number;
  matBriefHolds?: number;
}

/** Holds a mat must have reported before its holds say whether it pulses or holds. */
export const MAT_MIN_HOLDS = 10;

/** Whether most of a mat's holds (of at least `MAT_MIN_HOLDS`) are short: it reports movements on it, not occupancy. */
export function matPulses(device: Pick<DeviceMemory, 'matHolds' | 'matBriefHolds'>): boolean {
  const holds = device.matHolds ?? 0;
  return holds >= MAT_MIN_HOLDS && 2 * (device.matBriefHolds ?? 0) > holds;
}

/** Whether a mat is known to hold (of at least `MAT_MIN_HOLDS` holds, most long): on while sat on, off when left. */
function matHolds(device: DeviceMemory): boolean {
  return (device.matHolds ?? 0) >= MAT_MIN_HOLDS && !matPulses(device);
}

export function newDeviceMemory(kind: DeviceKind, room: string | undefined): DeviceMemory {
  return {
    kind,
    room,
    lastValue: undefined,
    heldSince: NaN,
    reportsHeld: false,
    motionAt: NaN,
    holdMinMs: NaN,
    changes: 0,
    repeats: 0,
  };
}

/** Changes a contact or mat must have reported before a repeat of its state is read as a lost change (`noteState`). */
export const LOST_CHANGE_MIN_CHANGES = 20;
/** At most this many repeats per change: the device reports changes, not its state over and over. */
export const LOST_CHANGE_MAX_SHARE = 0.2;

/**
 * A contact or mat reported the state it was in (`value` the same as its last): a report lost in between (radio, a
 * bridge restarting) or a device that reports its state again now and then (a heartbeat, a poll). Counted, and read as
 * a lost change when this device has shown itself one that reports changes only: at least `LOST_CHANGE_MIN_CHANGES`
 * changes and repeats no more than `LOST_CHANGE_MAX_SHARE` of them (Kasteren B and C: 1-2 %, the same share as the
 * evaluation's 5 % of reports dropped; a door contact with an hourly heartbeat repeats its state about as often as it
 * changes). A mat pressed again after its release was lost, a door closed again after its opening was lost: someone
 * moved, as surely as when the change itself came (Ordóñez A with 5 % dropped: a chair press after a lost release
 * was no activity, so a resident back in the chair was called a possible fall in the bathroom they had left).
 * Never from Zigbee2MQTT (`source` 'zigbee'): it publishes a device's whole state with every message (a battery or
 * link report, its periodic check-in, any other key with its default `cache_state`), so a repeat there is state, not
 * a report, however seldom the device has repeated so far (a busy door's first hours).
 */
function noteState(device: DeviceMemory, value: unknown, source: SensorEvent['source']): boolean {
  const before = device.lastValue;
  device.lastValue = value as boolean;
  if (before === undefined) return true;
  if (before !== value) {
    device.changes++;
    return true;
  }
  device.repeats++;
  return (
    source !== 'zigbee' &&
    device.changes >= LOST_CHANGE_MIN_CHANGES &&
    device.repeats <= LOST_CHANGE_MAX_SHARE * device.changes
  );
}

/** Remember the length of a held state that just ended (its shortest is about the sensor's hold time). */
function noteHold(device: DeviceMemory, ts: number): void {
  const heldMs = ts - device.heldSince;
  if (heldMs >= 0 && !(device.holdMinMs <= heldMs)) device.holdMinMs = heldMs;
}

/** What one activity of the resident says. */
export interface Activity {
  /** The room of the device that saw it; undefined when it has none. */
  room: string | undefined;
  /** From a worn device (pendant, wearable): the resident, wherever they are; it says nothing of the room. */
  worn: boolean;
  /** A PIR or presence sensor clearing: the resident was there until now and may have moved on since. */
  heldEnd: boolean;
  /** A sign that someone is inside now: it ends an absence. Not the exit door (leaving or coming in), not a held end. */
  inside: boolean;
  /** The exit door moved: `closed` may begin an absence; `opened` is someone leaving or coming in. */
  exit: 'opened' | 'closed' | undefined;
  /** A bed or chair mat changed: which (else undefined)... */
  mat: 'bed' | 'chair' | undefined;
  /** ...and whether it is now occupied. */
  matOccupied: boolean;
}

/** An activity to fill in (`describeActivity`'s `into`): hot loops reuse one instead of making one per event. */
export function blankActivity(): Activity {
  return {
    room: undefined,
    worn: false,
    heldEnd: false,
    inside: false,
    exit: undefined,
    mat: undefined,
    matOccupied: false,
  };
}

export function isMat(kind: DeviceKind | undefined): kind is 'bed' | 'chair' {
  return kind === 'bed' || kind === 'chair';
}

export function isWorn(kind: DeviceKind | undefined): boolean {
  return kind === 'pendant' || kind === 'wearable';
}

/**
 * Whether this event is the resident's activity: motion seen (or a held motion ending), a contact or
 * mat changing, a room presence sensor reporting someone (or clearing), an appliance's power rising by
 * `powerRiseW`, a pendant press. Not a `fall` report (an emergency, not a sign of someone moving about),
 * temperature, battery or any other housekeeping. Remembers the device's last value to tell changes.
 */
export function isActivity(device: DeviceMemory, event: SensorEvent, presence: PresenceParams): boolean {
  const value = event.value;
  switch (event.type) {
    case 'motion': {
      // A PIR that reports a held state sends `false` when movement stops: the resident was there
      // until then, so the end of a held state is activity too (a pulse PIR never sends it). Not the end of a hold
      // whose last `true` is older than `presence.heldMaxMinutes`: such a PIR was taken for stuck (its presence no longer believed,
      // `HomeState.presenceHeld`), and its `off` when it comes (reset, a battery changed) says nothing of the resident
      // now (Kasteren B's bathroom PIR held on nine days as published: its `off` put the resident in the bathroom, and
      // alarms followed there). A room presence sensor's long hold is someone still there: not this.
      const wasHeld = !Number.isNaN(device.heldSince);
      if (wasHeld && value === false) {
        device.reportsHeld = true;
        noteHold(device, event.ts);
      }
      const stillMs = event.ts - device.motionAt;
      device.heldSince = value === true ? (wasHeld ? device.heldSince : event.ts) : NaN;
      if (value === true) device.motionAt = event.ts;
      return value === true || (wasHeld && !(stillMs > presence.heldMaxMinutes * MINUTE_MS));
    }
    case 'pendant':
      return value === true;
    case 'contact':
      return noteState(device, value, event.source);
    case 'occupancy': {
      // Room presence sensors repeat `true` while someone is there; mats report changes (and a repeat may be a lost one).
      const mat = isMat(device.kind);
      let changed: boolean;
      // A mat's release repeated: on a mat known to hold, its press was lost (someone sat and got up); on one that
      // reports each movement, or one not yet known, it may be one more movement with the resident still on it, which
      // `presence.ts` reads from the mat's holds: left as it was.
      if (mat) {
        const repeat = device.lastValue === value;
        changed = noteState(device, value, event.source) && (value === true || !repeat || matHolds(device));
      } else {
        changed = device.lastValue !== value;
        device.lastValue = value as boolean;
      }
      if (!mat && value === false && !Number.isNaN(device.heldSince)) {
        device.reportsHeld = true;
        noteHold(device, event.ts);
      }
      if (!mat)
        device.heldSince = value === true ? (Number.isNaN(device.heldSince) ? event.ts : device.heldSince) : NaN;
      return changed || (value === true && !mat);
    }
    case 'power': {
      if (typeof value !== 'number') return false;
      const before = typeof device.lastValue === 'number' ? device.lastValue : 0;
      device.lastValue = value;
      return value - before >= presence.powerRiseW;
    }
    default:
      return false;
  }
}

/**
 * What an event already found to be activity (`isActivity`) says of where the resident is and whether they
 * are in; written into `into` when given.
 */
export function describeActivity(device: DeviceMemory, event: SensorEvent, into: Activity = blankActivity()): Activity {
  const kind = device.kind;
  const mat = isMat(kind);
  // A PIR clearing ends a movement that began earlier: no new sign that anyone is inside after a door closed.
  const heldEnd = event.value === false && (event.type === 'motion' || (event.type === 'occupancy' && !mat));
  const exitDoor = kind === 'exit-door';
  const matChanged = mat && event.type === 'occupancy' && typeof event.value === 'boolean';
  into.room = device.room;
  into.worn = isWorn(kind);
  into.heldEnd = heldEnd;
  into.inside = !exitDoor && !heldEnd;
  into.exit = exitDoor && event.type === 'contact' ? (event.value === true ? 'closed' : 'opened') : undefined;
  into.mat = matChanged ? kind : undefined;
  into.matOccupied = matChanged && event.value === true;
  return into;
}

/**
 * Whether a held state's end (a PIR or room presence sensor clearing) comes behind the resident: the last activity
 * (`last`, at `lastAt`) was a bed or chair mat's report in another room (a press, or the release of a mat that reports
 * each movement: the resident was at the mat then, session 46), and the clearing's last movement, about its hold before
 * the clearing (`holdMinMs`, the shortest held state it has reported), came before that report. A PIR that holds
 * minutes clears after the resident has left its room and sat down elsewhere; read as activity, it put them back in
 * the room they had left (Ordóñez A with every PIR holding 4 min: the bathroom PIR clearing after
 * the chair's press began a bathroom visit, called 30-60 min later, nine times in a fortnight). Then it is no activity,
 * for the rules and the daily features alike. Only after a mat: a PIR next door is no proof they left (CASAS's PIRs see
 * through doorways). Not a sensor whose hold is not known yet.
 */
export function clearedBehind(
  device: DeviceMemory,
  activity: Activity,
  at: number,
  last: DeviceMemory | undefined,
  lastAt: number,
): boolean {
  if (!activity.heldEnd || Number.isNaN(device.holdMinMs) || last === undefined || last === device) return false;
  if (!isMat(last.kind) || last.room === device.room) return false;
  return at - device.holdMinMs < lastAt;
}

/**
 * The activity an event is, or undefined when it is none; updates the device's memory either way. The
 * answer is written into `into` when given (valid until the next call with it).
 */
export function observeActivity(
  device: DeviceMemory,
  event: SensorEvent,
  presence: PresenceParams,
  into?: Activity,
): Activity | undefined {
  return isActivity(device, event, presence) ? describeActivity(device, event, into) : undefined;
}

/** When an exit door closed at `closedAt`, followed by nothing inside, means the resident is out. */
export function outConfirmedAt(closedAt: number, presence: PresenceParams): number {
  return closedAt + presence.outAfterMinutes * MINUTE_MS;
}

/**
 * The exit door opened again this soon after an arrival's opening, or after the arrival's last closing, is the same
 * arrival: a door that did not latch is pushed again within seconds (Kasteren A and B, the tuning homes: 1 to 14 s),
 * while someone who comes in and goes straight out again takes longer (B: in at 17:18:02, out again at 17:19:01; A:
 * 23 s). A door pushed shut again and again is one arrival however many times it bounced: each reopening is timed
 * from the arrival's closing or from the last push that shut it within seconds of opening (session 36: B's 5 Aug
 * 20:54, opened three times in 17 s, each within 10 s of its closing, was read as an arrival and a leaving, and the
 * collapse after it was waited on as an outing without end). A reopening that stood open for minutes is no bounce.
 */
export const SAME_PASSAGE_MS = 15_000;

/**
 * What one move of the exit door means for the out-check:
 * - `leaving`: a closing that may begin an absence (nothing inside for `presence.outAfterMinutes` confirms it);
 * - `arrival`: the closing of the door opened while the resident was out (a confirmed outing). One comes in by
 *   opening the door and closing it behind them, and nobody leaves again without opening it again: the home is not
 *   out after it, whether or not a sensor inside sees who came in. A visitor who looks in and goes opens it twice,
 *   and the second closing is a leaving;
 * - `same-arrival`: the closing of a door opened again within `SAME_PASSAGE_MS` of an arrival's opening (a door that
 *   did not latch, a bag): still the same arrival, no leaving;
 * - `opening`: the door opened (what it means is told by its closing).
 */
export type ExitMove = 'leaving' | 'arrival' | 'same-arrival' | 'opening';

/** What the out-check remembers of the exit door between its moves (the rules keep it per home, saved). */
export interface ExitDoorState {
  /** What the door's opening under way was: into an empty home (`arrival`), the same arrival again, or neither. */
  opening: 'arrival' | 'same-arrival' | 'leaving' | undefined;
  /** When it opened (NaN: not open, or unknown). */
  openedAt: number;
  /** When the door opened for the last arrival (NaN: none), for `same-arrival`. */
  arrivalOpenedAt: number;
  /** When the door last closed on that arrival (its closing, or a `same-arrival` closing; NaN: none). */
  arrivalClosedAt: number;
}

export function newExitDoorState(): ExitDoorState {
  return { opening: undefined, openedAt: NaN, arrivalOpenedAt: NaN, arrivalClosedAt: NaN };
}

/**
 * Take one move of the exit door at `at`; `out` whether the resident is out now (a confirmed outing). A closing more
 * than `presence.outAfterMinutes` after its opening is not told by it (the closing between was lost, or the door
 * stood open while the resident came and went): it may begin an absence, as before.
 */
export function exitDoorMove(
  state: ExitDoorState,
  exit: 'opened' | 'closed',
  at: number,
  out: boolean,
  presence: PresenceParams,
): ExitMove {
  if (exit === 'opened') {
    const sameArrival = at - state.arrivalOpenedAt <= SAME_PASSAGE_MS || at - state.arrivalClosedAt <= SAME_PASSAGE_MS;
    state.opening = out ? 'arrival' : sameArrival ? 'same-arrival' : 'leaving';
    state.openedAt = at;
    return 'opening';
  }
  const opening = at - state.openedAt <= presence.outAfterMinutes * MINUTE_MS ? state.opening : undefined;
  state.opening = undefined;
  if (opening === 'arrival') {
    state.arrivalOpenedAt = state.openedAt;
    state.arrivalClosedAt = at;
    return 'arrival';
  }
  if (opening === 'same-arrival') {
    // A push that shut it within seconds (a bounce) carries the arrival on; a door that stood open for minutes meanwhile
    // (someone at it, going out) does not (Kasteren C, 1 Dec 10:17-10:29: held out; see eval/README.md, session 36).
    if (at - state.openedAt <= SAME_PASSAGE_MS) state.arrivalClosedAt = at;
    return 'same-arrival';
  }
  // A closing whose opening was not seen (the first event of a record, a lost report) may begin an absence, as before.
  return 'leaving';
}

/** One absence from home, ended by activity inside or by an arrival through the exit door. */
export interface Absence {
  /** The exit door's closing that began it. */
  fromMs: number;
  /** The activity inside that ended it (the rules' resident is out until then). */
  endMs: number;
  /** When the resident came back: the last opening of the exit door during the absence, else `endMs`. */
  backMs: number;
}

/**
 * Whether the resident is out, activity by activity: the exit door closed, then nothing inside until
 * `outConfirmedAt`, means out since that closing, until the next activity inside or an arrival (the exit door
 * opened and closed again: `exitDoorMove`); the resident is taken to have come back by the last opening of the door
 * before it. The rules keep the same state with their `out-check` timer and the same `exitDoorMove`; the daily
 * features keep it with this.
 */
export class OutOfHome {
  /** The exit door closed then, with nothing inside since, and the absence is not confirmed yet; NaN otherwise. */
  private closedAt = NaN;
  /** Out since this closing; NaN when not known to be out. */
  private outSince = NaN;
  /** The last opening of the exit door while out; NaN when none. */
  private openedAt = NaN;
  private readonly door = newExitDoorState();

  constructor(private readonly presence: PresenceParams) {}

  /** Since when the resident is out at `at` (the closing of the exit door), or NaN when not out. */
  outSinceAt(at: number): number {
    this.confirm(at);
    return this.outSince;
  }

  /** The last opening of the exit door during the current absence (someone coming in), or NaN. */
  lastOpenedWhileOut(): number {
    return this.openedAt;
  }

  /** Whether the exit door closed with nothing inside since: the resident is out, or may be. */
  maybeOut(): boolean {
    return !Number.isNaN(this.closedAt) || !Number.isNaN(this.outSince);
  }

  /** Take one activity at `at` (in time order); returns the absence it ended, if any. */
  onActivity(activity: Activity, at: number): Absence | undefined {
    this.confirm(at);
    const out = !Number.isNaN(this.outSince);
    const move =
      activity.exit === undefined ? undefined : exitDoorMove(this.door, activity.exit, at, out, this.presence);
    if (activity.inside || move === 'arrival') {
      this.closedAt = NaN;
      if (!out) return undefined;
      const backMs = Number.isNaN(this.openedAt) ? at : this.openedAt;
      const ended = { fromMs: this.outSince, endMs: at, backMs };
      this.outSince = NaN;
      this.openedAt = NaN;
      return ended;
    }
    if (move === 'opening' && out) this.openedAt = at;
    else if (move === 'leaving' && !out) this.closedAt = at;
    return undefined;
  }

  /** Forget any absence (a gap in the record: what happened meanwhile is unknown). */
  reset(): void {
    this.closedAt = NaN;
    this.outSince = NaN;
    this.openedAt = NaN;
    Object.assign(this.door, newExitDoorState());
  }

  private confirm(at: number): void {
    if (!Number.isNaN(this.closedAt) && at >= outConfirmedAt(this.closedAt, this.presence)) {
      this.outSince = this.closedAt;
      this.closedAt = NaN;
    }
  }
}
