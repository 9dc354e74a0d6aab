// The inactivity family on every real home: false alarms (cold start and after) and delay after simulated collapses, by place.
import { Replayer } from '../replay/replay.js';
import { RulesEngine } from '../rules/engine.js';
import { resolveRuleParams, type RuleOverrides } from '../rules/params.js';
import type { HomeConfig, SensorEvent } from '../rules/types.js';
import { INACTIVITY_FAMILY, isBathroom } from '../rules/vocabulary.js';
import { delayFigures, emptyOutcome, stopwatchAlarms, type CollapseOutcome, type DelayFigures } from './collapse.js';
import { loadHomes, repeatRecording, type HomeRecording, type SkippedHome } from './homes-data.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../rules/time.js';

const FAMILY = new Set<string>(INACTIVITY_FAMILY);
/** The commercial reference: a fixed stopwatch on any sensor. */
const STOPWATCH_MS = 12 * HOUR_MS;
/** A motion sensor that holds its state reports `off` this long after the last movement it saw (a collapse ends movement). */
const PIR_HOLD_MS = MINUTE_MS;
/**
 * A mat that reports each movement as a press of a second or two (most of its presses under `MAT_PULSE_MS`, of at
 * least `MAT_PULSE_MIN_HOLDS`: the rules' own test, `presence.matPulseSeconds`) releases its last press this long
 * after the cut: the movement ends, the resident lies still on it.
 */
const MAT_RELEASE_MS = 2_000;
const MAT_PULSE_MS = MINUTE_MS;
const MAT_PULSE_MIN_HOLDS = 10;

/** Homes the rules' numbers were tuned on; every other home is held out (eval/README.md). */
export const TUNING_HOMES: readonly string[] = ['kasteren-a', 'kasteren-b'];

export const PLACES = ['bathroom', 'kitchen', 'chair', 'bed', 'elsewhere'] as const;
export type Place = (typeof PLACES)[number];

export interface HomesOptions {
  /** Cuts per home at most: every n-th candidate moment, n fixed per home (deterministic). */
  maxCutsPerHome: number;
  /** Silence after a collapse (every later event dropped). */
  silenceHours: number;
  /** Days counted as the cold start from the first event. */
  coldStartDays: number;
  /** Overrides applied to every home's rules (experiments). */
  rules: RuleOverrides;
  /** Only these home ids (all present by default). */
  only?: readonly string[];
  /** Each recording played this many times on end (`repeatRecording`: a long deployment); 1 or absent: once. */
  repeat?: number;
  /** How long after the last movement a held-state PIR reports `off` (the off sent after a cut). */
  pirHoldMs?: number;
  /**
   * The issue's literal cut: every later event dropped and nothing sent after it (no PIR clearing, no pulsing mat
   * released), as a harness that knows nothing of the sensors would cut. Default false (they are sent).
   */
  plainCut?: boolean;
  onProgress?: (message: string) => void;
  /**
   * A folder under the data folder that is not evaluated, and why (not a home, unreadable, nothing readable in it, a
   * wrong `timezone.txt`): told here and the other homes evaluated. Absent: such a folder stops the evaluation.
   */
  onSkip?: (skipped: SkippedHome) => void;
  /** Each collapse as measured (diagnosis: which cuts are slow, and why). */
  onCut?: (cut: CutReport) => void;
}

/** One simulated collapse: where and when, the event it followed, and the first alert (undefined: missed). */
export interface CutReport {
  at: number;
  place: Place;
  deviceId: string | undefined;
  delayMinutes: number | undefined;
  firstKind: string | undefined;
  /** The thresholds armed just after the cut (rule timer name to minutes and source), before the silence runs. */
  armed: Record<string, { minutes: number; source: string }>;
}

export const DEFAULT_HOMES_OPTIONS: HomesOptions = {
  maxCutsPerHome: 600,
  silenceHours: 24,
  coldStartDays: 14,
  rules: {},
};

export interface AlarmRate {
  count: number;
  days: number;
  per30Days: number;
}

/**
 * What the recording's annotation says of the resident at a moment: asleep (in bed), out of the home, up and at home
 * (annotated, neither), or not known (outside the span the annotation covers).
 */
export type ResidentDoing = 'asleep' | 'out' | 'up' | 'unannotated';

/** What `rec`'s annotation says of the resident at `t`. */
export function residentDoing(rec: HomeRecording, t: number): ResidentDoing {
  if (within(rec.asleep, t)) return 'asleep';
  if (within(rec.out, t)) return 'out';
  const from = rec.annotated?.[0] ?? rec.firstAt;
  const to = rec.annotated?.[1] ?? rec.lastAt;
  return t < from || t > to ? 'unannotated' : 'up';
}

export interface HomeResult {
  id: string;
  title: string;
  heldOut: boolean;
  days: number;
  falseAlarms: {
    coldStart: AlarmRate;
    after: AlarmRate;
    byKind: Record<string, number>;
    /**
     * Every false alarm: its kind, time (UTC) and detail, whether it fell in the cold start, and what the recording's
     * annotation says the resident was doing when its silence began and when it was raised (`ResidentDoing`).
     */
    list: { kind: string; at: string; detail: unknown; coldStart: boolean; resident: [ResidentDoing, ResidentDoing] }[];
  };
  /** Every cut, and the cuts split by where the resident was. */
  delay: { all: DelayFigures; byPlace: Record<Place, DelayFigures>; coldStart: DelayFigures; after: DelayFigures };
  /** Candidate moments and the stride taken through them. */
  sampling: { candidates: number; stride: number };
  /**
   * The collapses missed within the silence: when (UTC) and where, and why (what the rules believed 24 h on: out or
   * not, and the last reports before the cut).
   */
  missed: { at: string; place: Place; why?: string }[];
  stopwatch: { falseAlarms: AlarmRate; medianMinutes: number; missed: number };
}

export interface HomesResults {
  options: Omit<HomesOptions, 'onProgress' | 'onSkip' | 'onCut'>;
  tuningHomes: readonly string[];
  homes: HomeResult[];
  /** What under the data folder was not evaluated, and why (told to `onSkip` as found). */
  skipped?: SkippedHome[];
}

function rate(count: number, days: number): AlarmRate {
  return { count, days, per30Days: days > 0 ? (count / days) * 30 : 0 };
}

/** Time-ordered `timestamps` split at each span of `gaps` (the passes of a repeated recording; one list when none). */
function splitAt(timestamps: readonly number[], gaps: readonly [number, number][]): number[][] {
  const parts: number[][] = [[]];
  let g = 0;
  for (const ts of timestamps) {
    let moved = false;
    while (g < gaps.length && ts > (gaps[g]?.[0] ?? Infinity)) {
      g++;
      moved = true;
    }
    if (moved) parts.push([]);
    parts[parts.length - 1]?.push(ts);
  }
  return parts;
}

function within(intervals: readonly [number, number][], t: number): boolean {
  return intervals.some(([from, to]) => t >= from && t <= to);
}

/** The resident's own doing (a cut candidate): movement seen, a mat or contact changing, an appliance switched on. */
function isOwnDoing(e: { type: string; value: unknown }): boolean {
  if (e.type === 'motion') return e.value === true;
  if (e.type === 'power') return typeof e.value === 'number' && e.value > 0;
  return e.type === 'occupancy' || e.type === 'contact';
}

/** An event as replayed: `origin` is its index in the untouched recording (absent for events a perturbation made up). */
/** `arrivesAt`: when the hub receives it, if after its own time (a bridge's flush, `homes-robustness.ts`). */
export type ReplayedEvent = HomeRecording['events'][number] & { origin?: number; arrivesAt?: number };

/**
 * `e` with `origin` (its index in the untouched recording), built field by field: a spread copy (`{ ...e, origin }`)
 * is a dictionary-mode object of about 370 bytes, this one about 100 (a whole CASAS recording of 1.7 million lines is
 * copied once per perturbation of the robustness table).
 */
export function withOrigin(e: HomeRecording['events'][number], origin: number | undefined): ReplayedEvent {
  const copy: ReplayedEvent = {
    homeId: e.homeId,
    deviceId: e.deviceId,
    ts: e.ts,
    type: e.type,
    value: e.value,
    origin,
  };
  if (e.room !== undefined) copy.room = e.room;
  if (e.kind !== undefined) copy.kind = e.kind;
  return copy;
}

/** What is replayed instead of the untouched recording (a perturbed one, `homes-robustness.ts`); the cuts stay the recording's. */
export interface Replayed {
  events: readonly ReplayedEvent[];
  home: HomeConfig;
  /** How long after the last movement its PIRs report `off`. */
  pirHoldMs?: number;
}

interface Cut {
  /** Index of the cut's event in the untouched recording. */
  index: number;
  at: number;
  place: Place;
}

/** A cut whose own event never arrives (dropped, merged into a held state) is taken at its instant, once later events come. */
const CUT_LATE_MS = 2_000;
/** Devices named to say what came before a missed collapse (their last report each). */
const RECENT_KEPT = 4;

/**
 * The simulated collapses of a recording: every n-th moment just after the resident's own doing, with where
 * they were. Always taken on the untouched recording, so a perturbed replay is cut at the same moments.
 */
function collapseCuts(rec: HomeRecording, o: HomesOptions): { cuts: Cut[]; candidates: number; stride: number } {
  const devices = new Map(rec.home.devices.map((d) => [d.id, d]));
  const silenceMs = o.silenceHours * HOUR_MS;
  // Candidate moments: the last event at its instant, inside, not while out, with the silence still recorded after it,
  // where the annotation says where the resident was.
  const candidates: number[] = [];
  for (const [i, e] of rec.events.entries()) {
    const next = rec.events[i + 1];
    const d = devices.get(e.deviceId);
    if (!d || d.kind === 'exit-door' || !isOwnDoing(e)) continue;
    if ((next && next.ts === e.ts) || e.ts + silenceMs > rec.lastAt || within(rec.out, e.ts)) continue;
    // Outside the annotated span nothing says the resident was home (a sensor firing alone in an empty house).
    if (rec.annotated && !within([rec.annotated], e.ts)) continue;
    candidates.push(i);
  }
  const stride = Math.max(1, Math.ceil(candidates.length / o.maxCutsPerHome));
  const cutIndexes = new Set(candidates.filter((_, k) => k % stride === 0));
  // Rooms of the mats pressed now: a mat says where the resident is only when they were just seen in its room
  // (Kasteren B and C have mats stuck on for days while the resident is about the house).
  const matOn = { bed: new Set<string>(), chair: new Set<string>() };
  const onIn = (kind: 'bed' | 'chair', room: string | undefined): boolean =>
    [...matOn[kind]].some((id) => devices.get(id)?.room === room);
  const cuts: Cut[] = [];
  for (const [i, line] of rec.events.entries()) {
    const d = devices.get(line.deviceId);
    if (d && line.type === 'occupancy' && (d.kind === 'bed' || d.kind === 'chair')) {
      if (line.value === true) matOn[d.kind].add(d.id);
      else matOn[d.kind].delete(d.id);
    }
    if (!cutIndexes.has(i)) continue;
    const at = line.ts;
    const place: Place =
      onIn('bed', d?.room) || within(rec.asleep, at)
        ? 'bed'
        : onIn('chair', d?.room)
          ? 'chair'
          : isBathroom(d?.room)
            ? 'bathroom'
            : d?.room === 'kitchen'
              ? 'kitchen'
              : 'elsewhere';
    cuts.push({ index: i, at, place });
  }
  return { cuts, candidates: candidates.length, stride };
}

/**
 * One home: false alarms on the whole replay, and the delay after each simulated collapse. `replayed` (a
 * perturbed recording) is replayed instead of `rec`, cut at the moments of `rec`.
 */
export function evaluateHome(rec: HomeRecording, o: HomesOptions, replayed?: Replayed): HomeResult {
  const home: HomeConfig = { ...(replayed?.home ?? rec.home), rules: { ...rec.home.rules, ...o.rules } };
  const devices = new Map(home.devices.map((d) => [d.id, d]));
  // The untouched recording is replayed as it is: an event's `origin` is then its own index (a copy of each event with
  // its index cost 360 bytes an event: 620 MB of heap for a CASAS recording of 1.7 million lines).
  const events: readonly ReplayedEvent[] = replayed?.events ?? rec.events;
  const untouched = replayed === undefined;
  const pirHoldMs = replayed?.pirHoldMs ?? o.pirHoldMs ?? PIR_HOLD_MS;
  const stuckPirMs = resolveRuleParams(home.rules).presence.heldMaxMinutes * MINUTE_MS;
  const silenceMs = o.silenceHours * HOUR_MS;
  const coldEnd = rec.firstAt + o.coldStartDays * DAY_MS;
  const { cuts, candidates, stride } = collapseCuts(rec, o);

  const alerts: { kind: string; at: number; detail: unknown }[] = [];
  const replayer = new Replayer({
    homes: [home],
    drainHours: 0,
    // The hub was started when the recording begins (its first report, sensors failed or not): a home that reports
    // nothing from then is a silence from then, as live.
    startedAt: Math.min(rec.firstAt, events[0]?.ts ?? Infinity),
    onAlert: (a) => {
      const at = Date.parse(a.raisedAt);
      // Between two passes of a repeated recording nothing was recorded: the silence there is the harness's own.
      if (FAMILY.has(a.kind) && !within(rec.unrecorded ?? [], at)) alerts.push({ kind: a.kind, at, detail: a.detail });
    },
  });
  const byPlace = new Map<Place, CollapseOutcome>(PLACES.map((p) => [p, emptyOutcome()]));
  const all = emptyOutcome();
  const cold = emptyOutcome();
  const after = emptyOutcome();
  /** PIRs holding `on` now, with the time they went on. */
  const held = new Map<string, number>();
  // PIRs seen to report `off` hold their state; a motion-only PIR (never an `off`) has nothing to clear after a cut.
  const reportsOff = new Set<string>();
  /** Mats pressed now (since when), and their presses so far: how many, how many short (a mat that pulses). */
  const matOnSince = new Map<string, number>();
  const matPresses = new Map<string, { all: number; brief: number }>();
  const missed: HomeResult['missed'] = [];
  /**
   * The last report replayed of each device, the most recent last, to say what came before a missed collapse: the last
   * `RECENT_KEPT` devices heard (a PIR's flurry of on and off would fill a list of the last reports alone).
   */
  const lastByDevice = new Map<string, ReplayedEvent>();
  const missedWhy = (copy: RulesEngine, homeId: string, at: number, cutDeviceId: string | undefined): string => {
    const snap = (copy.exportState() as { homes: Record<string, { out?: boolean }> }).homes[homeId];
    const before = [...lastByDevice.values()]
      .filter((e) => e.ts <= at + CUT_LATE_MS)
      .slice(-RECENT_KEPT)
      .map((e) => `${e.deviceId}=${String(e.value)} ${Math.round((e.ts - at) / MINUTE_MS)}m`)
      .join(', ');
    // The cut follows the resident's own doing in the untouched recording: by a device this layout may not have.
    const cutBy =
      cutDeviceId === undefined
        ? ''
        : `; cut after ${cutDeviceId}${devices.has(cutDeviceId) ? '' : ' (not in this layout)'}`;
    return `${snap?.out === true ? 'out' : 'in'} at the end; last devices heard: ${before}${cutBy}`;
  };
  let done = 0;
  const collapse = (cut: Cut): void => {
    const at = cut.at;
    const copy = RulesEngine.fromState([home], replayer.engine.exportState());
    // A PIR still showing motion clears within its hold time once the resident lies still.
    const decisions = [];
    // A mat that pulses is released within seconds of the last movement, like a PIR clearing (before any PIR); only
    // in the room of the cut: a mat pressed elsewhere is not the resident's last movement (stale, or someone else).
    const cutRoom = devices.get(rec.events[cut.index]?.deviceId ?? '')?.room;
    for (const [id] of o.plainCut ? [] : matOnSince) {
      const dev = devices.get(id);
      const presses = matPresses.get(id);
      if (!dev || dev.room !== cutRoom || !presses) continue;
      if (presses.all < MAT_PULSE_MIN_HOLDS || 2 * presses.brief <= presses.all) continue;
      decisions.push(
        ...copy.handle({
          homeId: home.id,
          deviceId: id,
          type: 'occupancy',
          value: false,
          ts: at + MAT_RELEASE_MS,
          source: 'replay',
          room: dev.room,
          kind: dev.kind,
          assigned: true,
        }),
      );
    }
    // In the order they went on: the one triggered last saw the last movement, so it clears last. A PIR held on
    // longer than `presence.heldMaxMinutes` is stuck (Kasteren B's bathroom PIR: held 4 h to 9 days), as the rules
    // take it: a collapse elsewhere does not clear it, so no `off` is sent for it.
    for (const [id, since] of o.plainCut ? [] : [...held].sort((a, b) => a[1] - b[1])) {
      const dev = devices.get(id);
      if (!dev || !reportsOff.has(id) || at - since > stuckPirMs) continue;
      const off: SensorEvent = {
        homeId: home.id,
        deviceId: id,
        type: 'motion',
        value: false,
        ts: at + pirHoldMs,
        source: 'replay',
        room: dev.room,
        kind: dev.kind,
        assigned: true,
      };
      decisions.push(...copy.handle(off));
    }
    const armed: CutReport['armed'] = {};
    if (o.onCut) {
      const state = copy.exportState() as {
        homes: Record<
          string,
          { armed?: Record<string, { ms: number; source: string }>; timers: Record<string, number> }
        >;
      };
      const snap = state.homes[home.id];
      for (const [name, t] of Object.entries(snap?.armed ?? {}))
        if (snap?.timers[name] !== undefined) armed[name] = { minutes: Math.round(t.ms / MINUTE_MS), source: t.source };
    }
    decisions.push(...copy.advanceTo(at + silenceMs));
    // A cut whose own event was lost (a perturbed replay) may fall in a silence already being called about: delay 0.
    const first = decisions.find((x) => x.type === 'raise' && FAMILY.has(x.kind) && x.at > Math.min(at, lastPushedAt));
    o.onCut?.({
      at,
      place: cut.place,
      deviceId: rec.events[cut.index]?.deviceId,
      delayMinutes: first ? Math.round(Math.max(0, first.at - at) / MINUTE_MS) : undefined,
      firstKind: first?.kind,
      armed,
    });
    const placed = byPlace.get(cut.place) ?? emptyOutcome();
    if (!first) {
      const why = missedWhy(copy, home.id, at, rec.events[cut.index]?.deviceId);
      missed.push({ at: new Date(at).toISOString(), place: cut.place, why });
    }
    for (const outcome of [all, placed, at < coldEnd ? cold : after]) {
      if (!first || first.type !== 'raise') {
        outcome.missed++;
        continue;
      }
      outcome.delaysMs.push(Math.max(0, first.at - at));
      outcome.firstKind[first.kind] = (outcome.firstKind[first.kind] ?? 0) + 1;
    }
    if (++done % 50 === 0) o.onProgress?.(`${rec.title}: ${done}/${cuts.length} collapses`);
  };
  let next = 0;
  let lastPushedAt = -Infinity;
  // Spans nothing was recorded in (between two passes of a repeated recording): the hub heard nothing, as a hub that
  // was down, and is told so at the first event after each (`RulesEngine.unheardUntil`, as `RulesRunner.start`).
  const unheard = [...(rec.unrecorded ?? [])].sort((a, b) => a[1] - b[1]);
  let nextUnheard = 0;
  for (const [index, line] of events.entries()) {
    for (let cut = cuts[next]; cut && cut.at + CUT_LATE_MS < line.ts; cut = cuts[++next]) collapse(cut);
    for (let span = unheard[nextUnheard]; span && span[1] <= line.ts; span = unheard[++nextUnheard])
      replayer.engine.unheardUntil(span[1]);
    const d = devices.get(line.deviceId);
    if (d && line.type === 'motion') {
      if (line.value !== true) held.delete(d.id);
      else if (!held.has(d.id)) held.set(d.id, line.ts);
      if (line.value === false) reportsOff.add(d.id);
    }
    if (d && line.type === 'occupancy' && (d.kind === 'bed' || d.kind === 'chair')) {
      const since = matOnSince.get(d.id);
      if (line.value === true) {
        if (since === undefined) matOnSince.set(d.id, line.ts);
      } else if (since !== undefined) {
        matOnSince.delete(d.id);
        const presses = matPresses.get(d.id) ?? { all: 0, brief: 0 };
        presses.all++;
        if (line.ts - since < MAT_PULSE_MS) presses.brief++;
        matPresses.set(d.id, presses);
      }
    }
    const { origin: given, arrivesAt, ...event } = line;
    const origin = untouched ? index : given;
    lastByDevice.delete(line.deviceId);
    lastByDevice.set(line.deviceId, line);
    replayer.push(event, arrivesAt);
    lastPushedAt = Math.max(lastPushedAt, line.ts);
    const cut = cuts[next];
    if (cut && origin === cut.index) {
      collapse(cut);
      next++;
    }
  }
  replayer.finish();

  const unrecordedMs = (rec.unrecorded ?? []).reduce((sum, [from, to]) => sum + Math.max(0, to - from), 0);
  const days = (rec.lastAt - rec.firstAt - unrecordedMs) / DAY_MS;
  const coldDays = Math.min(days, o.coldStartDays);
  const byKind: Record<string, number> = {};
  for (const a of alerts) byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
  const coldCount = alerts.filter((a) => a.at < coldEnd).length;
  // A gap between two passes of a repeated recording is no silence of the resident's: each pass is timed on its own.
  const passes = splitAt(
    events.map((e) => e.ts),
    rec.unrecorded ?? [],
  );
  const stopwatch = passes.reduce((sum, pass) => sum + stopwatchAlarms(pass, STOPWATCH_MS), 0);
  return {
    id: rec.id,
    title: rec.title,
    heldOut: !TUNING_HOMES.includes(rec.id),
    days,
    falseAlarms: {
      coldStart: rate(coldCount, coldDays),
      after: rate(alerts.length - coldCount, days - coldDays),
      byKind,
      list: alerts.map((a) => {
        const lastAt = (a.detail as { lastActivityAt?: unknown } | null)?.lastActivityAt;
        const began = typeof lastAt === 'string' ? Date.parse(lastAt) : NaN;
        return {
          kind: a.kind,
          at: new Date(a.at).toISOString(),
          detail: a.detail,
          coldStart: a.at < coldEnd,
          resident: [Number.isFinite(began) ? residentDoing(rec, began) : 'unannotated', residentDoing(rec, a.at)],
        };
      }),
    },
    delay: {
      all: delayFigures(all),
      byPlace: Object.fromEntries(PLACES.map((p) => [p, delayFigures(byPlace.get(p)!)])) as Record<Place, DelayFigures>,
      coldStart: delayFigures(cold),
      after: delayFigures(after),
    },
    sampling: { candidates, stride },
    missed,
    stopwatch: { falseAlarms: rate(stopwatch, days), medianMinutes: STOPWATCH_MS / MINUTE_MS, missed: 0 },
  };
}

/** Evaluate every home present under `dataDir` (Kasteren A, B, C, CASAS); homes absent are left out. */
export function evaluateHomes(dataDir: string, options: Partial<HomesOptions> = {}): HomesResults {
  const o: HomesOptions = { ...DEFAULT_HOMES_OPTIONS, ...options };
  const results: HomeResult[] = [];
  const skipped: SkippedHome[] = [];
  const onSkip = o.onSkip
    ? (s: SkippedHome): void => {
        skipped.push(s);
        o.onSkip?.(s);
      }
    : undefined;
  for (const rec of loadHomes(dataDir, o.only, onSkip)) {
    o.onProgress?.(`${rec.title}: ${rec.events.length} events`);
    results.push(evaluateHome(repeatRecording(rec, o.repeat ?? 1), o));
  }
  const { onProgress: _progress, onSkip: _skip, onCut: _cut, ...plain } = o;
  return { options: plain, tuningHomes: TUNING_HOMES, homes: results, ...(onSkip ? { skipped } : {}) };
}

const dash = (v: number | null): string => (v === null ? '-' : String(v));

/** One table: per home, false alarms per 30 days (cold start, after) and delays by place, with the 12-hour stopwatch as reference. */
export function formatHomesTable(r: HomesResults): string {
  const head = [
    'home',
    'set',
    'days',
    'FA/30d cold',
    'FA/30d after',
    'collapse at',
    'cuts',
    'median min',
    'p90 min',
    'missed',
    'first alert',
  ];
  const rows: string[][] = [];
  for (const h of r.homes) {
    const set = h.heldOut ? 'held out' : 'tuning';
    const fa = (a: AlarmRate): string => `${a.per30Days.toFixed(1)} (${a.count})`;
    const delayRow = (where: string, d: DelayFigures): string[] => [
      where,
      String(d.cuts),
      dash(d.medianMinutes),
      dash(d.p90Minutes),
      String(d.missed),
      Object.entries(d.firstKind)
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    ];
    rows.push([
      h.title,
      set,
      h.days.toFixed(1),
      fa(h.falseAlarms.coldStart),
      fa(h.falseAlarms.after),
      ...delayRow('anywhere', h.delay.all),
    ]);
    for (const p of PLACES)
      if (h.delay.byPlace[p].cuts > 0) rows.push(['', '', '', '', '', ...delayRow(`  ${p}`, h.delay.byPlace[p])]);
    rows.push(['', '', '', '', '', ...delayRow('  cold start', h.delay.coldStart)]);
    rows.push(['', '', '', '', '', ...delayRow('  after', h.delay.after)]);
    const sw = h.stopwatch.falseAlarms;
    rows.push([
      '  12 h stopwatch',
      '',
      '',
      `${sw.per30Days.toFixed(1)} (${sw.count}) whole`,
      '',
      'anywhere',
      'all',
      String(h.stopwatch.medianMinutes),
      String(h.stopwatch.medianMinutes),
      '0',
      '',
    ]);
  }
  const widths = head.map((t, c) => Math.max(t.length, ...rows.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  return (
    [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') +
    `\nTuned on: ${r.tuningHomes.join(', ')}; every other home is held out. Cuts: at most ${r.options.maxCutsPerHome} per home ` +
    `(every n-th moment after the resident's own doing), ${r.options.silenceHours} h of silence after each.\n` +
    'Goals (every home): <= 1 false alarm per 30 days, cold start included; median <= 60 min, p90 <= 240 min, none missed.\n'
  );
}

/** Every false alarm of every home, one line each: what a reader needs to judge its cause (`--details`). */
export function formatFalseAlarms(r: HomesResults): string {
  const lines: string[] = [];
  for (const h of r.homes) {
    lines.push(`${h.title} (${h.heldOut ? 'held out' : 'tuning'}): ${h.falseAlarms.list.length} false alarm(s)`);
    for (const m of h.missed)
      lines.push(
        `  ${m.at.slice(0, 16)}Z  collapse missed within the silence (${m.place})${m.why ? `: ${m.why}` : ''}`,
      );
    for (const a of h.falseAlarms.list) {
      const d = (a.detail ?? {}) as Record<string, unknown>;
      const cell = (k: string): string => {
        const v = d[k];
        return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : v == null
            ? '-'
            : JSON.stringify(v);
      };
      lines.push(
        `  ${a.at.slice(0, 16)}Z  ${a.kind.padEnd(19)}  silence ${cell('silenceMinutes')} min, threshold ${cell('thresholdMinutes')} min ` +
          `(${cell('thresholdSource')}), last ${cell('lastRoom')} / ${cell('lastDeviceId')} (${cell('lastDeviceKind')}), mat ${cell('matOccupied')}, ` +
          `${a.coldStart ? 'cold start' : 'after'}, resident ${a.resident[0]} -> ${a.resident[1]}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
