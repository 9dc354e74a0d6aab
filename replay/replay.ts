// Replay recorded events through the rules engine on a simulated clock that follows event time.
import {
  DAY_SETTLE_MS,
  featureDayStart,
  homeCalendar,
  lastCompleteDay,
  type HomeCalendar,
} from '../analytics/activity.js';
import { DEFAULT_BASELINE_OPTIONS } from '../analytics/baseline.js';
import { FeatureAccumulator } from '../analytics/features.js';
import { reviewDecisions } from '../analytics/review.js';
import type { DailyFeatures } from '../analytics/types.js';
import type { Alert } from '../hub/alerts/api.js';
import { describeType, isPrintableId, outOfRange, type RejectReason } from '../hub/ingest.js';
import { defaultHomeConfig, RulesEngine, type RulesEngineOptions } from '../rules/engine.js';
import type { DeviceConfig, HomeConfig, RuleDecision, SensorEvent } from '../rules/types.js';
import { accelRuns, accelSampleOffsetMs, valueFits } from '../rules/event-value.js';
import {
  canonicalRoom,
  deviceKindFromName,
  DEVICE_KINDS,
  EVENT_TYPES,
  kindCanReport,
  MAX_ID_LENGTH,
  type DeviceKind,
  type EventType,
} from '../rules/vocabulary.js';
import { parseIsoMs, TS_FORMAT } from '../rules/iso-time.js';
import { dayToIsoDate, ZoneClock } from '../rules/local-time.js';
import { HOUR_MS } from '../rules/time.js';

const EVENT_TYPE_SET = new Set<string>(EVENT_TYPES);
const DEVICE_KIND_SET = new Set<string>(DEVICE_KINDS);
/** Dropped lines named in the figures (and the summary): the first few tell what is wrong with a file. */
const DROPS_NAMED = 5;

/** A line replay dropped: its number (1-based) and the reason a live hub's ingest gives for such an event. */
export interface ReplayDrop {
  line: number;
  reason: RejectReason;
  message: string;
}

/**
 * An alert as replay writes it: SPEC 5's fields, plus `drained: true` when it was raised while the clock ran on
 * after the last event (`--drain`): a live hub raises it only if nothing at all happens in the home meanwhile.
 */
export type ReplayAlert = Alert & { drained?: true };

/** A line of replay input: a native event with its home and device, optionally its room and kind. */
export interface ReplayLine {
  ts: number | string;
  homeId: string;
  deviceId: string;
  type: string;
  value: unknown;
  room?: string;
  kind?: string;
  /**
   * When the hub received the event, if before its `ts` (a sensor whose clock runs ahead; `telecare export` writes it):
   * the rules' time for it, as live, where the hub's clock and not the sensor's moves the rules (SPEC 4.1). The event
   * keeps its `ts` for the features. An ISO time or epoch ms; ignored when not before `ts`.
   */
  receivedAt?: number | string;
}

/** A pre-alert as replay writes it with `--prealerts` (SPEC 5: for the resident, not an alert). */
export interface ReplayPrealert {
  prealert: 'raised' | 'cancelled';
  homeId: string;
  kind: string;
  at: string;
  raiseAt?: string;
}

export interface ReplayOptions {
  /** Homes of the configuration; other homes get every default. */
  homes?: HomeConfig[];
  /** Zone of homes absent from the configuration (`--tz`), default UTC. */
  defaultTimezone?: string;
  /** Hours the clock runs on after the last event so due timers fire (`--drain`), default 24. */
  drainHours?: number;
  onAlert?: (alert: ReplayAlert) => void;
  onPrealert?: (prealert: ReplayPrealert) => void;
  /** Collect daily features (SPEC 7) while replaying. */
  features?: boolean;
  /**
   * Run the hub's daily routine review (`analytics/review.ts`) on the simulated clock: each home's day, once complete
   * (its night over and bedtime settled, `DAY_SETTLE_MS` later), compared with its baseline, a `routine-change` alert
   * per flag, as the live hub raises at its next hourly round. The CLI's default; the evaluation counts the rules alone.
   */
  routineReview?: boolean;
  /** The rules engine's rules (default: the built-in ones), as the hub's `RulesRunnerOptions.rules`. */
  rules?: RulesEngineOptions['rules'];
  /**
   * When the hub started watching the configured homes (epoch ms; `RulesEngine.watch`): a home that has reported
   * nothing by then is a silence from then, as live. `'first-event'`: the time of the first line replayed (a hub
   * started as the recording began; the CLI's default, as the evaluation's). Default: none (the replay's homes are
   * watched from their first activity, as before a hub had a start).
   */
  startedAt?: number | 'first-event';
}

export interface ReplayStats {
  events: number;
  /** Lines refused with the checks of the hub's ingest (and lines that are not JSON): counted, never replayed. */
  dropped: number;
  droppedByReason: Partial<Record<RejectReason, number>>;
  /** The first few dropped lines, with their reason. */
  firstDropped: ReplayDrop[];
  /** Lines older than the one before them (activity at their own time, as late events live). */
  late: number;
  /**
   * Lines whose numeric `ts` reads as epoch seconds (from 2001 on), not milliseconds (1970-01-12 to 1973-03-03): replayed
   * as given (SPEC 4 says milliseconds), counted so the command can say so.
   */
  secondsLikeTs: number;
  /**
   * Kinds named on lines that say nothing SPEC 3 knows ("Widget"), by name (at most `MAX_UNKNOWN_KINDS` names): their
   * lines were read by type and room, counted so the command can say so.
   */
  unknownKinds: Record<string, number>;
  /** Samples of accel lines that were not three numbers within ±64 g: dropped alone, the line's other samples kept. */
  accelSamplesDropped: number;
  /**
   * Doors taken for the way out from a home's outings, where none was configured or named (`ExitDoorLearner`), with
   * the simulated time each was learned (at most `MAX_EXIT_DOORS_TOLD`): the command tells them, to be marked.
   */
  exitDoorsLearned: { homeId: string; deviceId: string; at: string }[];
  homes: number;
  alerts: number;
  alertsByKind: Record<string, number>;
  /** Of `alerts`, those raised during the drain (after the last event). */
  drainedAlerts: number;
  firstEventAt: string | null;
  lastEventAt: string | null;
  /** Simulated time at the end, drain included. */
  endedAt: string | null;
  wallMs: number;
  eventsPerSecond: number;
}

/** A numeric `ts` in this range is 1970-01-12 to 1973-03-03 as milliseconds, or 2001 to 5138 as epoch seconds. */
const EPOCH_SECONDS_FROM = 1e9;
const EPOCH_SECONDS_TO = 1e11;

/** Device kind from the event type, for a device known neither to the configuration nor its line. */
const KIND_OF_TYPE: Partial<Record<EventType, DeviceKind>> = {
  motion: 'motion',
  contact: 'door',
  pendant: 'pendant',
  fall: 'wearable',
  accel: 'wearable',
  smoke: 'smoke',
  co: 'co',
  gas: 'gas',
  water: 'water',
  temperature: 'climate',
  humidity: 'climate',
  power: 'appliance',
};

/**
 * A device's kind when its line names none (a home absent from the configuration): by its event type, and where the
 * type alone says too little, by its room: a contact at the entrance is the exit door (the door a home's outings go
 * through); an occupancy report (SPEC 4: a bed or chair mat, or room presence) in the bedroom is the bed's mat, in the
 * living room a chair's (a seat, a couch), as datasets' pressure mats report; elsewhere room presence (`other`). Other
 * types as `KIND_OF_TYPE`; unknown ones `other` (still activity).
 */
function kindOfLine(type: EventType, room: string | undefined): DeviceKind {
  if (type === 'contact' && room === 'entrance') return 'exit-door';
  if (type === 'occupancy' && room === 'bedroom') return 'bed';
  if (type === 'occupancy' && room === 'living') return 'chair';
  return KIND_OF_TYPE[type] ?? 'other';
}

/** How many learned exit doors a replay lists (a file of made-up homes must not grow the summary). */
const MAX_EXIT_DOORS_TOLD = 20;

/** How many distinct unknown kind names a replay counts (a file of garbage kinds must not grow the summary). */
const MAX_UNKNOWN_KINDS = 20;
/** How many (name, room) readings of named kinds a replay keeps: a line's kind is read once, not on every line. */
const MAX_NAMED_KINDS = 256;

/**
 * A kind as a line names it otherwise than SPEC 3 (`Replayer.namedKindOf` takes SPEC 3's names first): what the name
 * says (`deviceKindFromName`; the line's room says whose a plain "Pressure mat" is), undefined when nothing.
 */
function namedKind(name: string, room: unknown): DeviceKind | undefined {
  const kind = deviceKindFromName(name, typeof room === 'string' ? room : undefined);
  return kind === 'other' && name.trim().toLowerCase() !== 'other' ? undefined : kind;
}

/** Days of features a routine review of one day reads (`reviewWindow`): the baseline's window, the run, the day. */
const REVIEW_DAYS = DEFAULT_BASELINE_OPTIONS.windowDays + DEFAULT_BASELINE_OPTIONS.sustainDays + 1;

/** A home's routine review on the simulated clock: the next day to review, when it is complete, the days it reads. */
interface HomeReview {
  home: HomeConfig;
  calendar: HomeCalendar;
  day: number;
  at: number;
  days: DailyFeatures[];
  lastEventTs: number;
}

/**
 * Feeds lines to one engine, in order, and turns raise decisions into SPEC 5 alerts with
 * deterministic ids. `push` then `finish` (which drains); the CLI, the evaluation and the bench use it.
 */
export class Replayer {
  readonly engine: RulesEngine;
  private readonly configHomes = new Map<string, HomeConfig>();
  private readonly homeZones = new Map<string, ZoneClock>();
  private readonly configDevices = new Map<string, Map<string, DeviceConfig>>();
  private readonly defaultTimezone: string;
  private readonly drainMs: number;
  private readonly features: FeatureAccumulator | undefined;
  private readonly alertIds = new Map<string, number>();
  private readonly started = performance.now();
  private lastTs = -Infinity;
  private firstTs = NaN;
  /** Number of the line being replayed (1-based), for naming dropped lines. */
  private lineNo = 0;
  private draining = false;
  /** The watch starts at the first line replayed (`startedAt: 'first-event'`), not yet met. */
  private watchAtFirstEvent: boolean;
  /** Ids already found printable: they repeat on every line. */
  private readonly goodIds = new Set<string>();
  /** Homes under the routine review (`routineReview`), by id; null for a home in away mode (never reviewed, as live). */
  private readonly reviews: Map<string, HomeReview | null> | undefined;
  /** The earliest `HomeReview.at` of them. */
  private nextReviewAt = Infinity;
  /** Days the accumulator handed out for the review, by home, kept for `dailyFeatures`. */
  private readonly flushedDays = new Map<string, DailyFeatures[]>();
  /** `namedKind` by name and room (`\u0000` between): its reading costs ~0.4 µs, a line ~2 µs. */
  private readonly namedKinds = new Map<string, DeviceKind | undefined>();
  readonly stats: ReplayStats = {
    events: 0,
    dropped: 0,
    droppedByReason: {},
    firstDropped: [],
    late: 0,
    secondsLikeTs: 0,
    unknownKinds: {},
    accelSamplesDropped: 0,
    exitDoorsLearned: [],
    homes: 0,
    alerts: 0,
    alertsByKind: {},
    drainedAlerts: 0,
    firstEventAt: null,
    lastEventAt: null,
    endedAt: null,
    wallMs: 0,
    eventsPerSecond: 0,
  };

  constructor(private readonly options: ReplayOptions = {}) {
    const homes = options.homes ?? [];
    for (const home of homes) {
      this.configHomes.set(home.id, home);
      this.configDevices.set(home.id, new Map(home.devices.map((d) => [d.id, d])));
    }
    this.defaultTimezone = options.defaultTimezone ?? 'UTC';
    this.drainMs = (options.drainHours ?? 24) * HOUR_MS;
    this.engine = new RulesEngine(homes, {
      rules: options.rules,
      onExitDoorLearned: (homeId, deviceId, at) => {
        if (this.stats.exitDoorsLearned.length < MAX_EXIT_DOORS_TOLD)
          this.stats.exitDoorsLearned.push({ homeId, deviceId, at: new Date(at).toISOString() });
      },
    });
    if (typeof options.startedAt === 'number') this.deliver(this.engine.watch(options.startedAt));
    this.watchAtFirstEvent = options.startedAt === 'first-event';
    this.stats.homes = homes.length;
    this.reviews = options.routineReview ? new Map() : undefined;
    this.features =
      options.features || options.routineReview
        ? new FeatureAccumulator(homes, { defaultTimezone: this.defaultTimezone })
        : undefined;
  }

  /** The home's zone: its configured one, else the default (`--tz`). */
  private zoneOf(homeId: string): ZoneClock {
    let zone = this.homeZones.get(homeId);
    if (!zone) {
      zone = new ZoneClock(this.configHomes.get(homeId)?.timezone ?? this.defaultTimezone);
      this.homeZones.set(homeId, zone);
    }
    return zone;
  }

  /** Parse and replay one NDJSON line; blank lines are skipped, bad ones counted as dropped. */
  pushLine(line: string): void {
    this.lineNo++;
    if (line.length === 0 || line === '\r') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.drop('bad-json', 'not JSON');
      return;
    }
    const heardAt = this.receivedAtOf(parsed);
    // A line parsed here belongs to nobody else: it becomes the engine's event, no copy on the hot path.
    this.replay(this.toEvent(parsed, true), undefined, heardAt);
  }

  /** A line's `receivedAt` as epoch ms (a time without a zone in the home's), or undefined. */
  private receivedAtOf(parsed: unknown): number | undefined {
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { receivedAt, homeId } = parsed as Partial<ReplayLine>;
    if (typeof receivedAt === 'number') return Number.isFinite(receivedAt) ? receivedAt : undefined;
    if (typeof receivedAt !== 'string' || typeof homeId !== 'string') return undefined;
    const ms = parseIsoMs(receivedAt, this.zoneOf(homeId));
    return Number.isFinite(ms) ? ms : undefined;
  }

  /**
   * Replay one parsed line; the caller's object is left as it was. `arrivesAt`: when the hub receives it, if later than
   * its own time (a bridge flushing what it held during an outage: the rules' clock runs on to then first, as live).
   */
  push(line: unknown, arrivesAt?: number): void {
    this.lineNo++;
    this.replay(this.toEvent(line, false), arrivesAt);
  }

  /** A line of the input that is not an event (blank, or skipped by a format's parser): counted for line numbers. */
  skipLine(): void {
    this.lineNo++;
  }

  /** Count a dropped line; null, for `return this.drop(...)` in toEvent. */
  private drop(reason: RejectReason, message: string): null {
    const s = this.stats;
    s.dropped++;
    s.droppedByReason[reason] = (s.droppedByReason[reason] ?? 0) + 1;
    if (s.firstDropped.length < DROPS_NAMED) s.firstDropped.push({ line: this.lineNo, reason, message });
    return null;
  }

  /** `heardAt`: the line's `receivedAt`, the rules' time for an event stamped after it (its sensor's clock ahead). */
  private replay(event: SensorEvent | SensorEvent[] | null, arrivesAt?: number, heardAt?: number): void {
    if (!event) return;
    if (Array.isArray(event)) {
      for (const e of event) this.replay(e, arrivesAt, heardAt);
      return;
    }
    this.stats.events++;
    if (event.ts < this.lastTs) this.stats.late++;
    else this.lastTs = event.ts;
    if (Number.isNaN(this.firstTs)) this.firstTs = event.ts;
    if (this.watchAtFirstEvent) {
      // The hub starts as the first line arrives, then handles it: its own home is heard at once.
      this.watchAtFirstEvent = false;
      this.deliver(this.engine.watch(heardAt !== undefined && heardAt < event.ts ? heardAt : event.ts));
    }
    if (this.reviews) this.reviewUntil(event.homeId, event.ts);
    this.features?.add(event);
    this.deliver(
      arrivesAt !== undefined && arrivesAt > event.ts
        ? this.engine.handle(event, arrivesAt)
        : heardAt !== undefined && heardAt < event.ts
          ? this.engine.handle(event, heardAt)
          : this.engine.handle(event),
    );
  }

  /** Run the clock on by the drain so due timers fire; returns the final figures. */
  finish(): ReplayStats {
    this.draining = true;
    if (this.lastTs > -Infinity) {
      if (this.reviews) this.reviewUntil(undefined, this.lastTs + this.drainMs);
      this.deliver(this.engine.advanceTo(this.lastTs + this.drainMs));
    }
    const s = this.stats;
    s.wallMs = performance.now() - this.started;
    s.eventsPerSecond = s.wallMs > 0 ? Math.round((s.events / s.wallMs) * 1000) : 0;
    s.firstEventAt = Number.isNaN(this.firstTs) ? null : new Date(this.firstTs).toISOString();
    s.lastEventAt = this.lastTs > -Infinity ? new Date(this.lastTs).toISOString() : null;
    s.endedAt = this.lastTs > -Infinity ? new Date(this.lastTs + this.drainMs).toISOString() : null;
    return s;
  }

  /** Daily features of every home (after `finish`), by home then date, when asked for in the options. */
  dailyFeatures(): DailyFeatures[] {
    if (!this.options.features || !this.features) return [];
    const held = this.features.finish();
    if (this.flushedDays.size === 0) return held;
    // By home, each one's days handed out for the review before those held. A home whose held days are all left out
    // (a day with no data is not a day: session 59) is not in `held`: its handed-out days come after the others'.
    const out: DailyFeatures[] = [];
    const done = new Set<string>();
    for (const [i, day] of held.entries()) {
      if (i === 0 || held[i - 1]!.homeId !== day.homeId) {
        out.push(...(this.flushedDays.get(day.homeId) ?? []));
        done.add(day.homeId);
      }
      out.push(day);
    }
    for (const [homeId, days] of this.flushedDays) if (!done.has(homeId)) out.push(...days);
    return out;
  }

  /**
   * The routine review up to `t`, as the live hub's hourly rounds do it: every home's day complete by then, in time
   * order, compared with its baseline (the rules' timers due before each review fire first, so alerts stay in time
   * order). `homeId`: the home of the event at `t`, to start reviewing it.
   */
  private reviewUntil(homeId: string | undefined, t: number): void {
    const reviews = this.reviews!;
    while (this.nextReviewAt <= t) {
      const at = this.nextReviewAt;
      this.deliver(this.engine.advanceTo(at));
      for (const day of this.features!.flush(at)) {
        const review = reviews.get(day.homeId);
        if (review) review.days.push(day);
        if (this.options.features) {
          const kept = this.flushedDays.get(day.homeId);
          if (kept) kept.push(day);
          else this.flushedDays.set(day.homeId, [day]);
        }
      }
      for (const review of reviews.values()) {
        if (review === null || review.at !== at) continue;
        const date = dayToIsoDate(review.day);
        // The hub reads the days from the stored events, starting the day before the first it has not cached: a home
        // silent since before then has no day to compare.
        if (review.lastEventTs >= featureDayStart(review.calendar, review.day - 1)) {
          this.deliver(reviewDecisions(review.home, review.days, date, at), false);
        }
        const firstKept = dayToIsoDate(review.day - REVIEW_DAYS + 2);
        while (review.days[0] !== undefined && review.days[0].date < firstKept) review.days.shift();
        let next = review.day + 1;
        // A silent home has nothing to compare until it is heard again: its silent days complete by `t` are passed over
        // at once (a recording with a gap of years is not reviewed day by day through it).
        if (review.lastEventTs < featureDayStart(review.calendar, next - 1)) {
          next = Math.max(next, lastCompleteDay(review.calendar, t) + 1);
        }
        this.scheduleReview(review, next);
      }
      this.nextReviewAt = Math.min(...[...reviews.values()].map((r) => r?.at ?? Infinity));
    }
    if (homeId === undefined) return;
    const review = reviews.get(homeId);
    if (review) review.lastEventTs = Math.max(review.lastEventTs, t);
    else if (review === undefined) this.startReview(homeId, t);
  }

  /** A home heard for the first time at `t`: its first review is of the day under way. */
  private startReview(homeId: string, t: number): void {
    const home = this.configHomes.get(homeId) ?? defaultHomeConfig(homeId, this.defaultTimezone);
    if (home.away) {
      this.reviews!.set(homeId, null);
      return;
    }
    const calendar = homeCalendar(home);
    const review: HomeReview = { home, calendar, day: 0, at: Infinity, days: [], lastEventTs: t };
    this.scheduleReview(review, lastCompleteDay(calendar, t) + 1);
    this.reviews!.set(homeId, review);
    this.nextReviewAt = Math.min(this.nextReviewAt, review.at);
  }

  private scheduleReview(review: HomeReview, day: number): void {
    review.day = day;
    review.at = featureDayStart(review.calendar, day + 1) + DAY_SETTLE_MS;
  }

  private printable(id: string): boolean {
    if (this.goodIds.has(id)) return true;
    if (!isPrintableId(id, MAX_ID_LENGTH)) return false;
    // Bounded: a file of made-up ids must not grow memory without limit.
    if (this.goodIds.size >= 10_000) this.goodIds.clear();
    this.goodIds.add(id);
    return true;
  }

  /**
   * Check `raw` as the hub's ingest checks a live event (ids, type, value and its range, the device's kind) and
   * make the event: `raw` itself when `inPlace`, else a new object of one fixed shape. A line a live hub would
   * refuse is dropped (counted by reason), so replay sees what the hub would have seen.
   */
  private toEvent(raw: unknown, inPlace: boolean): SensorEvent | SensorEvent[] | null {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return this.drop('not-an-event', 'an event must be a JSON object');
    }
    const line = raw as ReplayLine & Partial<SensorEvent>;
    const { homeId, deviceId, type } = line;
    if (typeof homeId !== 'string' || typeof deviceId !== 'string' || homeId === '' || deviceId === '') {
      return this.drop('missing-ids', 'homeId and deviceId must be non-empty strings');
    }
    if (!this.printable(homeId) || !this.printable(deviceId)) {
      return this.drop('bad-id', `homeId and deviceId must be printable and at most ${MAX_ID_LENGTH} characters`);
    }
    if (typeof type !== 'string' || !EVENT_TYPE_SET.has(type)) {
      return this.drop('unknown-type', `unknown event type ${describeType(type)}`);
    }
    // An accel line with some unusable samples keeps the others, at their own times, as live (`accelRuns`).
    const split = type === 'accel' ? accelRuns(line.value) : undefined;
    if (split === undefined) {
      if (!valueFits(type, line.value)) return this.drop('bad-value', `the value does not fit a '${type}' event`);
      const range = outOfRange(type, line.value);
      if (range) return this.drop('out-of-range', range);
    }
    // A time without a zone is the home's local time (its configured zone, else `--tz`), whatever this machine's zone.
    const ts =
      typeof line.ts === 'number'
        ? line.ts
        : typeof line.ts === 'string'
          ? parseIsoMs(line.ts, this.zoneOf(homeId))
          : NaN;
    if (!Number.isFinite(ts) || ts < 0) return this.drop('bad-ts', TS_FORMAT);
    if (typeof line.ts === 'number' && ts >= EPOCH_SECONDS_FROM && ts < EPOCH_SECONDS_TO) this.stats.secondsLikeTs++;
    if (split !== undefined && split.dropped > 0) {
      this.stats.accelSamplesDropped += split.dropped;
      const events: SensorEvent[] = [];
      for (const run of split.runs) {
        const event = this.toEvent(
          { ...line, value: run.value, ts: ts + accelSampleOffsetMs(run.value.rate, run.first) },
          false,
        );
        if (Array.isArray(event)) events.push(...event);
        else if (event) events.push(event);
      }
      return events;
    }
    const devices = this.configDevices.get(homeId);
    const configured = devices?.get(deviceId);
    // A device raises only what its kind can report, as live: the configured kind, else a kind the line gives.
    // A kind the line names otherwise than SPEC 3 ("PIR", "Bed mat", "exit_door") is read by its name (`other` when
    // the name says nothing: then by the event's type and room, as a line with none).
    const lineKind = typeof line.kind === 'string' ? this.namedKindOf(line.kind, line.room) : undefined;
    if (lineKind === undefined && typeof line.kind === 'string') this.countUnknownKind(line.kind);
    const statedKind = configured?.kind ?? lineKind;
    if (statedKind !== undefined && !kindCanReport(statedKind, type)) {
      return this.drop('kind-mismatch', `a '${statedKind}' device cannot report '${type}'`);
    }
    const event: SensorEvent = inPlace
      ? (line as unknown as SensorEvent)
      : {
          homeId,
          deviceId,
          type: type,
          value: line.value as SensorEvent['value'],
          ts,
          source: 'replay',
          room: typeof line.room === 'string' ? canonicalRoom(line.room) : undefined,
          kind: undefined,
          assigned: false,
        };
    event.ts = ts;
    event.source = 'replay';
    if (configured) {
      event.kind = configured.kind;
      if (configured.room !== undefined) event.room = configured.room;
      event.assigned = true;
    } else {
      if (!devices && !this.engine.hasHome(homeId)) {
        this.engine.addHome(defaultHomeConfig(homeId, this.defaultTimezone), true);
        this.stats.homes++;
      }
      // A home absent from the configuration takes the line's word; a configured home only a line with its kind.
      event.assigned = !devices || typeof line.kind === 'string';
      event.kind = lineKind ?? kindOfLine(type, event.room);
    }
    return event;
  }

  private namedKindOf(name: string, room: unknown): DeviceKind | undefined {
    if (DEVICE_KIND_SET.has(name)) return name as DeviceKind;
    const key = typeof room === 'string' ? `${name}\u0000${room}` : name;
    if (this.namedKinds.has(key)) return this.namedKinds.get(key);
    const kind = namedKind(name, room);
    if (this.namedKinds.size < MAX_NAMED_KINDS) this.namedKinds.set(key, kind);
    return kind;
  }

  private countUnknownKind(name: string): void {
    const known = this.stats.unknownKinds;
    const n = known[name];
    if (n !== undefined) known[name] = n + 1;
    else if (Object.keys(known).length < MAX_UNKNOWN_KINDS) known[name] = 1;
  }

  /** `drainable`: false for the routine review's, which the hub raises whatever happens in the home meanwhile. */
  private deliver(decisions: RuleDecision[], drainable = true): void {
    for (const d of decisions) {
      if (d.type === 'raise') {
        this.stats.alerts++;
        this.stats.alertsByKind[d.kind] = (this.stats.alertsByKind[d.kind] ?? 0) + 1;
        this.features?.addAlert(d.homeId, d.kind, d.at);
        const alert: ReplayAlert = this.toAlert(d);
        if (this.draining && drainable) {
          this.stats.drainedAlerts++;
          alert.drained = true;
        }
        this.options.onAlert?.(alert);
      } else if (d.type === 'prealert' || d.type === 'prealert-cancel') {
        this.options.onPrealert?.({
          prealert: d.type === 'prealert' ? 'raised' : 'cancelled',
          homeId: d.homeId,
          kind: d.kind,
          at: new Date(d.at).toISOString(),
          ...(d.type === 'prealert' ? { raiseAt: new Date(d.raiseAt).toISOString() } : {}),
        });
      }
    }
  }

  private toAlert(d: Extract<RuleDecision, { type: 'raise' }>): Alert {
    // Learned thresholds give deadlines in fractions of a millisecond; ids and times are whole milliseconds.
    const atMs = Math.round(d.at);
    const base = `replay-${d.homeId}-${d.kind}-${atMs}`;
    const n = (this.alertIds.get(base) ?? 0) + 1;
    this.alertIds.set(base, n);
    const raisedAt = new Date(atMs).toISOString();
    return {
      id: n === 1 ? base : `${base}-${n}`,
      homeId: d.homeId,
      residentId: d.residentId ?? null,
      kind: d.kind,
      severity: d.severity,
      state: 'raised',
      raisedAt,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      outcome: null,
      note: null,
      escalationLevel: 0,
      room: d.room ?? null,
      detail: d.detail,
      count: 1,
      lastSeenAt: raisedAt,
      version: 1,
    };
  }
}

/** Replay an in-memory list of lines (the evaluation and tests; the lines are not changed); returns alerts and figures. */
export function replayEvents(
  lines: Iterable<unknown>,
  options: Omit<ReplayOptions, 'onAlert'> = {},
): { alerts: ReplayAlert[]; stats: ReplayStats; features: DailyFeatures[] } {
  const alerts: ReplayAlert[] = [];
  const replayer = new Replayer({ ...options, onAlert: (a) => alerts.push(a) });
  for (const line of lines) replayer.push(line);
  const stats = replayer.finish();
  return { alerts, stats, features: replayer.dailyFeatures() };
}
