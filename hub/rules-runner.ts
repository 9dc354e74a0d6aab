// Runs the pure rules engine live: feeds events in storage order, owns its one timer, snapshots its state to the store.
import { HUB_OFF_MIN_MS } from '../analytics/activity.js';
import { hubOffSpans } from '../analytics/store.js';
import { RulesEngine, type RulesEngineOptions } from '../rules/engine.js';
import type { HomeConfig, RuleDecision, SensorEvent } from '../rules/types.js';
import type { AlertKind } from '../rules/vocabulary.js';
import { movedIsoTimes } from './alerts/detail-times.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';
import { StartGrace } from './start-grace.js';
import type { EventStore } from './store.js';

const STATE_KEY = 'rules-engine';
/** The grace each home used after starts whose grace did not end (`StartGrace`). */
const GRACE_KEY = 'start-grace';

/** A decision about an alert kind of a home, at a time: what `alreadyRaised` is asked about. */
export interface AlertKindAt {
  homeId: string;
  kind: AlertKind;
  at: number;
}

/**
 * A re-fed event stamped ahead of the hub is decided at its storage time, a moment after the live decision it
 * caused: an alert raised this much before a re-made decision is taken as that decision's.
 */
const REFEED_SLACK_MS = 60_000;
/** How far behind what the rules last saw the clock may read at start before the log says so (docs/time.md). */
const CLOCK_BEHIND_MS = 60_000;
/** Events kept to be re-timed after a start on a clock behind (minutes of a scheme's traffic); more keep their time. */
const MAX_RETIMED_EVENTS = 50_000;
/**
 * Events kept after a start on a clock not seen to read behind, for a re-timing if network time then steps it forward
 * (a Pi with no real-time clock that starts before its network: hours of a home's events, seconds of a scheme's).
 */
const MAX_STEP_WATCH_EVENTS = 2_000;
/**
 * Homes up to which a start on a clock not seen to read behind is watched: a flat's hub or a small block's (a Pi). A
 * scheme's hub is a server that keeps its time, its 2,000 events are seconds of traffic, and keeping its state at the
 * start for the watch cost 7 MB of peak RSS at 1,000 homes (`telecare bench --only latency`: 108-111 MB at start
 * before, 118 with it).
 */
const MAX_STEP_WATCH_HOMES = 20;
/** A move of the wall clock against the monotonic clock this large is a step (network time), not a slew. */
const CLOCK_STEP_MS = 1_000;
/**
 * A forward step of the wall clock against the monotonic clock this large, while no start's watch is kept, is network
 * time correcting the hub's clock, not time passed (`RulesEngine.clockStepped`). Less is left to run as it does: the
 * seconds network time slews or steps a clock that keeps its time call nobody early by much.
 */
const CLOCK_JUMP_MS = 60_000;
/** A sensor's stamp this far ahead of the hub's own reading came from a clock that was right: not moved by a step. */
const STAMP_AHEAD_MS = 60_000;

/**
 * An event fed while the clock is watched after a start, or a wake of the rules' timer (no `event`), and when it came.
 * A wake is kept so that a re-timing fires again, its decisions dropped, what the timer fired then: the rules rebuilt
 * from the events alone called again, at the step, a silence already called (review, session 67).
 */
interface WatchedEvent {
  event?: SensorEvent;
  /** The hub's wall clock then (behind, if the watch ends in a step). */
  wallAt: number;
  /** The monotonic clock then (ms). */
  monoAt: number;
  /** A wake's: how far past the hub's reading plus the lead the rules were advanced (a timer due ahead of the wall). */
  pastMs?: number;
}

export interface RulesRunnerOptions {
  homes: readonly HomeConfig[];
  store: EventStore;
  clock: Clock;
  logger: Logger;
  /** Carries out decisions (the alert service); called synchronously, in order. */
  decide: (decisions: RuleDecision[]) => void;
  /**
   * Whether an alert of this kind exists that was raised at or after `at`. Asked, at start only, for the decisions
   * made again while re-feeding events and firing timers due during the downtime: what was raised (or resolved)
   * before the crash is not raised twice, and a stale clear does not cancel an alert raised after it.
   */
  alreadyRaised?: (decision: AlertKindAt) => boolean;
  /**
   * The latest time, before this start, at which the rules' decisions were carried out (the hub's newest alert raise or
   * repeat), if any. The re-fed events bring the rules to the last of them only; what the rules' timer called after it
   * (a silence) is made again, and filtered by `alreadyRaised`, only when the rules are advanced that far: by the clock
   * at a start on time, by this on a clock that reads behind (review, session 67).
   */
  reachedAt?: () => number | undefined;
  /**
   * How often a changed engine state is written to the store (default 10 min). The events stored after a snapshot
   * rebuild the rest on restart, so this only bounds how many are re-fed (a few thousand for a scheme); a scheme's
   * snapshot is megabytes, and an SD card wears with every one.
   */
  snapshotEveryMs?: number;
  /** The rules engine's rules (default: the built-in ones); replay takes the same option. */
  rules?: RulesEngineOptions['rules'];
  /**
   * When to do the rest of an event whose alert was carried out first (`RulesEngine.handleFirst`): the hub defers
   * it by two immediates, so that the rules' bookkeeping of a pendant press runs after its alert went out. Anything else
   * the runner is asked first (the next event, its timer, a snapshot, stop) does it before. Default: at once.
   */
  deferRest?: (finish: () => void) => void;
  /**
   * Told when the engine's state could not be written (the hub's storage health: counted in
   * `telecare_storage_errors_total{where="rules-state"}` and logged once per episode). Without it the runner logs the
   * failure itself. Either way the next snapshot tries again and the events stored meanwhile rebuild the rest.
   */
  storageFailed?: (where: string, err: unknown) => void;
  /**
   * Told `true` at a start on a clock that reads behind the rules' last time, or that may (the runner watches for
   * network time's first step: `watch`), and `false` when such a watch ends without a forward step: meanwhile the
   * alert service follows the alerts stamped, to correct their times when the clock steps forward
   * (hub/alerts/clock-correction.ts). `leadMs`: how far behind the rules' last time it started (the rules' lead on it:
   * a time from before the cut is in an alert's detail that much before it really was), 0 when not seen behind.
   */
  clockInDoubt?: (inDoubt: boolean, leadMs?: number) => void;
  /**
   * Called before each snapshot is written, once the decisions so far are carried out: whatever of them the alert
   * service still keeps in memory (its pre-alert changes, stored once per window) is stored first, so that no snapshot
   * says more than the store. What came after a snapshot is made again at a restart (events re-fed, timers re-fired).
   */
  beforeSnapshot?: () => void;
  /**
   * This start is a reload of the configuration (SIGHUP), not of the process: the hub was not down, so no new grace
   * begins; only one a stop left unfinished goes on (`StartGrace`).
   */
  reload?: boolean;
}

export class RulesRunner {
  private engine: RulesEngine | undefined;
  private timer: TimerHandle | undefined;
  /** The engine time the timer stands for (its handle's `at` is on the hub's clock). */
  private timerDueAt = NaN;
  /**
   * After a start, until network time steps the clock forward: the engine's state at the start (the snapshot's JSON),
   * the wall clock less the monotonic clock then, and each event fed since with when it came on both clocks. At a
   * forward step the clock read that much behind meanwhile: the engine is rebuilt from that state with those events at
   * their corrected times (`retime`). Kept after a start on a clock that read behind the rules' last time (a Pi with no
   * real-time clock after a power cut: `behind`), or on one not seen to (a Pi started before its network: up to
   * `MAX_STEP_WATCH_EVENTS`, on a hub of at most `MAX_STEP_WATCH_HOMES`); undefined otherwise, or once done. Without
   * it an hour's step called a possible fall for the movement a minute before it, a month's every device offline.
   */
  private watch:
    | {
        /** Started on a clock that read behind the rules' last time: the rules run ahead of it (`leadMs`). */
        behind: boolean;
        state: string;
        events: WatchedEvent[];
        /** The wall clock less the monotonic clock at the start: a step moves the one, not the other. */
        offset: number;
      }
    | undefined;
  /** The engine's options, for a rebuild. */
  private engineOptions: RulesEngineOptions = {};
  /** The wall clock less the monotonic clock at the last look (`noteClock`): a step moves the one, not the other. */
  private clockOffset = NaN;
  /**
   * How far the rules' time runs ahead of the hub's clock since it was stepped back while the hub ran (`steppedBack`):
   * events are fed and timers armed at the hub's clock plus this, and decisions carried out at their time less it.
   */
  private leadMs = 0;
  private snapshotTimer: TimerHandle | undefined;
  private lastEventId = 0;
  private dirty = false;
  /** A deferred `finishRest` is scheduled. */
  private restScheduled = false;
  private readonly log: Logger;
  /** Doors whose learning was logged this run (`tellExitDoorLearned`), as home id NUL device id. */
  private readonly exitDoorsTold = new Set<string>();
  /** Silence alerts held in each home's grace after the start (`restart.graceSeconds`). */
  private readonly grace: StartGrace;

  constructor(private readonly options: RulesRunnerOptions) {
    this.log = options.logger.child({ ns: 'rules' });
    this.grace = new StartGrace(
      options.clock,
      (raises) => {
        this.log.info(
          { alerts: raises.length, kinds: [...new Set(raises.map((r) => r.kind))] },
          "a silence that fell due while the hub was down lasted the start's grace: called",
        );
        this.options.decide(raises);
        this.dirty = true;
      },
      {
        load: () => {
          try {
            return options.store.loadRuleState(GRACE_KEY)?.state;
          } catch (err) {
            this.log.warn({ err }, "the start's grace used could not be read: a whole grace");
            return {};
          }
        },
        save: (used) => {
          try {
            options.store.saveRuleState(GRACE_KEY, used, 0);
          } catch (err) {
            if (options.storageFailed) options.storageFailed('rules-state', err);
            else this.log.error({ err }, "could not save the start's grace used");
          }
        },
      },
    );
  }

  /**
   * Restore the last snapshot, re-feed the events stored after it (a crash may have come between), then move to
   * now so that timers due while the hub was down fire. A snapshot of another version is not restored: learned
   * normal is rebuilt from every stored event instead, their decisions discarded (they were carried out then).
   */
  start(): void {
    const { store, clock, homes } = this.options;
    const saved = store.loadRuleState(STATE_KEY);
    const mutableHomes = homes as HomeConfig[];
    const restorable = saved !== undefined && RulesEngine.acceptsState(saved.state);
    const rules = {
      rules: this.options.rules,
      onExitDoorLearned: (homeId: string, deviceId: string) => this.tellExitDoorLearned(homeId, [deviceId], false),
    };
    this.engineOptions = rules;
    const engine = restorable
      ? RulesEngine.fromState(mutableHomes, saved.state, rules)
      : new RulesEngine(mutableHomes, rules);
    this.engine = engine;
    // A home configured again after time out of the configuration: its devices' reports stored meanwhile (unassigned)
    // were not weighed by the rules; any at all, and what its saved state had under way is forgotten at the watch.
    engine.weighReturns(
      (homeId, since) => store.eventsOfHome(homeId, since + 1, Number.MAX_SAFE_INTEGER, 1).length > 0,
    );
    const rebuildThroughId = saved !== undefined && !restorable ? saved.lastEventId : 0;
    this.lastEventId = restorable ? saved.lastEventId : 0;
    // The configuration's away mode wins over the saved one: a home set away while the hub was down is away now.
    // Decided now, for this configuration, not made again: not filtered (an inactivity alert raised less than
    // `REFEED_SLACK_MS` before a reload that set the home away stayed open, review session 35).
    for (const home of homes) if (home.away) this.run(engine.setAway(home.id, true, engine.now()));
    let refed = 0;
    let rebuilt = 0;
    // The spans the hub was off (its runs, `hub_runs`): the events re-fed cross them when a rebuild replays months, and
    // the rules must not learn such a span as a silence of the resident's (session 63; at a start the same is told
    // below for the time just down). Told at the first event stored after each span ends.
    const offSpans = this.hubOffSpans();
    let nextOff = 0;
    for (const event of store.iterateAfter(this.lastEventId)) {
      while (nextOff < offSpans.length && offSpans[nextOff]![1] <= event.receivedAt) {
        engine.unheardUntil(offSpans[nextOff]![1]);
        nextOff++;
      }
      try {
        // Live, the rules saw the event on the hub's clock between its own time and its storage (a batch commits a
        // moment after the rules saw it): its own time, unless stamped ahead of the hub.
        const decisions = engine.handle(event, Math.min(event.ts, event.receivedAt));
        if (event.id <= rebuildThroughId) rebuilt++;
        else this.run(this.unseen(decisions));
      } catch (err) {
        this.log.error({ err, eventId: event.id }, 'rules engine failed on a re-fed event; skipped');
      }
      this.lastEventId = event.id;
      refed++;
    }
    const now = clock.now();
    // A start after a run (not a reload, not the first start): the hub heard nothing while it was down, so the silences
    // under way are not learned when they end (a resident active through a power cut would otherwise teach a silence
    // of its length). On a clock that reads behind (no real-time clock yet), what the rules last saw is the start's.
    if (this.options.reload !== true && saved !== undefined) engine.unheardUntil(Math.max(now, engine.now()));
    // From here the timers due while the hub was down fire: the silences they call wait for each home's grace, in which
    // a bridge sends what it buffered and a resident up and about is seen (`StartGrace`).
    const spent = this.grace.begin(homes, { fresh: this.options.reload !== true });
    if (spent.length > 0)
      this.log.warn(
        { homes: spent.length },
        'the grace after the last starts ran out with none ending (the hub restarting over and over?): a silence ' +
          'that fell due while it was down is called now',
      );
    // A clock that reads before what the hub last carried out (a Pi with no real-time clock after a power cut): the
    // rules are brought that far at once, what they decide on the way filtered as the re-fed events' decisions are.
    // Before, a silence the rules' timer called after the last event stored (the snapshot older) was called again once
    // the clock, or the rules' lead on it, reached it: a second version of the open alert, or a new one once resolved.
    const reached = this.reachedAt();
    if (reached !== undefined && reached > now && reached > engine.now())
      this.run(this.unseen(engine.advanceTo(reached)));
    // The clock reads before what the rules last saw: a Pi with no real-time clock starts at the time it last saved
    // until network time steps it forward. Said, so that whoever reads the log knows why nothing looks overdue yet.
    const startedBehind = engine.now() - now > CLOCK_BEHIND_MS;
    // Told before the overdue decisions below: what they raise is stamped on the clock that reads behind.
    if (startedBehind) this.options.clockInDoubt?.(true, engine.now() - now);
    if (startedBehind)
      this.log.warn(
        { clockAt: new Date(now).toISOString(), lastSeenAt: new Date(engine.now()).toISOString() },
        'the clock reads before the last time the rules saw: not set yet? Escalations and deliveries that fell due ' +
          'while the hub was down go once it is corrected; silences are timed from the rules time meanwhile',
      );
    // Set back from away while the hub was down: the silence starts now, as if the resident had just come in.
    for (const home of homes) if (!home.away) this.run(this.unseen(engine.setAway(home.id, false, now)));
    // Timers due while the hub was down: decisions made again, less those carried out before the restart.
    this.run(this.unseen(engine.advanceTo(now)));
    // A home nothing has been heard from (a first start, a home just configured) is a silence from now; one watched
    // before the restart keeps its start (saved), and its call comes as overdue below if it fell due meanwhile.
    // A snapshot of another version: its watch starts and never-heard devices' configured times carry over the rebuild
    // (no stored event holds them).
    // What the watch decides is decided now, for this configuration (a `sensor-offline` of a device taken out of it
    // cleared): never one made before the restart, so not filtered as one. Filtered, a clear of an alert raised less
    // than `REFEED_SLACK_MS` before the start was taken for a decision already carried out (review, session 35).
    const unrestored = restorable || !saved ? undefined : saved.state;
    this.run(
      engine.watch(
        now,
        unrestored === undefined ? undefined : RulesEngine.watchStartsOf(unrestored),
        unrestored === undefined ? undefined : RulesEngine.neverHeardSinceOf(unrestored),
      ),
    );
    this.run(this.unseen(engine.advanceTo(now)));
    const state = this.saveSnapshot();
    this.scheduleSnapshot();
    this.watch = undefined;
    this.clockOffset = clock.now() - clock.monotonicNow();
    // On a clock behind the rules' time the rules run that far ahead of it (`leadMs`, as after a step back while the
    // hub ran): an event moves the silence timers although network time never comes (review, session 66: a restart a
    // day behind, every resident moving, called every home). The watch keeps the events for the re-timing at the step.
    this.leadMs = startedBehind ? Math.max(0, engine.now() - clock.now()) : 0;
    if (state !== undefined && (startedBehind || homes.length <= MAX_STEP_WATCH_HOMES)) {
      this.watch = {
        behind: startedBehind,
        state,
        events: [],
        offset: clock.now() - clock.monotonicNow(),
      };
      // A clock that read behind was told above, before the overdue decisions.
      if (!startedBehind) this.options.clockInDoubt?.(true);
    }
    if (saved !== undefined && !restorable) {
      const savedVersion = (saved.state as { version?: unknown } | null)?.version ?? null;
      this.log.info(
        { savedVersion, rebuiltEvents: rebuilt, refedEvents: refed - rebuilt },
        'saved rules state is of another version: learned normal rebuilt from the stored events',
      );
    }
    // A way out learned before this start (saved): said again, so the installer reading today's log sees it too.
    for (const [homeId, deviceIds] of engine.exitDoorsLearned()) this.tellExitDoorLearned(homeId, deviceIds, true);
    this.log.info({ restored: restorable, refedEvents: refed }, 'rules engine started');
  }

  /** `reachedAt`, or undefined when it cannot be read (the rules then start from the events re-fed, as before). */
  private reachedAt(): number | undefined {
    try {
      return this.options.reachedAt?.();
    } catch (err) {
      this.log.warn({ err }, 'the newest alert could not be read: the rules start from the events re-fed');
      return undefined;
    }
  }

  /** The spans the hub was off, from its runs noted in the database; none when they cannot be read. */
  private hubOffSpans(): [number, number][] {
    try {
      return hubOffSpans(this.options.store.db, HUB_OFF_MIN_MS);
    } catch (err) {
      this.log.warn({ err }, 'the hub runs could not be read: spans it was off are not known to the rules rebuilt');
      return [];
    }
  }

  /** Feed events just handed to the store (their ids reserved), in storage order; `lastId` is the id of the last. */
  feed(events: readonly SensorEvent[], lastId: number): void {
    const { clock } = this.options;
    if (!this.engine) return;
    // One append's events get consecutive row ids; each is recorded before its decisions are snapshotted.
    let id = lastId - events.length + 1;
    for (const event of events) {
      this.finishRest();
      const now = clock.now();
      const engine = this.noteClock(now, event);
      // The hub's clock, not the sensor's: one sensor's clock never moves anyone else's time. Ahead by the lead after a
      // step back (`steppedBack`), the event's stamp with it unless a clock that was right stamped it.
      const lead = this.leadMs;
      const decisions =
        lead === 0
          ? engine.handleFirst(event, now)
          : engine.handleFirst(
              event.ts <= now + STAMP_AHEAD_MS ? { ...event, ts: event.ts + lead } : event,
              now + lead,
            );
      this.lastEventId = id++;
      if (engine.restPending) {
        // An alert first (stored and published by `decide`), the event's bookkeeping and the timer after.
        this.carryOut(decisions);
        this.deferRest();
      } else {
        this.run(decisions);
      }
    }
    this.dirty = true;
  }

  /**
   * Before an event (or the rules' timer: no `event`) is handled at `now`, while the clock is watched after a start: a
   * forward step re-times the events seen since the start to the real times they came at, and the watch ends. A step
   * back ends a watch on a clock not seen to read behind (the rules' time never goes back, and what came before was
   * stamped ahead, not behind). After a start on a clock that read behind, the rules run ahead of it by the distance
   * (`leadMs`) until the step, which takes the lead back. Otherwise the event is kept. Returns the engine to handle the
   * event with (a new one after a re-timing).
   */
  private noteClock(now: number, event?: SensorEvent): RulesEngine {
    const watch = this.watch;
    const offset = now - this.monotonicNow();
    const jumpMs = offset - this.clockOffset;
    this.clockOffset = offset;
    if (watch === undefined) {
      if (jumpMs <= -CLOCK_JUMP_MS) this.steppedBack(Math.round(-jumpMs));
      else if (jumpMs >= CLOCK_JUMP_MS) {
        // A step forward after one back (a clock stepped wrongly, then put right): the lead first.
        const stepMs = Math.round(jumpMs) - this.leadMs;
        this.leadMs = Math.max(0, -stepMs);
        if (stepMs > 0) return this.clockJumped(now, stepMs);
      }
      return this.engine!;
    }
    const stepMs = offset - watch.offset;
    if (stepMs >= CLOCK_STEP_MS) {
      // A start behind: the lead is taken back by the step (the re-timing places the events at their corrected times).
      this.leadMs = Math.max(0, this.leadMs - Math.round(stepMs));
      return this.retime(now, Math.round(stepMs));
    }
    if (stepMs <= -CLOCK_STEP_MS && !watch.behind) {
      if (jumpMs <= -CLOCK_JUMP_MS) this.steppedBack(Math.round(-jumpMs));
      return this.endWatch();
    }
    const engine = this.engine!;
    if (event === undefined) return engine;
    this.keepWatched({ event, wallAt: now, monoAt: this.monotonicNow() });
    return engine;
  }

  /**
   * An event or a wake of the rules' timer kept for the re-timing while watched. Not kept past the bound (events and
   * wakes together): the rest keep the rules' time they were seen at, as before the re-timing existed.
   */
  private keepWatched(entry: WatchedEvent): void {
    const watch = this.watch;
    if (watch === undefined) return;
    if (watch.events.length < (watch.behind ? MAX_RETIMED_EVENTS : MAX_STEP_WATCH_EVENTS)) watch.events.push(entry);
    else if (!watch.behind) this.endWatch();
    else {
      this.watch = undefined;
      this.log.warn(
        { events: watch.events.length },
        'too many events while the clock read behind: they keep the rules time they were seen at',
      );
    }
  }

  /**
   * Network time stepped the hub's clock forward while it ran, with no start's watch to re-time what came before (a
   * scheme's hub of more homes than a start watches, or a step after the watch ended): before, the step was taken as
   * time passed, and every home's silence under way was called at once (review, session 66: a day's step on a scheme
   * of 25 flats, every resident moving, called 25 possible falls and every pendant offline). The rules keep what each
   * timer had left (`RulesEngine.clockStepped`), and the state is written at once, so that a restart's re-feed does not
   * cross the step.
   */
  private clockJumped(now: number, stepMs: number): RulesEngine {
    const engine = this.engine!;
    this.finishRest();
    this.log.warn(
      { steppedByMs: stepMs },
      'the clock stepped forward while the hub ran (network time correcting it?): the rules keep the time each ' +
        'silence had left, not the step',
    );
    try {
      this.run(engine.clockStepped(stepMs, now));
    } catch (err) {
      this.log.error({ err }, 'rules engine failed on its timers after a clock step');
    }
    this.saveSnapshot();
    return engine;
  }

  /**
   * Network time stepped the hub's clock back while it ran (it read ahead). The rules' time never goes back, so each
   * event after the step, at the corrected time, was older than the last activity they saw and moved no silence timer
   * until the clock had run the step: every silence under way at the step was called when it had lasted its allowance,
   * the resident moving about (review, session 66: a day's step back, 25 possible falls 45 minutes after it on a scheme
   * of 25 flats). The rules now run that far ahead of the hub's clock (`leadMs`): each event is fed at the hub's reading
   * plus the lead (its stamp moved by it, unless stamped more than a minute ahead of the hub: a sensor whose clock was
   * already right), the rules' timer is due at its time less the lead, and each decision is carried out at its time
   * less the lead, so alerts keep the true time. Until the next start (or reload), which finds the clock behind the
   * rules' last time and takes the path of a start behind.
   */
  private steppedBack(stepMs: number): void {
    this.leadMs += stepMs;
    this.log.warn(
      { steppedByMs: -stepMs, rulesAheadMs: this.leadMs },
      'the clock stepped back while the hub ran (network time correcting it?): the rules run that far ahead of it, ' +
        'so that a silence under way keeps its length',
    );
  }

  /**
   * A decision of the rules' time as the hub's clock reads it (`leadMs`): its times, and the ISO times of its detail
   * at any depth (`outingUnended.since`, `deadDevices[].silentSince` too: before session 67 only those at the top were,
   * the others left a lead apart from them, which the clock correction then could not put right).
   */
  private toHubTime(decision: RuleDecision): RuleDecision {
    const lead = this.leadMs;
    switch (decision.type) {
      case 'raise':
        return {
          ...decision,
          at: decision.at - lead,
          detail: movedIsoTimes(decision.detail, (ms) => ms - lead) as Record<string, unknown>,
        };
      case 'prealert':
        return { ...decision, at: decision.at - lead, raiseAt: decision.raiseAt - lead };
      default:
        return { ...decision, at: decision.at - lead };
    }
  }

  /** A watch on a clock not seen to read behind ends without a step: the alert service stops following. */
  private endWatch(): RulesEngine {
    this.watch = undefined;
    this.options.clockInDoubt?.(false);
    return this.engine!;
  }

  /**
   * The events seen since the start were placed on a clock that read behind (the hub's reading plus the lead after a
   * start behind, or their stale stamps), so a silence after one would look as long as the step. The engine is rebuilt from its state
   * at the start with each of them at the wall-clock time it came at as the clock now reads it (now less the monotonic
   * time since), its stamp moved by the same correction unless it was well ahead of the hub's reading (a sensor whose
   * clock was right); their decisions are dropped (they were carried out when the events came). Network time stepped the
   * clock forward (`stepMs`): the re-timing is final, the watch ends, and the rebuilt engine is brought to the corrected
   * time it had reached, what it decides on the way dropped (decided then).
   */
  private retime(now: number, stepMs: number): RulesEngine {
    const watch = this.watch!;
    this.watch = undefined;
    this.finishRest();
    // Started behind with nothing fed since: the engine at hand is the start's, advanced by its own timers only.
    if (watch.behind && watch.events.length === 0) return this.engine!;
    const old = this.engine!;
    const monoNow = this.monotonicNow();
    // What is left of a start's lead after a step smaller than the distance behind (none after a whole correction).
    const lead = this.leadMs;
    const engine = RulesEngine.fromState(
      this.options.homes as HomeConfig[],
      JSON.parse(watch.state),
      this.engineOptions,
    );
    for (const { event, wallAt, monoAt, pastMs } of watch.events) {
      const at = now + lead - (monoNow - monoAt);
      try {
        // A wake of the rules' timer: what it fired then (a silence called) fires again here, its decision dropped.
        if (event === undefined) engine.advanceTo(at + (pastMs ?? 0));
        else {
          const ts = event.ts <= wallAt + STAMP_AHEAD_MS ? event.ts + (at - wallAt) : event.ts;
          engine.handle({ ...event, ts }, at);
        }
      } catch (err) {
        this.log.error({ err }, 'rules engine failed on an event re-timed after a clock step; skipped');
      }
    }
    // A rules' time that ran with the clock since the start (not seen to read behind) is brought to the corrected time it
    // had reached. After a start behind it is not: the outage lies between the saved state and the first re-timed event,
    // and a silence of a home unheard since the start that fell due in it is called by the rules' timer, as before.
    if (!watch.behind) {
      try {
        engine.advanceTo(Math.min(now + lead, old.now() + stepMs));
      } catch (err) {
        this.log.error({ err }, 'rules engine failed on its timers after a clock step');
      }
    }
    this.engine = engine;
    this.dirty = true;
    this.log.info(
      { events: watch.events.length, correctedByMs: Math.round(stepMs) },
      'the clock stepped forward since the start: the events seen before re-timed',
    );
    return engine;
  }

  private monotonicNow(): number {
    return this.options.clock.monotonicNow();
  }

  private deferRest(): void {
    const defer = this.options.deferRest;
    if (!defer) {
      this.finishRest();
      return;
    }
    if (this.restScheduled) return;
    this.restScheduled = true;
    defer(() => {
      this.restScheduled = false;
      this.finishRest();
    });
  }

  /**
   * The bookkeeping `handleFirst` left, if any: before the engine is asked anything else. A rule failing on it is
   * logged and costs nothing else: not the next event (a press read before the deferred call ran), not its timer, not
   * the snapshot or the stop that finish it first (thrown from the deferred call, it would end the process).
   */
  private finishRest(): void {
    const engine = this.engine;
    if (!engine?.restPending) return;
    try {
      this.run(engine.finishEvent());
    } catch (err) {
      this.log.error({ err }, 'rules engine failed on the rest of an event');
      this.dirty = true;
      this.rearm();
    }
  }

  /**
   * A home with no exit door configured whose way out the rules learned from its outings (`ExitDoorLearner`): the
   * installer should mark it. Device and home ids only (no resident's times); once per door and run.
   */
  private tellExitDoorLearned(homeId: string, deviceIds: readonly string[], earlier: boolean): void {
    const fresh = deviceIds.filter((id) => !this.exitDoorsTold.has(`${homeId}\u0000${id}`));
    if (fresh.length === 0) return;
    for (const id of fresh) this.exitDoorsTold.add(`${homeId}\u0000${id}`);
    this.log.info(
      { homeId, deviceIds: fresh, learned: earlier ? 'before this start' : 'now' },
      'exit door learned from the home\'s outings (none is configured): mark it "kind": "exit-door" in the configuration to be sure',
    );
  }

  /** What the rules know of each device of a home (`RulesEngine.deviceLiveness`); undefined while stopped. */
  deviceLiveness(homeId: string): ReturnType<RulesEngine['deviceLiveness']> {
    const live = this.engine?.deviceLiveness(homeId);
    // Heard on the rules' time, ahead of the hub's clock after a step back (`leadMs`).
    if (live !== undefined && this.leadMs !== 0)
      for (const device of live.values()) {
        if (device.lastHeardAt !== null) device.lastHeardAt -= this.leadMs;
        if (device.tamperedAt !== null) device.tamperedAt -= this.leadMs;
      }
    return live;
  }

  /** Clear the timers and write a last snapshot. */
  stop(): void {
    const { clock } = this.options;
    this.finishRest();
    if (this.timer) clock.clearTimer(this.timer);
    if (this.snapshotTimer) clock.clearTimer(this.snapshotTimer);
    this.timer = undefined;
    this.snapshotTimer = undefined;
    this.watch = undefined;
    // A silence held in the grace was raised by the rules but told nobody: their state is not saved with it, so the
    // next start re-feeds the events since the last snapshot, makes the decision again and holds it again.
    if (this.grace.holding)
      this.log.info(
        { alerts: this.grace.size },
        "stopped in the start's grace with a silence held: the next start decides it again",
      );
    if (this.engine && !this.grace.holding) this.saveSnapshot();
    this.grace.stop();
    this.engine = undefined;
  }

  private run(decisions: RuleDecision[]): void {
    if (decisions.length > 0) {
      this.carryOut(decisions);
      this.dirty = true;
    }
    this.rearm();
  }

  /** Decisions to the alert service, less the silences held in a grace after the start (and the clears of those). */
  private carryOut(decisions: RuleDecision[]): void {
    const engine = this.engine;
    const kept = this.grace.filter(decisions, (d) => engine?.raisedByTimer(d) === true);
    if (kept.length > 0) this.options.decide(this.leadMs === 0 ? kept : kept.map((d) => this.toHubTime(d)));
  }

  /** Decisions made again at start, less those already carried out before the restart. */
  private unseen(decisions: RuleDecision[]): RuleDecision[] {
    const seen = this.options.alreadyRaised;
    if (!seen) return decisions;
    return decisions.filter(
      (d) =>
        (d.type !== 'raise' && d.type !== 'clear') ||
        !seen({ homeId: d.homeId, kind: d.kind, at: d.at - REFEED_SLACK_MS }),
    );
  }

  /**
   * The hub's one rules timer, always set to the engine's next due time. Its delay runs from the rules' time, which
   * never goes back: after the wall clock steps back, a silence still lasts its length, not its length plus the step.
   */
  private rearm(): void {
    const engine = this.engine;
    if (!engine) return;
    const { clock } = this.options;
    const due = engine.nextDueAt();
    if (this.timer && due !== null && this.timerDueAt === due) return;
    if (this.timer) clock.clearTimer(this.timer);
    this.timer = undefined;
    if (due === null) return;
    const wallNow = clock.now();
    const lead = this.leadMs;
    this.timerDueAt = due;
    // Due after its delay from the rules' time, or once the wall clock reads the deadline less the lead: a hub started on
    // a clock behind the rules' time (a Pi with no real-time clock after a power cut) calls a silence begun before the
    // cut when network time corrects the clock, or when what was left of it has run since the start if none comes.
    const onDue = (): void => {
      this.timer = undefined;
      if (!this.engine) return;
      this.dirty = true;
      try {
        this.finishRest();
        // Network time stepped the clock since a start behind it: the events seen meanwhile re-timed first.
        const now = clock.now();
        this.noteClock(now);
        // The timer measured the delay: it is due even if the wall clock was stepped back meanwhile.
        const to = Math.max(now + this.leadMs, due);
        this.run(this.engine.advanceTo(to));
        // Kept while watched, so that a re-timing fires again what it fired (and drops it: carried out now).
        if (this.watch !== undefined)
          this.keepWatched({ wallAt: now, monoAt: this.monotonicNow(), pastMs: to - now - this.leadMs });
      } catch (err) {
        // Thrown from a timer it would end the process; the next event or restart tries again.
        this.log.error({ err }, 'rules engine failed on its timer');
      }
    };
    this.timer = clock.setTimer(wallNow + (due - Math.max(wallNow + lead, engine.now())), onDue, {
      wallDueAt: due - lead,
    });
  }

  private scheduleSnapshot(): void {
    const { clock } = this.options;
    const everyMs = this.options.snapshotEveryMs ?? 600_000;
    this.snapshotTimer = clock.setTimer(clock.now() + everyMs, () => {
      if (this.dirty && !this.grace.holding) this.saveSnapshot();
      this.scheduleSnapshot();
    });
  }

  /**
   * Write the engine's state; returns it as the JSON written (also when storage refused it), for the start's watch. Not
   * written while a silence is held in the start's grace (`StartGrace`): the JSON is still returned.
   */
  private saveSnapshot(): string | undefined {
    if (!this.engine) return undefined;
    let json: string | undefined;
    try {
      this.finishRest();
      json = JSON.stringify(this.engine.exportState());
      if (this.grace.holding) return json;
      this.options.beforeSnapshot?.();
      this.options.store.saveRuleStateJson(STATE_KEY, json, this.lastEventId);
      this.dirty = false;
    } catch (err) {
      if (this.options.storageFailed) this.options.storageFailed('rules-state', err);
      else this.log.error({ err }, 'could not save the rules engine state');
    }
    return json;
  }
}
