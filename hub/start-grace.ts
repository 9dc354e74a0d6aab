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
 * How often the grace used is written while a grace runs. Each write counts the time up to the next one as used
 * already, so a hub killed between writes has used no less than it ran, and one that dies seconds after every start
 * still spends its grace (at most `graceSeconds` over this many restarts).
 */
export const GRACE_CHECKPOINT_MS = 10_000;

/** Where the grace each home has used is kept across starts (the hub's store). */
export interface GraceStore {
  /**
   * Per home, the ms of grace used by starts whose grace did not end (a crash, a stop, a reload in it), as stored:
   * checked on reading.
   */
  load(): unknown;
  save(used: Record<string, number>): void;
}

/** How a grace begins: a start of the process (`fresh`), or a reload of the configuration, when the hub was not down. */
export interface GraceBegin {
  fresh: boolean;
}

/**
 * Holds the silence alerts the rules raise in each home's grace after a start. Each is told when the grace ends
 * (`release`), unless the rules clear it first: the resident was heard, now or in a bridge's buffered reports, and
 * nobody is called about a silence that did not last. The rules' state is not touched: they raised and cleared as
 * ever, the hub only waited before telling anyone. While a raise is held the rules' state must not be saved (`holding`):
 * it says the alert was raised, and a restart before the grace ends would never raise it. The events are stored, so
 * the next start re-makes the decision from the snapshot before and holds it again.
 */
export class StartGrace {
  /**
   * Per home in grace, when it ends on the monotonic clock (ms) and its length (what it may use in all, across starts);
   * none once ended, or for a grace of 0.
   */
  private readonly ends = new Map<string, { at: number; lengthMs: number }>();
  /** The raises held, by home and kind (one raise per episode). */
  private readonly held = new Map<string, Raise>();
  private timer: TimerHandle | undefined;
  private checkpointTimer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    /** Carries out the raises whose grace ended, in the order they were made. */
    private readonly release: (raises: Raise[]) => void,
    /**
     * Keeps the grace used across starts (none: each start's grace is whole). A hub that stops, is killed or reloads in
     * a grace goes on with what is left of it at the next start, rather than a new one: a hub restarting every minute
     * (a crash loop) would otherwise hold a silence that fell due for ever.
     */
    private readonly store?: GraceStore,
  ) {}

  /**
   * The start: each home's grace begins now, less what starts before used of a grace that never ended. A reload
   * (`fresh` false: the hub was not down, nothing went unheard) only goes on with such a remainder. Returns the homes
   * whose grace the starts before used up without one ending (each called at once now).
   */
  begin(homes: readonly HomeConfig[], how: GraceBegin = { fresh: true }): string[] {
    this.stop();
    const used = this.loadUsed();
    const spent: string[] = [];
    const mono = this.clock.monotonicNow();
    for (const home of homes) {
      const graceMs = resolveRuleParams(home.rules).restart.graceSeconds * 1000;
      const before = used[home.id];
      if (graceMs <= 0 || (!how.fresh && before === undefined)) continue;
      const left = graceMs - (before ?? 0);
      if (left <= 0) {
        spent.push(home.id);
        continue;
      }
      this.ends.set(home.id, { at: mono + left, lengthMs: graceMs });
    }
    this.checkpoint(GRACE_CHECKPOINT_MS);
    this.arm();
    return spent;
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
        mono < (this.ends.get(d.homeId)?.at ?? -Infinity) &&
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

  /**
   * Forget the graces and what they hold (the hub stops: the next start decides again); what each home used of a
   * grace not ended is kept, for the next start to go on with.
   */
  stop(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    if (this.checkpointTimer) this.clock.clearTimer(this.checkpointTimer);
    this.timer = undefined;
    this.checkpointTimer = undefined;
    if (this.ends.size > 0) this.checkpoint(0);
    this.ends.clear();
    this.held.clear();
  }

  /** What the starts before used, per home; a value that is not a number of ms is taken as none. */
  private loadUsed(): Record<string, number> {
    const used: Record<string, number> = {};
    const stored = this.store?.load();
    if (typeof stored !== 'object' || stored === null) return used;
    for (const [homeId, ms] of Object.entries(stored))
      if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0) used[homeId] = ms;
    return used;
  }

  /**
   * Writes what each home in grace has used, counted `aheadMs` on (the time to the next write: a kill before it
   * loses none), and, while a grace runs, sets the next write. A home whose grace ended is written as none used.
   */
  private checkpoint(aheadMs: number): void {
    if (this.checkpointTimer) this.clock.clearTimer(this.checkpointTimer);
    this.checkpointTimer = undefined;
    if (!this.store) return;
    const mono = this.clock.monotonicNow();
    const used: Record<string, number> = {};
    for (const [homeId, end] of this.ends)
      used[homeId] = Math.min(end.lengthMs, Math.max(0, end.lengthMs - (end.at - mono) + aheadMs));
    this.store.save(used);
    if (aheadMs > 0 && this.ends.size > 0)
      this.checkpointTimer = this.clock.setTimer(this.clock.now() + aheadMs, () => {
        this.checkpointTimer = undefined;
        this.checkpoint(GRACE_CHECKPOINT_MS);
      });
  }

  /** One timer, at the earliest grace's end. */
  private arm(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.ends.size === 0) return;
    const first = Math.min(...[...this.ends.values()].map((end) => end.at));
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
    for (const [homeId, end] of this.ends) if (end.at <= mono) ended.add(homeId);
    for (const homeId of ended) this.ends.delete(homeId);
    // The graces ended are written as none used: the next start's grace is whole.
    if (ended.size > 0) this.checkpoint(GRACE_CHECKPOINT_MS);
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
