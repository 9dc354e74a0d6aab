// The grace after a start: a silence that fell due while the hub was down is called only if the home's sensors stay
// silent for `restart.graceSeconds` once it is back (a bridge sends what it buffered, a PIR sees the resident).
import { resolveRuleParams } from '../rules/params.js';
import type { HomeConfig, RuleDecision } from '../rules/types.js';
import { INACTIVITY_FAMILY, type AlertKind } from '../rules/vocabulary.js';
import type { Clock, TimerHandle } from './clock.js';

/**
 * The alerts that call a silence: what the hub could not hear while it was down may have ended it. Emergencies (a
 * pendant, smoke, a wearable's fall), tamper and the climate's readings are never held.
 */
const SILENCE_KINDS: ReadonlySet<AlertKind> = new Set<AlertKind>([
  ...INACTIVITY_FAMILY,
  'night-exit',
  'sensor-offline',
]);

type Raise = Extract<RuleDecision, { type: 'raise' }>;

/**
 * Holds the silence alerts the rules raise in each home's grace after a start. Each is told when the grace ends
 * (`release`), unless the rules clear it first: the resident was heard, now or in a bridge's buffered reports, and
 * nobody is called about a silence that did not last. The rules' state is not touched: they raised and cleared as
 * ever, the hub only waited before telling anyone. While a raise is held the rules' state must not be saved (`holding`):
 * it says the alert was raised, and a restart before the grace ends would never raise it. The events are stored, so
 * the next start re-makes the decision from the snapshot before and holds it again.
 */
export class StartGrace {
  /** Per home, when its grace ends on the monotonic clock (ms); none once ended, or for a grace of 0. */
  private readonly ends = new Map<string, number>();
  /** The raises held, by home and kind (one raise per episode). */
  private readonly held = new Map<string, Raise>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    /** Carries out the raises whose grace ended, in the order they were made. */
    private readonly release: (raises: Raise[]) => void,
  ) {}

  /** The start: each home's grace begins now. */
  begin(homes: readonly HomeConfig[]): void {
    this.stop();
    const mono = this.clock.monotonicNow();
    for (const home of homes) {
      const graceMs = resolveRuleParams(home.rules).restart.graceSeconds * 1000;
      if (graceMs > 0) this.ends.set(home.id, mono + graceMs);
    }
    this.arm();
  }

  /** Whether a raise is held (the rules' state must not be saved meanwhile). */
  get holding(): boolean {
    return this.held.size > 0;
  }

  /** How many raises are held. */
  get size(): number {
    return this.held.size;
  }

  /**
   * The decisions to carry out now: a silence its timer raised in its home's grace is held (`byTimer`: the engine's
   * `raisedByTimer`; a report such as Zigbee2MQTT calling a device offline is told at once), and a clear of a held one
   * drops both.
   */
  filter(decisions: RuleDecision[], byTimer: (raise: Raise) => boolean): RuleDecision[] {
    if (this.ends.size === 0 && this.held.size === 0) return decisions;
    const mono = this.clock.monotonicNow();
    const kept: RuleDecision[] = [];
    for (const d of decisions) {
      const key = `${d.homeId}\u0000${d.kind}`;
      if (
        d.type === 'raise' &&
        SILENCE_KINDS.has(d.kind) &&
        mono < (this.ends.get(d.homeId) ?? -Infinity) &&
        byTimer(d)
      ) {
        if (!this.held.has(key)) this.held.set(key, d);
        continue;
      }
      // The silence ended in the grace: it was never told, so neither is its end.
      if (d.type === 'clear' && this.held.delete(key)) continue;
      kept.push(d);
    }
    return kept;
  }

  /** Forget the graces and what they hold (the hub stops: the next start decides again). */
  stop(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.ends.clear();
    this.held.clear();
  }

  /** One timer, at the earliest grace's end. */
  private arm(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.ends.size === 0) return;
    const first = Math.min(...this.ends.values());
    const delay = Math.max(0, first - this.clock.monotonicNow());
    this.timer = this.clock.setTimer(this.clock.now() + delay, () => {
      this.timer = undefined;
      this.endDue();
    });
  }

  /** The graces that have ended: their homes' held raises told, in the order made. */
  private endDue(): void {
    const mono = this.clock.monotonicNow();
    const ended = new Set<string>();
    for (const [homeId, end] of this.ends) if (end <= mono) ended.add(homeId);
    for (const homeId of ended) this.ends.delete(homeId);
    const due: Raise[] = [];
    for (const [key, raise] of this.held)
      if (ended.has(raise.homeId)) {
        due.push(raise);
        this.held.delete(key);
      }
    this.arm();
    if (due.length > 0) this.release(due.sort((a, b) => a.at - b.at));
  }
}
