// Runs the pure rules engine live: feeds events in storage order, owns its one timer, snapshots its state to the store.
import { RulesEngine } from '../rules/engine.js';
import type { HomeConfig, RuleDecision, SensorEvent } from '../rules/types.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';
import type { EventStore } from './store.js';

const STATE_KEY = 'rules-engine';

export interface RulesRunnerOptions {
  homes: readonly HomeConfig[];
  store: EventStore;
  clock: Clock;
  logger: Logger;
  /** Carries out decisions (the alert service); called synchronously, in order. */
  decide: (decisions: RuleDecision[]) => void;
  /**
   * Whether an alert for this raise already exists (raised at or after `decision.at`). Asked only for decisions
   * made again while re-feeding events after a restart, so a condition handled before the crash is not raised twice.
   */
  alreadyRaised?: (decision: Extract<RuleDecision, { type: 'raise' }>) => boolean;
  /**
   * How often a changed engine state is written to the store (default 10 min). The events stored after a snapshot
   * rebuild the rest on restart, so this only bounds how many are re-fed (a few thousand for a scheme); a scheme's
   * snapshot is megabytes, and an SD card wears with every one.
   */
  snapshotEveryMs?: number;
}

export class RulesRunner {
  private engine: RulesEngine | undefined;
  private timer: TimerHandle | undefined;
  private snapshotTimer: TimerHandle | undefined;
  private lastEventId = 0;
  private dirty = false;
  private readonly log: Logger;

  constructor(private readonly options: RulesRunnerOptions) {
    this.log = options.logger.child({ ns: 'rules' });
  }

  /**
   * Restore the last snapshot, re-feed the events stored after it (a crash may have come between), then move to
   * now so that timers due while the hub was down fire.
   */
  start(): void {
    const { store, clock, homes } = this.options;
    const saved = store.loadRuleState(STATE_KEY);
    const mutableHomes = homes as HomeConfig[];
    this.engine = saved ? RulesEngine.fromState(mutableHomes, saved.state) : new RulesEngine(mutableHomes);
    this.lastEventId = saved?.lastEventId ?? 0;
    let refed = 0;
    const alreadyRaised = this.options.alreadyRaised;
    for (const event of store.iterateAfter(this.lastEventId)) {
      try {
        const decisions = this.engine.handle(event);
        this.lastEventId = event.id;
        this.run(alreadyRaised ? decisions.filter((d) => d.type !== 'raise' || !alreadyRaised(d)) : decisions);
      } catch (err) {
        this.log.error({ err, eventId: event.id }, 'rules engine failed on a re-fed event; skipped');
        this.lastEventId = event.id;
      }
      refed++;
    }
    this.run(this.engine.advanceTo(clock.now()));
    this.saveSnapshot();
    this.scheduleSnapshot();
    this.log.info({ restored: saved !== undefined, refedEvents: refed }, 'rules engine started');
  }

  /** Feed events just handed to the store (their ids reserved), in storage order; `lastId` is the id of the last. */
  feed(events: readonly SensorEvent[], lastId: number): void {
    const engine = this.engine;
    if (!engine) return;
    // One append's events get consecutive row ids; each is recorded before its decisions are snapshotted.
    let id = lastId - events.length + 1;
    for (const event of events) {
      const decisions = engine.handle(event);
      this.lastEventId = id++;
      this.run(decisions);
    }
    this.dirty = true;
  }

  /** Clear the timers and write a last snapshot. */
  stop(): void {
    const { clock } = this.options;
    if (this.timer) clock.clearTimer(this.timer);
    if (this.snapshotTimer) clock.clearTimer(this.snapshotTimer);
    this.timer = undefined;
    this.snapshotTimer = undefined;
    if (this.engine) this.saveSnapshot();
    this.engine = undefined;
  }

  private run(decisions: RuleDecision[]): void {
    if (decisions.length > 0) {
      this.options.decide(decisions);
      this.dirty = true;
    }
    this.rearm();
  }

  /** The hub's one rules timer, always set to the engine's next due time. */
  private rearm(): void {
    const engine = this.engine;
    if (!engine) return;
    const { clock } = this.options;
    const due = engine.nextDueAt();
    if (this.timer && due !== null && this.timer.at === due) return;
    if (this.timer) clock.clearTimer(this.timer);
    this.timer = undefined;
    if (due === null) return;
    this.timer = clock.setTimer(due, () => {
      this.timer = undefined;
      if (!this.engine) return;
      this.dirty = true;
      try {
        this.run(this.engine.advanceTo(clock.now()));
      } catch (err) {
        // Thrown from a timer it would end the process; the next event or restart tries again.
        this.log.error({ err }, 'rules engine failed on its timer');
      }
    });
  }

  private scheduleSnapshot(): void {
    const { clock } = this.options;
    const everyMs = this.options.snapshotEveryMs ?? 600_000;
    this.snapshotTimer = clock.setTimer(clock.now() + everyMs, () => {
      if (this.dirty) this.saveSnapshot();
      this.scheduleSnapshot();
    });
  }

  private saveSnapshot(): void {
    if (!this.engine) return;
    try {
      this.options.store.saveRuleState(STATE_KEY, this.engine.exportState(), this.lastEventId);
      this.dirty = false;
    } catch (err) {
      this.log.error({ err }, 'could not save the rules engine state');
    }
  }
}
