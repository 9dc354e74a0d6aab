// What a rule may do: arm and disarm its timers, raise and clear alerts, warn the resident.
import type { ReportCopy } from './device-reports.js';
import type { DeviceState, HomeState } from './home-state.js';
import type { TimerQueue, TimerSlot } from './timer-queue.js';
import type { RuleDecision } from './types.js';
import { INACTIVITY_FAMILY, type AlertKind, type SeverityOf } from './vocabulary.js';

const FAMILY: ReadonlySet<AlertKind> = new Set(INACTIVITY_FAMILY);

// Frozen: a caller that tried to add to it would fail loudly instead of handing decisions to every later caller.
const NO_DECISIONS = Object.freeze([]) as unknown as RuleDecision[];

export interface RaiseOptions {
  device?: DeviceState;
  room?: string;
  detail: Record<string, unknown>;
  /** One raise per episode: not again until cleared (timer rules). Emergencies raise every time. */
  episodic: boolean;
  /** Only a change to the open alert: nothing is raised when none is open (`RuleDecision`'s `repeatOnly`). */
  repeatOnly?: boolean;
}

export class RuleContext {
  decisions: RuleDecision[] = [];
  /**
   * The hub's clock when the event being handled came in (`RulesEngine.handle`'s `now`; the event's own time in replay
   * and when re-fed after a restart). The rules' time does not move for an event stamped behind it; this says when it
   * arrived, so a rule that waits for a device's silence (a wearable's batches) can count it from the arrival.
   */
  heardAt = NaN;
  /**
   * Whether the event being handled is one of its device's reports again (`duplicateReport`: `latest`, `earlier`, or
   * undefined for news), told once per event before its rules hear it, at the device's reports as they stood before
   * it; the rules and the engine's bookkeeping after them read it here instead of looking again.
   */
  duplicate: ReportCopy = undefined;
  /** A timer is firing (`RulesEngine.fireDue`): what it raises goes into `raisedByTimer`. */
  inTimer = false;
  /** The raises made by a timer firing (a silence that lasted, a wearable's fall confirmed), not by an event. */
  readonly raisedByTimer = new WeakSet<RuleDecision>();

  constructor(private readonly queue: TimerQueue) {}

  arm(slot: TimerSlot, at: number): void {
    // Whole milliseconds: live timers fire on a millisecond clock, so replay must use the same instants.
    this.queue.arm(slot, Math.ceil(at));
  }

  disarm(slot: TimerSlot): void {
    this.queue.disarm(slot);
  }

  /** Raises `kind` at `severity`, one of those `RAISED_SEVERITIES` lists for it (another is a compile error). */
  raise<K extends AlertKind>(
    home: HomeState,
    kind: K,
    severity: SeverityOf<K>,
    at: number,
    options: RaiseOptions,
  ): void {
    if (FAMILY.has(kind)) {
      // One call-out per silence: a second kind of the family crossing before any activity is the same worry.
      if (home.familyOpenThisSilence(kind)) return;
      if (!home.open.has(kind)) home.familySilenceAt = home.lastActivityAt;
    }
    if (options.episodic) {
      if (home.open.has(kind)) return;
      home.open.add(kind);
    }
    const decision: RuleDecision = {
      type: 'raise',
      homeId: home.config.id,
      kind,
      severity,
      at,
      detail: options.detail,
    };
    const residentId = home.residentId(options.device);
    if (residentId !== undefined) decision.residentId = residentId;
    const room = options.room ?? options.device?.room;
    if (room !== undefined) decision.room = room;
    if (options.device) decision.deviceId = options.device.id;
    if (options.repeatOnly === true) decision.repeatOnly = true;
    if (this.inTimer) this.raisedByTimer.add(decision);
    this.decisions.push(decision);
  }

  /** Cancel an open episode of `kind` (the condition ended before anyone acknowledged it). */
  clear(home: HomeState, kind: AlertKind, at: number, reason: string): void {
    if (home.open.size === 0 || !home.open.delete(kind)) return;
    this.decisions.push({ type: 'clear', homeId: home.config.id, kind, at, reason });
  }

  prealert(home: HomeState, kind: AlertKind, raiseAt: number, at: number): void {
    this.decisions.push({ type: 'prealert', homeId: home.config.id, kind, raiseAt, at });
  }

  prealertCancel(home: HomeState, kind: AlertKind, at: number): void {
    this.decisions.push({ type: 'prealert-cancel', homeId: home.config.id, kind, at });
  }

  /**
   * The decisions made since the last call. Most events decide nothing: they then all get the one frozen empty
   * array (read, never grown, by every caller) instead of a new array each.
   */
  take(): RuleDecision[] {
    const out = this.decisions;
    if (out.length === 0) return NO_DECISIONS;
    this.decisions = [];
    return out;
  }
}
