// The council prevention report (SPEC 7): aggregated counts only, each with small-number suppression; no row per person.
import type { Database } from 'better-sqlite3';
import type { Alert } from '../hub/alerts/api.js';
import { neededAnswer, queryAlerts, routineChangesSeenSince } from '../hub/alerts/query.js';
import type { HubConfig } from '../hub/config-types.js';
import { ALERT_KINDS, kindsRaisedAt, OUTCOMES, type AlertKind, type Outcome } from '../rules/vocabulary.js';
import { featureDayStart, homeCalendar, HUB_OFF_MIN_MS, parseDateRange } from './activity.js';
import { median, WATCHED_FEATURES } from './baseline.js';
import {
  lowestOf,
  partCap,
  partOf,
  possibleTotals,
  secondBreakdown,
  shareOfShown,
  suppressCount,
  totalOfParts,
  totalOfShown,
  withheldCells,
  type BoundCell,
  type PublishedCount,
  type WholeBounds,
} from './disclosure.js';
import { homeHasEvents, homesWithAssignedEvents } from '../hub/event-reads.js';
import { dayToIsoDate, isoDateToDay, ZoneClock } from '../rules/local-time.js';
import type { HomeConfig } from '../rules/types.js';
import { awayDatesBetween, hubOffSpans, recordEnd, recordStart } from './store.js';
import { DAY_MS } from '../rules/time.js';

/** What followed a routine-change flag is looked for this many days after it. */
export const FOLLOW_UP_DAYS = 14;
/** Outcomes where someone had to do something for the resident. */
const INTERVENTIONS: readonly Outcome[] = ['assisted-at-home', 'carer-visit', 'ambulance', 'hospital-admission'];
export const FALL_KINDS: readonly AlertKind[] = ['fall', 'possible-fall'];
/** Time to acknowledge is measured on the calls that need an answer at once (TSA targets are for alarm calls). */
const ACK_SEVERITIES = ['critical', 'high'] as const;
/**
 * The kinds the hub raises as `critical` or `high`: the only ones `acknowledgement` can count, so its counts are parts
 * of theirs (and of the alerts of kinds this version does not know), which an analyst who reads the rules knows.
 * Derived from `RAISED_SEVERITIES` (rules/vocabulary.ts), which each rule's raise is checked against when it compiles
 * (review, session 72, round 3: a list by hand, which a rule raising another kind as high would have left behind, its
 * urgent alerts then capped against too small a whole and shown low).
 */
export const URGENT_KINDS: readonly AlertKind[] = kindsRaisedAt(ACK_SEVERITIES);

export interface PreventionReportInput {
  db: Database;
  config: HubConfig;
  /** Local dates YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  now?: number;
  /**
   * Only what the hub knew before this instant: alerts raised, acknowledged and closed before it (an analyst's report
   * stops at the start of the month under way, so that asking again each day of it tells nothing of its days).
   */
  knownBy?: number;
  /**
   * A month in which 1 to 7 homes were monitored publishes no count about people (review, session 76:
   * `withheldReport`). By default an analyst's report does (one given `knownBy`); an admin's and `telecare report` do not.
   */
  withholdFewHomes?: boolean;
}

type Counts<K extends string> = Record<K, PublishedCount>;
/**
 * A breakdown by outcome of items the report breaks down already (by kind, as falls and possible falls, by habit): null
 * when withheld (`secondBreakdown`, review, session 72), and in each week of the centre's report (the whole period's
 * only).
 */
export type OutcomeCounts<K extends string> = Counts<K> | null;

export interface PreventionReport {
  report: 'prevention';
  period: { from: string; to: string; timezone: string };
  generatedAt: string;
  disclosure: string;
  /**
   * The figures read only what the hub knew before this instant (review, session 76), when held back: an analyst's
   * report, at the start of the month under way or, once it has passed, the end of the 14 days of follow-up after the
   * period (alerts raised, answered and closed later are left out, or count as they stood then). Null for anyone
   * else's: the hub's record as it is when asked.
   */
  knownBy: string | null;
  /**
   * `knownBy` is the end of the follow-up: the figures will not change however late the report is asked again. False
   * for an analyst's report asked sooner (provisional: follow-ups and outcomes still to come) and for anyone else's.
   */
  final: boolean;
  homesMonitored: PublishedCount;
  residentsMonitored: PublishedCount;
  /**
   * Days of the period (local dates) on which the hub was off for `HUB_OFF_MIN_MS` or more (`hub_runs`): nothing was
   * heard then, and the figures of those days are partial (no data is not no events). Days, not people: not rounded.
   */
  hubOffDays: number;
  /**
   * Where this database's record ends, when that is before the period's end and the hub's last run ended without a
   * stop noted (review, session 65): a copy taken while the hub ran, or a hub that lost its power and has not started
   * since. Nothing after it is known, so its days are not counted in `hubOffDays` either. Null when the record covers
   * the period (or the hub was stopped: those days are in `hubOffDays`).
   */
  recordEndsAt: string | null;
  /**
   * Where this database's record begins, when that is after the period's start (review, session 65): a hub installed
   * during the period, or a report asked for days before it ran (every count of those days is 0 because nothing was
   * heard, not because nothing happened). Null when the record covers the period's start.
   */
  recordStartsAt: string | null;
  alerts: { total: PublishedCount; byKind: Counts<AlertKind> };
  acknowledgement: {
    severities: string[];
    alerts: PublishedCount;
    within60s: PublishedCount;
    within180s: PublishedCount;
    shareWithin60s: number | '*' | null;
    shareWithin180s: number | '*' | null;
    medianSeconds: number | '*' | null;
  };
  outcomes: OutcomeCounts<Outcome | 'open' | 'cancelled'>;
  falls: {
    total: PublishedCount;
    fall: PublishedCount;
    possibleFall: PublishedCount;
    /** With `open` and `cancelled` (withdrawn by the hub), so that they add up to `total`. */
    outcomes: OutcomeCounts<Outcome | 'open' | 'cancelled'>;
  };
  routineChanges: {
    flags: PublishedCount;
    byFeature: Record<string, PublishedCount>;
    followUpDays: number;
    followedByAlert: PublishedCount;
    /** Flags followed in the follow-up days by a fall that stood (`fallStood`). */
    followedByFall: PublishedCount;
    /** Flags after which the flag itself or an alert in the follow-up days was resolved with an intervention. */
    followedByIntervention: PublishedCount;
    outcomes: OutcomeCounts<Outcome>;
  };
  /**
   * Residents with at least one alert, fall or routine-change flag. Counts, never one row per resident: rows would
   * give away the exact number of residents that `residentsMonitored` suppresses or rounds.
   */
  residentsWith: { alerts: PublishedCount; falls: PublishedCount; routineChanges: PublishedCount };
  /**
   * An analyst's run of months holding months of 1 to 7 homes (review, session 77): those months (YYYY-MM), whose counts
   * are in no figure of the run (each counted as 0, so each sum could be up to 7 higher per such month), and for which
   * the run's own figures about people (residents with, the median) are `*`. The run said neither which month nor
   * why. Absent when no month of the period is withheld (and from every report that withholds none).
   */
  withheldMonths?: string[];
}

/** Report dates are local dates of the homes' timezone when they share one, else UTC. */
export function reportTimezone(config: HubConfig): string {
  const [zone, ...otherZones] = new Set(config.homes.map((h) => h.timezone));
  return zone !== undefined && otherZones.length === 0 ? zone : 'UTC';
}

/**
 * The council report of `input.from..to` (local dates, inclusive). A period of more than one calendar month is its
 * months' reports added up as published (`addedUpFigures`), the first and last month clipped to the period (review,
 * session 72): each period rounded on its own, an analyst's reports of overlapping runs of months (January to February
 * and January; January to March and February to March) told a month's `*` and rounded counts by difference. A month's
 * figures are now the same in every report that holds it, so a run of months tells nothing its months' reports do not.
 * What does not add up over months is the run's own: homes and residents monitored, residents with an alert, a fall or
 * a flag (each shown no higher than the months' cells allow, `partOf`), the median time to acknowledge, the days the
 * hub was off and where the record begins or ends.
 */
export function preventionReport(input: PreventionReportInput): PreventionReport {
  const report = reportOf(input);
  // Said in an analyst's report, whose months of 1 to 7 homes are withheld (session 76).
  return withholdsFewHomes(input) ? { ...report, disclosure: `${report.disclosure} ${FEW_HOMES_DISCLOSURE}` } : report;
}

/** Whether `input`'s report withholds its months of 1 to 7 homes: an analyst's (given `knownBy`) unless told. */
function withholdsFewHomes(input: PreventionReportInput): boolean {
  return input.withholdFewHomes ?? input.knownBy !== undefined;
}

/**
 * What an analyst's report says of periods of few homes (review, session 76), the hub's months and the centre's weeks.
 */
export const FEW_HOMES_DISCLOSURE =
  'A period (a month; in the centre\u2019s report, a week) in which 1 to 7 homes were monitored publishes no count ' +
  'about people: every count of it, 0 included, and its shares and median are * (with one home, a count of * would ' +
  'be that resident\u2019s), so that nobody can be recognised; in sums over periods such a period counts as 0, and a ' +
  'period of several holding one gives * for what is not a sum of its parts (residents with an alert, a fall or a ' +
  'flag, the median).';

function reportOf(input: PreventionReportInput): PreventionReport {
  const range = parseDateRange(input.from, input.to);
  const months = monthsOf(range.from, range.to);
  // An analyst's report (the one given `knownBy`, session 76) publishes no count about people of a month in which 1 to
  // 7 homes were monitored (`withheldReport`); an admin's and `telecare report` keep theirs.
  const fewHomes = withholdsFewHomes(input);
  if (months.length <= 1) {
    const one = onePeriod(input).report;
    return fewHomes && one.homesMonitored === '*' ? withheldReport(one) : one;
  }
  const parts = months
    .map(([from, to]) => onePeriod({ ...input, from: dayToIsoDate(from), to: dayToIsoDate(to) }))
    .map((p) =>
      fewHomes && p.report.homesMonitored === '*'
        ? {
            report: withheldReport(p.report),
            cells: {
              alerts: withheldCells(p.cells.alerts),
              slack: p.cells.slack,
              falls: withheldCells(p.cells.falls),
              flags: withheldCells(p.cells.flags),
            },
          }
        : p,
    );
  const against: PeriodCells = {
    alerts: parts.flatMap((p) => p.cells.alerts),
    slack: parts.reduce((n, p) => n + p.cells.slack, 0),
    falls: parts.flatMap((p) => p.cells.falls),
    flags: parts.flatMap((p) => p.cells.flags),
  };
  const period = onePeriod(input, against).report;
  const reports = parts.map((p) => p.report);
  const run: PreventionReport = { ...period, ...addedUpFigures(reports, reports, period) };
  if (!fewHomes) return run;
  if (run.homesMonitored === '*') return withheldReport(run);
  // The run's own figures about people (residents with an alert, a fall, a flag; the median time to acknowledge) count
  // a withheld month's too, and read against the other months' figures they told whether it had any (months of 0 falls
  // shown, and residents with a fall `*`: the withheld month's one home had a fall). Withheld with it (session 76).
  const withheldMonths = reports.filter((r) => r.homesMonitored === '*').map((r) => r.period.from.slice(0, 7));
  return withheldMonths.length > 0 ? { ...run, ...runOwnWithheld(run), withheldMonths } : run;
}

/** `*` for every key of `keys`. */
function starredKeys<K extends string>(keys: readonly K[]): Record<K, PublishedCount> {
  return Object.fromEntries(keys.map((k) => [k, '*'])) as Record<K, PublishedCount>;
}

/** `*` for every key of `counts`. */
function starred<K extends string>(counts: Record<K, PublishedCount>): Record<K, PublishedCount> {
  return starredKeys(Object.keys(counts) as K[]);
}

/**
 * A period's figures with every count `*`, 0 included (review, session 76): an analyst's period (the hub's month, the
 * centre's week) in which 1 to 7 homes were monitored. Suppression hid a count of 1 to 7, not whether it was 0: with
 * one home monitored, "falls `*`" was that resident's fall, and the council knows whom it installed. Shares and the
 * median `*` too (a share's null said its alerts were 0). `outcomes`: the breakdowns of the hub's month, published as
 * `*` in every outcome (withheld or not: which was withheld said how many outcomes were nonzero); the centre's weeks
 * publish none (null) and keep null.
 */
export function withheldFigures(f: AlertFigures, outcomes: 'starred' | 'none'): AlertFigures {
  const alertOutcomeKeys = [...OUTCOMES, 'open', 'cancelled'] as const;
  return {
    alerts: { total: '*', byKind: starred(f.alerts.byKind) },
    acknowledgement: {
      severities: f.acknowledgement.severities,
      alerts: '*',
      within60s: '*',
      within180s: '*',
      shareWithin60s: '*',
      shareWithin180s: '*',
      medianSeconds: '*',
    },
    outcomes: outcomes === 'starred' ? starredKeys(alertOutcomeKeys) : null,
    falls: {
      total: '*',
      fall: '*',
      possibleFall: '*',
      outcomes: outcomes === 'starred' ? starredKeys(alertOutcomeKeys) : null,
    },
    routineChanges: {
      flags: '*',
      byFeature: starred(f.routineChanges.byFeature),
      followUpDays: f.routineChanges.followUpDays,
      followedByAlert: '*',
      followedByFall: '*',
      followedByIntervention: '*',
      outcomes: outcomes === 'starred' ? starredKeys(OUTCOMES) : null,
    },
  };
}

/**
 * The hub's report of a month (or run) in which 1 to 7 homes were monitored, for an analyst (session 76): every count
 * about people `*` (`withheldFigures`, residents monitored and with). Days the hub was off and where the record begins
 * or ends are about the hub, and kept.
 */
export function withheldReport(report: PreventionReport): PreventionReport {
  return {
    ...report,
    residentsMonitored: '*',
    ...withheldFigures(report, 'starred'),
    residentsWith: { alerts: '*', falls: '*', routineChanges: '*' },
  };
}

/** A run's own figures about people, `*` when a month of it is withheld (session 76). */
function runOwnWithheld(run: PreventionReport): Pick<PreventionReport, 'acknowledgement' | 'residentsWith'> {
  return {
    acknowledgement: { ...run.acknowledgement, medianSeconds: '*' },
    residentsWith: { alerts: '*', falls: '*', routineChanges: '*' },
  };
}

/**
 * The calendar months of days `from..to` (day numbers of local dates), the first and last clipped to them: [first, last]
 * day numbers of each.
 */
export function monthsOf(from: number, to: number): [number, number][] {
  const months: [number, number][] = [];
  for (let first = from; first <= to;) {
    const date = new Date(first * DAY_MS);
    const next = Math.round(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / DAY_MS);
    months.push([first, Math.min(next - 1, to)]);
    first = next;
  }
  return months;
}

/** The cells a period publishes its alerts (and `slack`, `publishedKinds`), falls and flags in. */
interface PeriodCells {
  alerts: BoundCell[];
  slack: number;
  falls: BoundCell[];
  flags: BoundCell[];
}

/**
 * The report of one period rounded on its own, and the cells it publishes its alerts, falls and flags in. `against`:
 * the cells residents with an alert, a fall or a flag are shown no higher than (`partOf`), when not its own: a run of
 * months' (every month's cells, which is what it publishes).
 */
function onePeriod(
  input: PreventionReportInput,
  against?: PeriodCells,
): { report: PreventionReport; cells: PeriodCells } {
  const { db, config } = input;
  const range = parseDateRange(input.from, input.to);
  const timezone = reportTimezone(config);
  const zone = new ZoneClock(timezone);
  const fromMs = zone.instantOf(range.from, 0);
  const toMs = zone.instantOf(range.to + 1, 0);

  // An analyst's report knows nothing after the end of the period's follow-up either (review, session 76): an ended
  // month's outcomes read as the alerts stood at the start of the month under way, so an alert of November resolved in
  // January changed November's report between January and February (and told when it was resolved).
  const followUpEnd = toMs + FOLLOW_UP_DAYS * DAY_MS;
  const knownBy = input.knownBy === undefined ? Infinity : Math.min(input.knownBy, followUpEnd);
  const withFollowUp = queryAlerts(db, { from: fromMs, to: Math.min(followUpEnd, knownBy) })
    .reverse()
    .map((a) => asKnownAt(a, knownBy));
  const alerts = withFollowUp.filter((a) => Date.parse(a.raisedAt) < toMs);
  // A routine-change alert raised before the period and still open in it may hold flags made in the period.
  const openBefore = routineChangesSeenSince(db, fromMs).map((a) => asKnownAt(a, knownBy));

  // Homes monitored: configured homes that sent anything in the period, and any home that had an alert; but not in the
  // days a home spent in away mode (review, session 64: a flat empty all month, its resident in hospital, counted as
  // monitored by its thermometer's readings, a resident with no fall and no alert).
  const untilMs = Math.min(toMs, knownBy);
  const spansAtHome = new Map<string, [number, number][]>();
  const atHomeSpans = (homeId: string): [number, number][] => {
    let spans = spansAtHome.get(homeId);
    if (spans === undefined) {
      spans = notAwaySpans(
        db,
        homeId,
        config.homes.find((h) => h.id === homeId),
        fromMs,
        untilMs,
      );
      spansAtHome.set(homeId, spans);
    }
    return spans;
  };
  const heardAtHome = (homeId: string): boolean =>
    atHomeSpans(homeId).some(([from, until]) => homeHasEvents(db, homeId, from, until));
  const homes = new Map<string, string[]>();
  for (const home of config.homes) {
    if (heardAtHome(home.id))
      homes.set(
        home.id,
        home.residents.map((r) => r.id),
      );
  }
  // And a home taken out of the configuration since, whose configured devices sent events in the period (review,
  // session 59): monitored then; its residents are no longer known, so it counts as one, as for its alerts below.
  for (const homeId of homesWithAssignedEvents(db, fromMs, untilMs)) {
    if (!homes.has(homeId) && heardAtHome(homeId)) homes.set(homeId, []);
  }
  /** Homes whose alerts in the period all came in days away (a cold empty flat): no resident of theirs counts. */
  const awayThrough = new Set<string>();
  for (const a of alerts) {
    if (homes.has(a.homeId)) continue;
    const at = Date.parse(a.raisedAt);
    if (atHomeSpans(a.homeId).some(([from, until]) => at >= from && at < until)) {
      homes.set(a.homeId, config.homes.find((h) => h.id === a.homeId)?.residents.map((r) => r.id) ?? []);
      awayThrough.delete(a.homeId);
    } else awayThrough.add(a.homeId);
  }

  const perResident = new Map<string, { alerts: number; falls: number; routineChanges: number }>();
  const residentKey = (homeId: string, residentId: string | null): string => {
    const residents = homes.get(homeId) ?? [];
    // An alert with no resident belongs to the home's only resident, or to the home as one unit when it has several.
    const who = residentId ?? (residents.length === 1 ? residents[0] : '*');
    return `${homeId}\u0000${who}`;
  };
  for (const [homeId, residents] of homes) {
    for (const r of residents.length ? residents : ['*']) {
      perResident.set(residentKey(homeId, r), { alerts: 0, falls: 0, routineChanges: 0 });
    }
  }

  // A fall raised the day before the period and still open may be the fall of a possible fall in it.
  const fallsBefore = queryAlerts(db, { from: fromMs - DAY_MS, to: fromMs }).map((a) => asKnownAt(a, knownBy));
  const falls = fallsOf(alerts, [...fallsBefore, ...alerts]);
  const flags = routineFlags([...openBefore, ...withFollowUp], fromMs, toMs);
  const rowOf = (
    homeId: string,
    residentId: string | null,
  ): { alerts: number; falls: number; routineChanges: number } => {
    const key = residentKey(homeId, residentId);
    if (awayThrough.has(homeId)) return { alerts: 0, falls: 0, routineChanges: 0 };
    const row = perResident.get(key) ?? { alerts: 0, falls: 0, routineChanges: 0 };
    perResident.set(key, row);
    return row;
  };
  for (const a of alerts) {
    const row = rowOf(a.homeId, a.residentId);
    row.alerts++;
    if (fallStood(a)) row.falls++;
  }
  for (const f of flags) rowOf(f.alert.homeId, f.alert.residentId).routineChanges++;

  const ack = acknowledgement(alerts);
  // followUp reads only the flag's home's alerts: given those alone, not every alert of the period per flag (review,
  // session 72: a year of a 200-flat scheme spent nine tenths of its 7 to 10 s there, on the hub's loop; the centre's
  // report has done so since session 68).
  const withFollowUpByHome = alertsByHome(withFollowUp);
  const followUps = flags.map((flag) => followUp(flag, withFollowUpByHome.get(flag.alert.homeId) ?? []));
  // Counts that are parts of what the kinds and habits break down, each shown no higher than they allow (`partOf`,
  // session 72, round 2): residents with an alert (each has one at least), with a fall, with a flag.
  const flagWhole = flagCells(flags);
  const kinds = publishedKinds(alerts, flagWhole);
  const residentsCounted = (key: 'alerts' | 'falls' | 'routineChanges'): number =>
    [...perResident.values()].filter((r) => r[key] > 0).length;
  const cells: PeriodCells = {
    alerts: kindCellsOf(kinds),
    slack: kinds.slack,
    falls: [kinds.byKind.fall, kinds.byKind['possible-fall']],
    flags: flagWhole,
  };
  const whole = against ?? cells;
  const residentsWith = {
    alerts: partOf(residentsCounted('alerts'), whole.alerts, whole.slack),
    falls: partOf(residentsCounted('falls'), whole.falls),
    routineChanges: partOf(residentsCounted('routineChanges'), whole.flags),
  };
  const report: PreventionReport = {
    report: 'prevention',
    period: { from: input.from, to: input.to, timezone },
    generatedAt: new Date(input.now ?? Date.now()).toISOString(),
    disclosure:
      'Counts of 1 to 7 are shown as *, all others rounded to the nearest 5 (0 stays 0); shares are worked out from the published counts (* when either is *); medians over 1 to 7 alerts are shown as *. ' +
      TOTALS_DISCLOSURE +
      ' ' +
      OUTCOMES_DISCLOSURE +
      ' ' +
      MONTHS_DISCLOSURE +
      ' knownBy, when given, is the instant before which the figures were known (an analyst\u2019s report: the start of the month under way, or the end of the 14 days of follow-up after the period); final, the report will not change however late it is asked again.' +
      ' No resident, home or person appears, not even as a pseudonym: every figure is a count over all residents (hubOffDays, days the hub was off, counts days and is not rounded). recordEndsAt, when given, is where this database\u2019s record ends (a copy, or a hub that has not run since): nothing after it is known. recordStartsAt, when given, is where it begins (a hub installed during the period): nothing before it is known.',
    knownBy: Number.isFinite(knownBy) ? new Date(knownBy).toISOString() : null,
    final: knownBy === followUpEnd,
    homesMonitored: suppressCount(homes.size),
    residentsMonitored: suppressCount([...homes.values()].reduce((n, r) => n + Math.max(1, r.length), 0)),
    ...hubOff(db, zone, fromMs, Math.min(untilMs, input.now ?? Date.now())),
    recordStartsAt: recordStartsAfter(db, fromMs),
    alerts: alertTotals(alerts, flagWhole),
    acknowledgement: ack,
    outcomes: alertOutcomes(alerts, kindCellsOf(kinds), alertBounds(kinds, ack, [residentsWith.alerts])),
    falls: fallFigures(falls),
    routineChanges: routineChangeFigures(flags, followUps, undefined, [residentsWith.routineChanges]),
    residentsWith,
  };
  return { report, cells };
}

/** Where the record begins when that is after `fromMs` (the period's first instant), else null. */
function recordStartsAfter(db: Database, fromMs: number): string | null {
  const start = recordStart(db);
  return start !== undefined && start > fromMs ? new Date(start).toISOString() : null;
}

/**
 * How many local dates of `fromMs..untilMs` the hub was off for `HUB_OFF_MIN_MS` or more of: between two of its runs
 * (`hubOffSpans`), and since its last run when that ended before `untilMs` in a graceful stop (a hub stopped, its
 * database read by the CLI). Nothing before its first run noted counts (a hub from before session 61: not known).
 * A last run that ended before `untilMs` with no stop noted is where the record ends (`recordEndsAt`): a copy of the
 * database taken while the hub ran counted every day since the copy as a day the hub was off (review, session 65).
 */
function hubOff(
  db: Database,
  zone: ZoneClock,
  fromMs: number,
  untilMs: number,
): { hubOffDays: number; recordEndsAt: string | null } {
  const spans = hubOffSpans(db, HUB_OFF_MIN_MS);
  const end = recordEnd(db);
  let recordEndsAt: string | null = null;
  if (end !== undefined && untilMs - end.aliveAt >= HUB_OFF_MIN_MS) {
    if (end.stopped) spans.push([end.aliveAt, untilMs]);
    else if (end.aliveAt < untilMs) recordEndsAt = new Date(end.aliveAt).toISOString();
  }
  const offMsByDay = new Map<number, number>();
  for (const [off, on] of spans) {
    const from = Math.max(off, fromMs);
    const until = Math.min(on, untilMs);
    for (let day = zone.dayNumber(from); from < until && zone.instantOf(day, 0) < until; day++) {
      const ms = Math.min(until, zone.instantOf(day + 1, 0)) - Math.max(from, zone.instantOf(day, 0));
      if (ms > 0) offMsByDay.set(day, (offMsByDay.get(day) ?? 0) + ms);
    }
  }
  return { hubOffDays: [...offMsByDay.values()].filter((ms) => ms >= HUB_OFF_MIN_MS).length, recordEndsAt };
}

/**
 * The parts of `fromMs..untilMs` outside the feature days `homeId` spent in away mode (`away_days`, noted by the
 * routine review), in order: the whole period for a home never away in it.
 */
function notAwaySpans(
  db: Database,
  homeId: string,
  home: HomeConfig | undefined,
  fromMs: number,
  untilMs: number,
): [number, number][] {
  if (untilMs <= fromMs) return [];
  const cal = homeCalendar(home);
  // The feature day under way at the period's start began on the date before (it ends at the night window's end).
  const firstDate = dayToIsoDate(cal.zone.dayNumber(fromMs) - 1);
  const spans: [number, number][] = [];
  let from = fromMs;
  for (const date of awayDatesBetween(db, homeId, firstDate, dayToIsoDate(cal.zone.dayNumber(untilMs)))) {
    const day = isoDateToDay(date);
    if (day === undefined) continue;
    const awayFrom = featureDayStart(cal, day);
    if (awayFrom > from) spans.push([from, Math.min(awayFrom, untilMs)]);
    from = Math.max(from, featureDayStart(cal, day + 1));
    if (from >= untilMs) return spans;
  }
  spans.push([from, untilMs]);
  return spans;
}

/**
 * `a` as it stood at `t` (raised before it): acknowledged and closed only if that came before `t`, and holding only the
 * routine-change flags merged into it before `t` (`detail.laterFlags`).
 */
export function asKnownAt(a: Alert, t: number): Alert {
  a = withFlagsKnownAt(a, t);
  const closedLater = a.resolvedAt !== null && Date.parse(a.resolvedAt) >= t;
  const acknowledgedLater = a.acknowledgedAt !== null && Date.parse(a.acknowledgedAt) >= t;
  if (!closedLater && !acknowledgedLater) return a;
  const acknowledged = a.acknowledgedAt !== null && !acknowledgedLater;
  return {
    ...a,
    state: acknowledged ? 'acknowledged' : 'raised',
    acknowledgedAt: acknowledged ? a.acknowledgedAt : null,
    acknowledgedBy: acknowledged ? a.acknowledgedBy : null,
    resolvedAt: null,
    outcome: null,
    note: null,
  };
}

/** `a` without the later flags merged into it at or after `t` (the same object when there are none). */
function withFlagsKnownAt(a: Alert, t: number): Alert {
  const later = a.detail.laterFlags;
  if (!Array.isArray(later)) return a;
  const known = later.filter((f) => !(flagTime(f, NaN) >= t));
  return known.length === later.length ? a : { ...a, detail: { ...a.detail, laterFlags: known } };
}

/**
 * One routine-change flag (SPEC 7): the one that raised its alert, or one merged into the open alert later (a second
 * habit flagged, or the same again, while the first alert was open: `detail.laterFlags`, hub/alerts/lifecycle.ts).
 */
export interface RoutineFlag {
  alert: Alert;
  /** The daily feature flagged (analytics/baseline.ts); '' when the detail does not say. */
  feature: string;
  /** When the hub raised it or merged it (ms): the alert's raisedAt for the first, its `seenAt` for a later one. */
  at: number;
}

/** A flag's string field `name` (a later flag is whatever JSON the hub stored), else undefined. */
function stringField(flag: unknown, name: string): string | undefined {
  const value = typeof flag === 'object' && flag !== null ? (flag as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The time (ms) of a later flag's `seenAt`, else `otherwise`. */
function flagTime(flag: unknown, otherwise: number): number {
  const at = Date.parse(stringField(flag, 'seenAt') ?? '');
  return Number.isNaN(at) ? otherwise : at;
}

function featureOf(flag: unknown): string {
  return stringField(flag, 'feature') ?? '';
}

/** Every flag of a routine-change alert, the first and each later one (none for an alert of another kind). */
export function flagsOf(alert: Alert): RoutineFlag[] {
  if (alert.kind !== 'routine-change') return [];
  const flags: RoutineFlag[] = [{ alert, feature: featureOf(alert.detail), at: Date.parse(alert.raisedAt) }];
  const later = alert.detail.laterFlags;
  if (Array.isArray(later)) {
    // A later flag whose time cannot be read counts when the alert was last seen (a merge's time).
    for (const f of later) flags.push({ alert, feature: featureOf(f), at: flagTime(f, Date.parse(alert.lastSeenAt)) });
  }
  return flags;
}

/** The routine-change flags of `alerts` made in [fromMs, toMs), oldest first; an alert given twice counts once. */
export function routineFlags(alerts: readonly Alert[], fromMs: number, toMs: number): RoutineFlag[] {
  const seen = new Set<string>();
  const flags: RoutineFlag[] = [];
  for (const a of alerts) {
    if (a.kind !== 'routine-change' || seen.has(a.id)) continue;
    seen.add(a.id);
    for (const f of flagsOf(a)) if (f.at >= fromMs && f.at < toMs) flags.push(f);
  }
  return flags.sort((x, y) => x.at - y.at);
}

export function outcomeOf(a: Alert): Outcome | 'open' | 'cancelled' {
  if (a.state === 'cancelled') return 'cancelled';
  return a.outcome ?? 'open';
}

/**
 * Time to acknowledge. Its counts are parts of the alerts of `URGENT_KINDS` (`whole`: their cells as published), each
 * shown no higher than they allow (`partOf`, session 72, round 2), and its shares worked out from the counts as shown.
 */
export function acknowledgement(
  alerts: readonly Alert[],
  whole: readonly PublishedCount[] = urgentKindCells(alerts),
): PreventionReport['acknowledgement'] {
  const calls = alerts.filter((a) => (ACK_SEVERITIES as readonly string[]).includes(a.severity) && neededAnswer(a));
  const seconds = calls
    .filter((a) => a.acknowledgedAt !== null)
    .map((a) => (Date.parse(a.acknowledgedAt!) - Date.parse(a.raisedAt)) / 1000)
    .sort((x, y) => x - y);
  const within60 = seconds.filter((s) => s <= 60).length;
  const within180 = seconds.filter((s) => s <= 180).length;
  let medianSeconds: number | '*' | null = null;
  if (seconds.length > 7) medianSeconds = Math.round(median(seconds));
  else if (seconds.length > 0) medianSeconds = '*';
  const shown = partOf(calls.length, whole);
  const shown60 = partOf(within60, whole);
  const shown180 = partOf(within180, whole);
  return {
    severities: [...ACK_SEVERITIES],
    alerts: shown,
    within60s: shown60,
    within180s: shown180,
    shareWithin60s: shareOfShown(shown60, shown),
    shareWithin180s: shareOfShown(shown180, shown),
    medianSeconds,
  };
}

/**
 * The outcomes of `alerts` (with `open` and `cancelled`, so that they add up to the alerts), published as a second
 * breakdown of the alerts (`secondBreakdown`): against their kinds as published (`alertKindCells`), or against `first`,
 * every cell the same alerts are published in elsewhere (the centre's whole period: every week's kinds).
 */
export function alertOutcomes(
  alerts: readonly Alert[],
  first: readonly BoundCell[] = alertKindCells(alerts),
  bounds: WholeBounds = {},
): PreventionReport['outcomes'] {
  return secondBreakdown(
    countBy([...OUTCOMES, 'open', 'cancelled'] as const, alerts.map(outcomeOf)),
    first,
    false,
    bounds,
  );
}

/**
 * The alerts by kind as published, and those of no kind this version knows (`rest`). `flagWhole`: the cells the
 * period's flags are published in, of which routine-change alerts are a part (each alert holds its first flag), so
 * that kind is shown no higher than they allow (`partOf`); `slack` 1 when it is shown at that cap (it may be 3 above).
 */
export function publishedKinds(
  alerts: readonly Alert[],
  flagWhole: readonly PublishedCount[] | null = null,
): { byKind: Counts<AlertKind>; rest: PublishedCount; slack: number } {
  const counts = countBy(
    ALERT_KINDS,
    alerts.map((a) => a.kind),
  );
  const byKind = publish(counts);
  let slack = 0;
  if (flagWhole !== null) {
    const shown = partOf(counts['routine-change'], flagWhole);
    byKind['routine-change'] = shown;
    if (typeof shown === 'number' && shown > 0 && shown === partCap(flagWhole)) slack = 1;
  }
  const rest = suppressCount(alerts.length - Object.values<number>(counts).reduce((n, c) => n + c, 0));
  return { byKind, rest, slack };
}

/** The cells of `publishedKinds`: each kind, and the rest. */
export function kindCellsOf(kinds: { byKind: Counts<AlertKind>; rest: PublishedCount }): PublishedCount[] {
  return [...Object.values<PublishedCount>(kinds.byKind), kinds.rest];
}

/** The cells `alertTotals` publishes the alerts in: each kind, and those of no kind this version knows. */
export function alertKindCells(
  alerts: readonly Alert[],
  flagWhole: readonly PublishedCount[] | null = null,
): PublishedCount[] {
  return kindCellsOf(publishedKinds(alerts, flagWhole));
}

/** The cells the alerts of `URGENT_KINDS` are published in, and those of no kind this version knows. */
export function urgentKindCells(alerts: readonly Alert[]): PublishedCount[] {
  const kinds = publishedKinds(alerts);
  return [...URGENT_KINDS.map((k) => kinds.byKind[k]), kinds.rest];
}

/**
 * What the published parts say of the alerts' total, for their outcomes (`secondBreakdown`): at least the urgent
 * alerts' counts (`acknowledgement`) and the other kinds' least, and at least each of `parts` (residents with an
 * alert); `slack` from the routine-change cell (`publishedKinds`).
 */
export function alertBounds(
  kinds: { byKind: Counts<AlertKind>; rest: PublishedCount; slack: number },
  ack: PreventionReport['acknowledgement'],
  parts: readonly PublishedCount[] = [],
): Required<WholeBounds> {
  const urgent = new Set<string>(URGENT_KINDS);
  const otherLow = possibleTotals(
    Object.entries<PublishedCount>(kinds.byKind)
      .filter(([k]) => !urgent.has(k))
      .map(([, c]) => c),
  ).low;
  const urgentLow = Math.max(lowestOf(ack.alerts), lowestOf(ack.within60s), lowestOf(ack.within180s));
  return { atLeast: Math.max(urgentLow + otherLow, ...parts.map(lowestOf)), slack: kinds.slack };
}

/** The parts `totalOfParts` adds up, as published: each of `counts` and what no key names. */
function partCells(counts: Record<string, number>, all: number): PublishedCount[] {
  const named = Object.values(counts);
  return [...named, all - named.reduce((n, c) => n + c, 0)].map(suppressCount);
}

/** The cells `fallFigures` publishes falls in: falls and possible falls. */
export function fallCells(falls: readonly Alert[]): PublishedCount[] {
  return FALL_KINDS.map((kind) => suppressCount(falls.filter((a) => a.kind === kind).length));
}

/** The cells `routineChangeFigures` publishes flags in: each habit, and the flags of no watched habit. */
export function flagCells(flags: readonly RoutineFlag[]): PublishedCount[] {
  return partCells(flagsByFeature(flags), flags.length);
}

function flagsByFeature(flags: readonly RoutineFlag[]): Record<string, number> {
  return countBy(
    WATCHED_FEATURES.map((w) => w.feature as string),
    flags.map((f) => f.feature),
  );
}

/**
 * The falls of `alerts` (`fall` and `possible-fall` alerts), each fall once: a possible fall raised while a `fall` alert
 * of its home was open (raised at or before it, not closed before it: the resident still on the floor after the
 * wearable's report, waiting for the ambulance) is that fall, not another (review, session 64: both counted). `known`:
 * the alerts among which to look for that open fall (those of the period and before it).
 */
export function fallsOf(alerts: readonly Alert[], known: readonly Alert[] = alerts): Alert[] {
  const fallsByHome = new Map<string, Alert[]>();
  for (const a of known) {
    if (a.kind === 'fall') fallsByHome.set(a.homeId, [...(fallsByHome.get(a.homeId) ?? []), a]);
  }
  const duringOpenFall = (possible: Alert): boolean => {
    const at = Date.parse(possible.raisedAt);
    return (fallsByHome.get(possible.homeId) ?? []).some(
      (f) => Date.parse(f.raisedAt) <= at && (f.resolvedAt === null || Date.parse(f.resolvedAt) > at),
    );
  };
  return alerts.filter((a) => a.kind === 'fall' || (a.kind === 'possible-fall' && !duringOpenFall(a)));
}

/**
 * Whether an alert is a fall that stood: a `fall` or `possible-fall` neither withdrawn by the hub before anyone
 * answered it (the resident got up and moved on: `neededAnswer`) nor resolved by the responder as a false alarm. Only
 * these make a resident one "with a fall" and a routine change one "followed by a fall" (review, session 64: every
 * fall alert did, so a bathroom silence the resident ended three minutes later read as a fall after the flag).
 */
export function fallStood(a: Alert): boolean {
  return FALL_KINDS.includes(a.kind) && neededAnswer(a) && a.outcome !== 'false-alarm';
}

/**
 * The falls figures of a period (fall and possible-fall alerts, every one), for this report and the centre's council
 * report. Their outcomes count those still open and those the hub withdrew too, so that they add up to the total.
 */
export function fallFigures(
  falls: readonly Alert[],
  first: readonly BoundCell[] = fallCells(falls),
): PreventionReport['falls'] {
  const fall = suppressCount(falls.filter((a) => a.kind === 'fall').length);
  const possibleFall = suppressCount(falls.filter((a) => a.kind === 'possible-fall').length);
  return {
    // The sum of the two as shown (review, session 70): rounded on its own, it told what their `*` hid.
    total: totalOfShown([fall, possibleFall]),
    fall,
    possibleFall,
    // A second breakdown of the falls (review, session 72): withheld when it would tell what the falls' `*` hide.
    outcomes: secondBreakdown(countBy([...OUTCOMES, 'open', 'cancelled'] as const, falls.map(outcomeOf)), first),
  };
}

/**
 * The routine-change figures of a period: flags by feature, what followed them (`followUp`, same order), outcomes.
 * Each flag counts, the first of an alert and each merged into it later (review, session 51: the alert's first flag
 * alone was counted, so a resident whose routine changed in several ways at once counted once, under one habit); the
 * outcomes are those of each flag's alert.
 */
export function routineChangeFigures(
  flags: readonly RoutineFlag[],
  followUps: readonly ReturnType<typeof followUp>[],
  against?: { cells: readonly BoundCell[]; bounds: WholeBounds },
  parts: readonly PublishedCount[] = [],
): PreventionReport['routineChanges'] {
  const byFeature = flagsByFeature(flags);
  const own = flagCells(flags);
  // What followed the flags counts some of them: shown no higher than the habits allow (session 72, round 2: 30
  // followed by an alert against four habits of `*` left each habit 7).
  const followedByAlert = partOf(followUps.filter((f) => f.alert).length, own);
  const followedByFall = partOf(followUps.filter((f) => f.fall).length, own);
  const followedByIntervention = partOf(followUps.filter((f) => f.intervention).length, own);
  const atLeast = Math.max(...[followedByAlert, followedByFall, followedByIntervention, ...parts].map(lowestOf));
  return {
    // The sum of the habits' figures as shown (review, session 70), and of the flags of no watched habit.
    flags: totalOfParts(byFeature, flags.length),
    byFeature: publish(byFeature),
    followUpDays: FOLLOW_UP_DAYS,
    followedByAlert,
    followedByFall,
    followedByIntervention,
    // A second breakdown of the flags (review, session 72), of those whose alert was resolved with an outcome only.
    outcomes: secondBreakdown(
      countBy(
        OUTCOMES,
        flags.map((f) => f.alert.outcome).filter((o): o is Outcome => o !== null),
      ),
      against?.cells ?? own,
      true,
      against?.bounds ?? { atLeast },
    ),
  };
}

/** The least the flags' total is by what followed them as published (`routineChangeFigures`). */
export function flagsAtLeast(figures: PreventionReport['routineChanges']): number {
  return Math.max(...[figures.followedByAlert, figures.followedByFall, figures.followedByIntervention].map(lowestOf));
}

/** `alerts` by their home, in order: what `followUp` reads for a flag is its home's alone. */
export function alertsByHome(alerts: readonly Alert[]): Map<string, Alert[]> {
  const byHome = new Map<string, Alert[]>();
  for (const a of alerts) {
    const list = byHome.get(a.homeId);
    if (list) list.push(a);
    else byHome.set(a.homeId, [a]);
  }
  return byHome;
}

/**
 * What happened in the home in the follow-up days after a routine-change flag, from the flag's own time (a later
 * flag's from when it was merged), its alert's outcome included.
 */
export function followUp(
  flag: RoutineFlag,
  alerts: readonly Alert[],
): { alert: boolean; fall: boolean; intervention: boolean } {
  const start = flag.at;
  const end = start + FOLLOW_UP_DAYS * DAY_MS;
  const { homeId, id } = flag.alert;
  const after = alerts.filter((a) => {
    const at = Date.parse(a.raisedAt);
    return a.homeId === homeId && a.id !== id && a.kind !== 'routine-change' && at > start && at <= end;
  });
  const intervened = (a: Alert): boolean => a.outcome !== null && INTERVENTIONS.includes(a.outcome);
  return {
    alert: after.length > 0,
    fall: after.some(fallStood),
    intervention: intervened(flag.alert) || after.some(intervened),
  };
}

/**
 * What an analyst is told of totals (review, session 70), in every council report's disclosure: each is worked out
 * from its parts as published, never from the exact counts.
 */
export const TOTALS_DISCLOSURE =
  'A total (alerts of every kind, falls and possible falls, flags of every habit, and in a report by weeks each ' +
  'figure of the period as a whole but its homes and median) is the sum of its parts as shown, each * counted as 0, ' +
  'and * when every part is * or 0: it tells nothing the parts do not, and may be lower or higher than the exact ' +
  'count (lower where parts are *, higher where rounding took parts up).';

/**
 * What an analyst is told of counts that are parts of what the kinds and habits break down (review, session 72, round
 * 2), in every council report's disclosure (through `OUTCOMES_DISCLOSURE`).
 */
export const PARTS_DISCLOSURE =
  'A count that is a part of what the kinds or habits count (urgent alerts and those acknowledged within 60 s and ' +
  '180 s, of the alerts of the kinds raised as critical or high; flags followed by an alert, a fall or an ' +
  'intervention, and residents with a flag, of the flags; routine-change alerts, of their flags; residents with an ' +
  'alert or a fall, of the alerts) is never shown above the highest multiple of 5 at most one more than its parts ' +
  'as published can add up to, so that it does not pin a * they hide: it may then be up to 3 below the exact count.';

/**
 * What an analyst is told of a period of more than one month (review, session 72, round 3), in the hub's disclosure.
 */
export const MONTHS_DISCLOSURE =
  'A period of more than one calendar month is the sum of its months as shown (the first and last month clipped to ' +
  'the period), each month counted and rounded on its own as in a report of that month alone: every count, outcome ' +
  'and share is worked out from the months’ figures added up (an outcome breakdown is null when a month’s is), so ' +
  'that reports of overlapping months tell nothing by difference; homes and residents monitored, residents with an ' +
  'alert, a fall or a flag, the median and the days the hub was off are the period’s own.';

/**
 * What an analyst is told of outcomes (review, session 72), in every council report's disclosure.
 */
export const OUTCOMES_DISCLOSURE =
  'Outcomes (of the alerts, of the falls, of the routine-change flags) count the same alerts, falls and flags again: ' +
  'they are shown only when at least two outcomes are not 0 and, as published, they and the kinds (falls and ' +
  'possible falls, habits) leave the exact total more than one possible number, and are null (withheld) otherwise, ' +
  'so that an outcome holding every alert does not give away the total the kinds hide. ' +
  PARTS_DISCLOSURE;

/**
 * The alerts of a period, by kind and in all: the total is the kinds' published counts added up (`totalOfParts`,
 * review, session 70: rounded on its own, it told what the kinds' `*` hid).
 */
export function alertTotals(
  alerts: readonly Alert[],
  flagWhole: readonly PublishedCount[] | null = null,
): PreventionReport['alerts'] {
  const kinds = publishedKinds(alerts, flagWhole);
  return { total: totalOfShown(kindCellsOf(kinds)), byKind: kinds.byKind };
}

export function countBy<K extends string>(keys: readonly K[], values: readonly string[]): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const v of values) if (v in out) out[v as K]++;
  return out;
}

export function publish<K extends string>(counts: Record<K, number>): Record<K, PublishedCount> {
  return Object.fromEntries(Object.entries<number>(counts).map(([k, n]) => [k, suppressCount(n)])) as Record<
    K,
    PublishedCount
  >;
}

/** The figures a council report shares with the centre's weekly report, in the report's CSV order. */
export type AlertFigures = Pick<
  PreventionReport,
  'alerts' | 'acknowledgement' | 'outcomes' | 'falls' | 'routineChanges'
>;

/** Outcome breakdowns of periods added up as shown (`sumCounts`); null when any is withheld (null). */
function addedUpOutcomes<K extends string>(
  parts: readonly (Record<K, PublishedCount> | null)[],
): Record<K, PublishedCount> | null {
  if (parts.length === 0 || parts.some((p) => p === null)) return null;
  return sumCounts(parts as Record<K, PublishedCount>[]);
}

/** Each key's published counts over `parts` added up as shown (`totalOfShown`). */
function sumCounts<K extends string>(parts: readonly Record<K, PublishedCount>[]): Record<K, PublishedCount> {
  const keys = Object.keys(parts[0] ?? {}) as K[];
  return Object.fromEntries(keys.map((k) => [k, totalOfShown(parts.map((p) => p[k]))])) as Record<K, PublishedCount>;
}

/**
 * The figures of a run of periods, each the sum of the periods' as published (`totalOfShown`), never the run's exact
 * counts rounded on their own, which told a period's hidden counts by difference (review, session 70 for the centre's
 * weeks; session 72 for the hub's runs of months). `parts`: the periods whose counts are added up (the centre's weeks,
 * the hub's months); `outcomeParts`: those whose outcome breakdowns are (the centre's months; the hub's months), null
 * when any is withheld; `period`: the run's own figures, for what does not add up (the median time to acknowledge, the
 * severities, the follow-up days). Shares are worked out from the counts so added up.
 */
export function addedUpFigures(
  parts: readonly AlertFigures[],
  outcomeParts: readonly AlertFigures[],
  period: AlertFigures,
): AlertFigures {
  const sum = (pick: (w: AlertFigures) => PublishedCount): PublishedCount => totalOfShown(parts.map(pick));
  const ack = {
    alerts: sum((w) => w.acknowledgement.alerts),
    within60s: sum((w) => w.acknowledgement.within60s),
    within180s: sum((w) => w.acknowledgement.within180s),
  };
  return {
    alerts: { total: sum((w) => w.alerts.total), byKind: sumCounts(parts.map((w) => w.alerts.byKind)) },
    acknowledgement: {
      severities: period.acknowledgement.severities,
      ...ack,
      shareWithin60s: shareOfShown(ack.within60s, ack.alerts),
      shareWithin180s: shareOfShown(ack.within180s, ack.alerts),
      medianSeconds: period.acknowledgement.medianSeconds,
    },
    outcomes: addedUpOutcomes(outcomeParts.map((m) => m.outcomes)),
    falls: {
      total: sum((w) => w.falls.total),
      fall: sum((w) => w.falls.fall),
      possibleFall: sum((w) => w.falls.possibleFall),
      outcomes: addedUpOutcomes(outcomeParts.map((m) => m.falls.outcomes)),
    },
    routineChanges: {
      flags: sum((w) => w.routineChanges.flags),
      byFeature: sumCounts(parts.map((w) => w.routineChanges.byFeature)),
      followUpDays: period.routineChanges.followUpDays,
      followedByAlert: sum((w) => w.routineChanges.followedByAlert),
      followedByFall: sum((w) => w.routineChanges.followedByFall),
      followedByIntervention: sum((w) => w.routineChanges.followedByIntervention),
      outcomes: addedUpOutcomes(outcomeParts.map((m) => m.routineChanges.outcomes)),
    },
  };
}

/** Adds the alert, acknowledgement, outcome, fall and routine-change rows of `report` through `add`. */
export function addAlertFigureRows(
  report: AlertFigures,
  add: (section: string, item: string, measure: string, value: string | number | null) => void,
): void {
  add('alerts', 'all', 'count', report.alerts.total);
  for (const [kind, n] of Object.entries(report.alerts.byKind)) add('alerts', kind, 'count', n);
  const ack = report.acknowledgement;
  const ackItem = ack.severities.join('+');
  add('acknowledgement', ackItem, 'alerts', ack.alerts);
  add('acknowledgement', ackItem, 'within60s', ack.within60s);
  add('acknowledgement', ackItem, 'within180s', ack.within180s);
  add('acknowledgement', ackItem, 'shareWithin60s', ack.shareWithin60s);
  add('acknowledgement', ackItem, 'shareWithin180s', ack.shareWithin180s);
  add('acknowledgement', ackItem, 'medianSeconds', ack.medianSeconds);
  // A breakdown withheld (null) has no rows (review, session 72); the disclosure says why.
  for (const [outcome, n] of Object.entries(report.outcomes ?? {})) add('outcomes', outcome, 'count', n);
  add('falls', 'all', 'count', report.falls.total);
  add('falls', 'fall', 'count', report.falls.fall);
  add('falls', 'possible-fall', 'count', report.falls.possibleFall);
  for (const [outcome, n] of Object.entries(report.falls.outcomes ?? {})) add('falls', outcome, 'outcome', n);
  const rc = report.routineChanges;
  add('routine-change', 'all', 'flags', rc.flags);
  for (const [feature, n] of Object.entries(rc.byFeature)) add('routine-change', feature, 'flags', n);
  add('routine-change', `within ${rc.followUpDays} days`, 'followedByAlert', rc.followedByAlert);
  add('routine-change', `within ${rc.followUpDays} days`, 'followedByFall', rc.followedByFall);
  add('routine-change', `within ${rc.followUpDays} days`, 'followedByIntervention', rc.followedByIntervention);
  for (const [outcome, n] of Object.entries(rc.outcomes ?? {})) add('routine-change', outcome, 'outcome', n);
}

/** The report as CSV: one row per published figure, `section,item,measure,value`. */
export function toCsv(report: PreventionReport): string {
  const rows: (string | number | null)[][] = [['section', 'item', 'measure', 'value']];
  const add = (section: string, item: string, measure: string, value: string | number | null): void => {
    rows.push([section, item, measure, value]);
  };
  add('period', 'from', 'date', report.period.from);
  add('period', 'to', 'date', report.period.to);
  add('period', 'timezone', 'name', report.period.timezone);
  // What the figures knew and whether they will change (session 76): a CSV exported mid-follow-up and published
  // differed from the final figures, and said neither.
  add('report', 'known-by', 'instant', report.knownBy);
  add('report', 'status', 'final', report.final ? 'final' : 'provisional');
  add('summary', 'homes', 'monitored', report.homesMonitored);
  add('summary', 'residents', 'monitored', report.residentsMonitored);
  add('summary', 'hub', 'daysOff', report.hubOffDays);
  add('summary', 'record', 'endsAt', report.recordEndsAt);
  add('summary', 'record', 'startsAt', report.recordStartsAt);
  // Months of 1 to 7 homes in an analyst's run (session 77): counted as 0 in every sum below, said by name.
  for (const month of report.withheldMonths ?? []) add('summary', 'month withheld', 'month', month);
  addAlertFigureRows(report, add);
  add('residents', 'with alerts', 'count', report.residentsWith.alerts);
  add('residents', 'with falls', 'count', report.residentsWith.falls);
  add('residents', 'with routine-change flags', 'count', report.residentsWith.routineChanges);
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
