// The council report over every hub (SPEC 7 and 10): the hub report's definitions and suppression, week by week.
import type pg from 'pg';
import type { Alert } from '../../hub/alerts/api.js';
import { parseDateRange } from '../../analytics/activity.js';
import {
  possibleTotals,
  suppressCount,
  totalOfShown,
  withheldCells,
  type BoundCell,
  type PublishedCount,
  type WholeBounds,
} from '../../analytics/disclosure.js';
import {
  acknowledgement,
  addAlertFigureRows,
  addedUpFigures,
  alertBounds,
  alertsByHome,
  alertOutcomes,
  alertTotals,
  asKnownAt,
  csvField,
  fallCells,
  fallFigures,
  fallsOf,
  flagCells,
  flagsAtLeast,
  FEW_HOMES_DISCLOSURE,
  FOLLOW_UP_DAYS,
  followUp,
  kindCellsOf,
  OUTCOMES_DISCLOSURE,
  publishedKinds,
  routineChangeFigures,
  routineFlags,
  TOTALS_DISCLOSURE,
  withheldFigures,
  type PreventionReport,
} from '../../analytics/report.js';
import type { Outcome } from '../../rules/vocabulary.js';
import { DAY_MS } from '../../rules/time.js';
import { ZoneClock } from '../../rules/local-time.js';
import { movedHomes, stayKey, type Stay } from './moved-homes.js';
import { RETIRED } from '../ingest.js';
import { HUB_QUARANTINED } from '../quarantine.js';

/** A report spans at most this many days (a year and a bit: 54 weekly columns). */
export const MAX_REPORT_DAYS = 371;

/** The figures of one week (or of the whole period): each a published count, as the hub's report. */
export interface PeriodFigures {
  from: string;
  to: string;
  /** Homes (council pseudonyms) with at least one day of features in the period, not in away mode. */
  homesMonitored: PublishedCount;
  /**
   * Days of features received (one per home and day), the days a home was in away mode left out; rounded to 5 times
   * the week's days (`publishHomeDays`, session 70), the whole period's the weeks' added up; `*` whenever
   * `homesMonitored` is, and the whole period's when a week's `homesMonitored` is (session 69).
   */
  homeDays: PublishedCount;
  alerts: PreventionReport['alerts'];
  acknowledgement: PreventionReport['acknowledgement'];
  /**
   * Null in every week (review, session 72): outcomes are published for the whole period only, its months' added up
   * (`wholePeriod`), and null there too when a month's would tell what its weeks' kinds hide (`secondBreakdown`). The
   * same for `falls.outcomes` and `routineChanges.outcomes`.
   */
  outcomes: PreventionReport['outcomes'];
  falls: PreventionReport['falls'];
  routineChanges: PreventionReport['routineChanges'];
  /**
   * A week that begins at or after `knownBy` (review, session 76): a supervisor's report asked up to today, or of the
   * week under way, reads nothing of it yet (only what was known before `knownBy`), so its zeros are no data, not a
   * week without alerts. Present (true) on such weeks only; never on an analyst's, whose weeks have all ended.
   */
  notYetKnown?: true;
}

export interface CouncilReport {
  report: 'council';
  /** `timezone`: the council's (`CENTRAL_REPORT_TIMEZONE`, default UTC); days and weeks are its local ones. */
  period: { from: string; to: string; timezone: string };
  /**
   * The council whose hubs the figures cover (an analyst's, session 68), or null: every hub of the centre (a
   * supervisor's or an admin's report).
   */
  council: string | null;
  generatedAt: string;
  /**
   * The figures read only what was known before this instant: the end of the period's follow-up (its last day plus
   * `FOLLOW_UP_DAYS`) or, when asked sooner, the start (Monday, in the report's timezone) of the week under way.
   */
  knownBy: string;
  /**
   * `knownBy` is the end of the follow-up and no hub in service is silent since before it (`silentHubs` 0): the figures
   * will not change however late the report is asked again.
   */
  final: boolean;
  /**
   * Hubs in service (not retired) silent since before `knownBy`, offline or quarantined when asked (review, session
   * 68): each keeps what it has not sent queued (store and forward) and sends it when it is back, so the figures of
   * its homes may still grow; the report is not final while there is one.
   */
  silentHubs: PublishedCount;
  /**
   * Hubs with alerts raised in the period but no day of features in it (review, session 68): a hub set up without
   * `HUB_COUNCIL_KEY` sends none, so its homes are in no `homesMonitored` or `homeDays` while their alerts count, and
   * rates per home read high.
   */
  hubsWithoutFeatures: PublishedCount;
  disclosure: string;
  hubs: PublishedCount;
  /**
   * Homes of the period heard from more than one hub and counted once (review, session 68): a home moved to another
   * hub (same home id, so the same pseudonym), joined by `movedHomes`, or a box replaced with `--replaced-by`.
   */
  homesMoved: PublishedCount;
  /**
   * Where the centre's record of the report's hubs begins, when that is after the period's first day (review, session
   * 76): the first day (Monday, or the period's first day) of the first week in which any of them had been heard (first
   * seen, a day of features or an alert raised), or the day after the period when none had been heard by its end.
   * Nothing before it is known: its weeks' zeros are no hub heard, not nothing happening. Null when the record covers
   * the period's start. A week, not an instant: an alert's or a first day's time would tell more than the weeks do.
   */
  recordStartsOn: string | null;
  weeks: PeriodFigures[];
  total: PeriodFigures;
}

const disclosure = (timezone: string, council: string | null): string =>
  'Counts of 1 to 7 are shown as *, all others rounded to the nearest 5 (0 stays 0); home-days are rounded to 5 ' +
  'times the days of their week (35 for a whole week), at least that when there are any, so that they say no more of ' +
  'the number of homes than homes monitored do, and are * wherever homes monitored are, and for the period as a whole ' +
  'when a week’s homes are; shares are worked out from the ' +
  'published counts (* when either is *); medians over 1 to 7 alerts are shown as *. ' +
  TOTALS_DISCLOSURE +
  ' ' +
  OUTCOMES_DISCLOSURE +
  ' Outcomes are given for the period as a whole only, not week by week (set against each week’s kinds, a ' +
  'week’s told what they hide): each month of weeks counts its own, checked against its weeks’ kinds, and the ' +
  'period’s are the months’ as shown added up (null when a month’s are withheld), the same in every report. ' +
  'No resident, home or hub ' +
  'appears, not even as a pseudonym: every figure is a count over all homes of ' +
  (council === null ? 'all hubs' : `the hubs of the council ${council}`) +
  '. Weeks start on Monday; ' +
  `alerts count in the week (${timezone}) they were raised, routine-change flags in the week each was made (a flag ` +
  'merged into an open routine-change alert counts too), features in the home’s local date. The figures read only ' +
  'what was known at knownBy: the end of the 14 days of follow-up after the period or, if asked sooner, the start ' +
  `(Monday, ${timezone}) of the week under way. Alerts raised later are left out, and one acknowledged or closed ` +
  'later counts as unacknowledged or open. A report asked once its follow-up has ended is final and never changes, ' +
  'unless a hub silent since before knownBy (silentHubs) is still to send what it kept queued: then it is provisional ' +
  'until that hub is heard again or retired. ' +
  'A home heard from two hubs one after the other (moved to another hub, or its box replaced) is one home with one ' +
  'history, counted in homesMoved; homes of two hubs heard side by side under the same id are two homes. A hub that ' +
  'sends no daily features (no council key) counts its alerts but none of its homes (hubsWithoutFeatures). ' +
  'A week marked notYetKnown begins at or after knownBy: nothing of it is counted yet, and its zeros are no data. ' +
  'recordStartsOn, when given, is the first day of the first week in which any hub of the report had been heard ' +
  '(the day after the period when none had by its end): nothing before it is known, and its zeros are no data.';

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Day number (days since 1970-01-01, a Thursday) of the Monday that starts `day`'s week. */
function mondayOf(day: number): number {
  return day - ((((day + 3) % 7) + 7) % 7);
}

/** Day number of the Monday that starts the first week of a month of weeks: the week with the month's first Thursday. */
function monthOfWeeksStart(year: number, month: number): number {
  const first = Math.round(Date.UTC(year, month, 1) / DAY_MS);
  // Day 0 (1970-01-01) was a Thursday.
  const firstThursday = first + (((-first % 7) + 7) % 7);
  return firstThursday - 3;
}

/** The month of weeks `day` is in (each week in the month of its Thursday): its first and last day numbers. */
function monthOfWeeks(day: number): { first: number; last: number } {
  const thursday = new Date((mondayOf(day) + 3) * DAY_MS);
  const [year, month] = [thursday.getUTCFullYear(), thursday.getUTCMonth()];
  return { first: monthOfWeeksStart(year, month), last: monthOfWeeksStart(year, month + 1) - 1 };
}

/**
 * The whole months of weeks (each week, Monday to Sunday in `timezone`, in the month of its Thursday, as an ISO week is
 * in the year of its Thursday) that cover `range` and have ended by `nowMs`: what an analyst's council report covers.
 * Whole weeks (review, session 67): suppression hides a count of 1 to 7, not whether it is 0 nor on which day, so a
 * report of one day, or of a week under way asked again each day, said on which day one resident fell. Whole months of
 * weeks, fixed boundaries (review, session 69): each report's whole period is rounded on its own, so reports of
 * overlapping runs of weeks (weeks 1 to 3, 1 to 2, 2 to 3) told a week's hidden count by difference; as the hub's
 * analyst sees whole ended months (dashboard/dates.ts). Throws `DateRangeError` when no such month is left.
 */
export function wholeEndedMonthsOfWeeks(
  range: { from: string; to: string },
  nowMs: number,
  timezone: string,
): { from: string; to: string } {
  const days = parseDateRange(range.from, range.to);
  let first = monthOfWeeks(days.from).first;
  const last = Math.min(monthOfWeeks(days.to).last, monthOfWeeks(new ZoneClock(timezone).dayNumber(nowMs)).first - 1);
  // Widened to whole months, a range of at most MAX_REPORT_DAYS keeps its latest months within it (a longer one is
  // refused).
  if (days.to - days.from < MAX_REPORT_DAYS) {
    while (last - first + 1 > MAX_REPORT_DAYS) first = monthOfWeeks(first).last + 1;
  }
  if (first > last) {
    const error = new Error(
      'The council report covers whole months of weeks (Monday to Sunday, each week in the month of its Thursday) ' +
        'that have ended: ask for an earlier month',
    );
    error.name = 'DateRangeError';
    throw error;
  }
  return { from: isoDay(first), to: isoDay(last) };
}

interface FeatureDay {
  home: string;
  day: number;
}

/** A hub alert as `central_alerts` holds it. */
interface AlertRow {
  hub_id: string;
  alert_id: string;
  type: string;
  raised_at: Date;
  alert: Record<string, unknown>;
}

/**
 * The alert as the report's helpers take it, its ids made unique across hubs (a home id is only unique in its hub)
 * under `homesHubId`, the hub now in its homes (`homesOf`): an alert a box restated under its own id after taking the
 * data of the box it replaced is the same alert (review, session 67). Its home under `homeHubId`, the hub the home is
 * counted under: the first it was heard from when it moved from hub to hub (review, session 68).
 */
function asReportAlert(row: AlertRow, homesHubId: string, homeHubId: string): Alert {
  const { alert: raw, type, raised_at: raisedAt } = row;
  const text = (key: string): string | null => (typeof raw[key] === 'string' ? raw[key] : null);
  return {
    ...(raw as unknown as Alert),
    id: `${homesHubId}\u0000${row.alert_id}`,
    homeId: `${homeHubId}\u0000${text('homeId') ?? ''}`,
    kind: (text('kind') ?? type) as Alert['kind'],
    raisedAt: raisedAt.toISOString(),
    acknowledgedAt: text('acknowledgedAt'),
    outcome: text('outcome') as Outcome | null,
    state: (text('state') ?? 'raised') as Alert['state'],
    detail: typeof raw.detail === 'object' && raw.detail !== null ? (raw.detail as Record<string, unknown>) : {},
  };
}

/**
 * The alert as SPEC 7's time to acknowledge takes it. An alert cancelled at the centre because its hub was retired
 * (`closedAtCentre.reason` `hub-retired`, central/retire.ts) was withdrawn by nobody who knew it needed no answer: the
 * hub's rule that leaves out an alert "cancelled before anyone acknowledged it" (a possible fall the resident got up
 * from) does not apply, and it counts as the open call it was when the hub was retired (review, session 62: before,
 * retiring a hub took its unanswered calls out of the acknowledgement figures).
 */
function asCall(a: Alert): Alert {
  const closed = (a as unknown as Record<string, unknown>).closedAtCentre;
  const retired =
    typeof closed === 'object' && closed !== null && (closed as Record<string, unknown>).reason === 'hub-retired';
  return a.state === 'cancelled' && retired
    ? { ...a, state: a.acknowledgedAt === null ? 'raised' : 'acknowledged' }
    : a;
}

/** The cells a period's alerts, falls and flags are published in (by kind, as falls and possible falls, by habit). */
interface BreakdownCells {
  alerts: BoundCell[];
  falls: BoundCell[];
  flags: BoundCell[];
  /**
   * What the parts published on their own say of the alerts' and the flags' totals (session 72, round 2): at least the
   * week's urgent alerts and what followed its flags (`alertBounds`, `flagsAtLeast`); a month's are its weeks' added up.
   */
  alertBounds: Required<WholeBounds>;
  flagBounds: Required<WholeBounds>;
}

/**
 * The figures of days `fromDay..toDay`, and the cells they publish their alerts, falls and flags in. `openBefore`:
 * routine-change alerts raised before the report's period and still open in it, whose later flags
 * (`detail.laterFlags`) may fall in these days. `outcomesAgainst`: null for a week, whose outcomes are not published
 * (review, session 72); for the whole period, every week's cells, against which its outcomes are published or withheld
 * (`secondBreakdown`).
 */
function figures(
  fromDay: number,
  toDay: number,
  features: readonly FeatureDay[],
  withFollowUp: readonly Alert[],
  withFollowUpByHome: ReadonlyMap<string, readonly Alert[]>,
  openBefore: readonly Alert[],
  fallsBefore: readonly Alert[],
  zone: ZoneClock,
  outcomesAgainst: BreakdownCells | null,
): { figures: PeriodFigures; cells: BreakdownCells } {
  const fromMs = zone.instantOf(fromDay, 0);
  const toMs = zone.instantOf(toDay + 1, 0);
  const days = features.filter((f) => f.day >= fromDay && f.day <= toDay);
  const alerts = withFollowUp.filter((a) => {
    const at = Date.parse(a.raisedAt);
    return at >= fromMs && at < toMs;
  });
  const falls = fallsOf(alerts, [...fallsBefore, ...withFollowUp]);
  // Each flag in the week it was made: the one that raised its alert and each merged into it later.
  const flags = routineFlags([...openBefore, ...withFollowUp], fromMs, toMs);
  // followUp reads only the flag's home's alerts: given those alone, not every alert of every hub per flag (session 68
  // review: at 2,000 hubs a four-week report spent most of its time there).
  const followUps = flags.map((flag) => followUp(flag, withFollowUpByHome.get(flag.alert.homeId) ?? []));
  const homesMonitored = suppressCount(new Set(days.map((d) => d.home)).size);
  const flagWhole = flagCells(flags);
  const kinds = publishedKinds(alerts, flagWhole);
  const ack = acknowledgement(alerts.map(asCall));
  const fallFigured = fallFigures(falls, outcomesAgainst?.falls);
  const flagFigured = routineChangeFigures(
    flags,
    followUps,
    outcomesAgainst === null ? undefined : { cells: outcomesAgainst.flags, bounds: outcomesAgainst.flagBounds },
  );
  const kindCells = kindCellsOf(kinds);
  const { atLeast, slack } = alertBounds(kinds, ack);
  const cells: BreakdownCells = {
    alerts: kindCells,
    falls: fallCells(falls),
    flags: flagWhole,
    alertBounds: { atLeast: Math.max(possibleTotals(kindCells).low, atLeast), slack },
    flagBounds: { atLeast: Math.max(possibleTotals(flagWhole).low, flagsAtLeast(flagFigured)), slack: 0 },
  };
  const figured: PeriodFigures = {
    from: isoDay(fromDay),
    to: isoDay(toDay),
    homesMonitored,
    // Suppressed with the homes (review, session 69): a home has at most a day of data a day, so the days gave away
    // how many homes a `*` hid (50 home-days in a week: 7 homes exactly; 35 when each sent every day: 5). The whole
    // period's are also hidden when a week's homes are (`wholePeriod`).
    homeDays: homesMonitored === '*' ? '*' : publishHomeDays(days.length, toDay - fromDay + 1),
    alerts: alertTotals(alerts, flagWhole),
    acknowledgement: ack,
    // Outcomes break the same alerts down again: for the whole period only, against every week's kinds (session 72).
    outcomes:
      outcomesAgainst === null ? null : alertOutcomes(alerts, outcomesAgainst.alerts, outcomesAgainst.alertBounds),
    falls: { ...fallFigured, outcomes: outcomesAgainst === null ? null : fallFigured.outcomes },
    routineChanges: { ...flagFigured, outcomes: outcomesAgainst === null ? null : flagFigured.outcomes },
  };
  return { figures: figured, cells };
}

/**
 * A period's home-days as published: rounded to 5 times its days (35 for a week), at least that when any (review,
 * session 70). Rounded to 5, they gave the number of homes that homes monitored round: a home has one day of data a
 * day and homes send every day, so a week's home-days are 7 times its homes, and 5 consecutive counts hold at most one
 * multiple of 7 (9 homes: homes monitored 10, home-days 63, published 65: 9 homes exactly). Rounded to 5 homes' worth
 * of days they are the homes' rounding again when each home sent every day, and less when some did not.
 */
export function publishHomeDays(homeDays: number, periodDays: number): PublishedCount {
  if (homeDays <= 0) return 0;
  const step = 5 * Math.max(1, periodDays);
  return Math.max(1, Math.round(homeDays / step)) * step;
}

/**
 * The whole period's figures (review, session 70): every figure that adds up over weeks is the sum of the weeks' as
 * published (`totalOfShown`), never the period's exact count rounded on its own. That told what the weeks' `*` hid:
 * five weeks of falls `*`, `*`, `*`, `*`, 10 with 10 in all leave one possibility, one fall in each of the four weeks
 * (with 0 to 25 falls a week over three weeks, 48 of the 17,576 possible weeks' figures came out exact; now none,
 * `npm run council:totals`). What does not add up over weeks is the period's own: homes monitored (a home is counted
 * once however many weeks it is in) and the median time to acknowledge. `period`: the period's own figures.
 *
 * Outcomes are not published week by week (session 72: a week's, set against its kinds, told what they hid): each month
 * of weeks of the period (`months`, clipped to the period) counts its own, published against every cell its weeks
 * publish the same alerts in (`secondBreakdown`), and the period's are the months' as published added up, as every
 * total: a month's outcomes are then the same in every report that holds the month, so that reports of one month and
 * of several tell nothing by difference (the period's own, rounded on its own, would: months of 13, 13 and 1 alerts of
 * an outcome published 15, 15 and `*` with 25 in the three, which leaves the third only 1). Null when a month's are.
 */
function wholePeriod(
  weeks: readonly PeriodFigures[],
  period: PeriodFigures,
  months: readonly PeriodFigures[],
): PeriodFigures {
  return {
    from: period.from,
    to: period.to,
    homesMonitored: period.homesMonitored,
    // A week's home-days are `*` with its homes, and so are the whole period's then (session 69): decided on published
    // figures only, as every total here.
    homeDays: weeks.some((w) => w.homeDays === '*') ? '*' : totalOfShown(weeks.map((w) => w.homeDays)),
    // Every count the weeks' added up, outcomes the months' (session 72): shared with the hub's runs of months.
    ...addedUpFigures(weeks, months, period),
  };
}

/**
 * Dates `from..to` (YYYY-MM-DD, inclusive): hubs' alerts (origin `hub`; the centre's `hub-offline` is about hubs,
 * not people) and the pseudonymised daily features. Throws `DateRangeError` on a bad or too long range.
 *
 * Only what was known before `knownBy` (review, session 49): the end of the period's follow-up, or the start of the
 * week under way at `now` (Monday 00:00 in `timezone`) if sooner. Alerts raised after it are left out (of the period and of the follow-up),
 * an alert acknowledged or closed after it counts as it stood then, and features of days from it on are left out.
 * Otherwise a past period's report moved as time passed: asked each day, its follow-up told the day a flagged resident
 * fell, and an outcome given weeks later changed figures already published.
 */
/**
 * Gives `hubId` its council from `nowMs` on (null: none); false when no such hub has been heard. A hub's first council
 * counts for all its past (the hub served no council before it); a later change only from `nowMs`, so that what the
 * hub sent before stays in its old council's report (review, session 69), as `central_hub_councils` records.
 */
export async function setHubCouncil(
  pool: pg.Pool,
  hubId: string,
  council: string | null,
  nowMs: number,
): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const hub = (
      await client.query<{ council: string | null }>('SELECT council FROM central_hubs WHERE hub_id = $1 FOR UPDATE', [
        hubId,
      ])
    ).rows[0];
    if (hub === undefined) {
      await client.query('ROLLBACK');
      return false;
    }
    if (hub.council !== council) {
      const last = (
        await client.query<{ since: Date }>(
          'SELECT since FROM central_hub_councils WHERE hub_id = $1 ORDER BY since DESC LIMIT 1',
          [hubId],
        )
      ).rows[0];
      // A hub given a council before its history was kept (session 68) had that one for all its past.
      if (last === undefined && hub.council !== null) {
        await client.query('INSERT INTO central_hub_councils (hub_id, since, council) VALUES ($1, $2, $3)', [
          hubId,
          new Date(0),
          hub.council,
        ]);
      }
      const since = last === undefined && hub.council === null ? 0 : Math.max(nowMs, last?.since.getTime() ?? 0, 0);
      await client.query(
        `INSERT INTO central_hub_councils (hub_id, since, council) VALUES ($1, $2, $3)
         ON CONFLICT (hub_id, since) DO UPDATE SET council = EXCLUDED.council`,
        [hubId, new Date(since), council],
      );
      await client.query('UPDATE central_hubs SET council = $2 WHERE hub_id = $1', [hubId, council]);
    }
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function councilReport(
  pool: pg.Pool,
  input: {
    from: string;
    to: string;
    now?: number;
    timezone?: string;
    council?: string;
    /**
     * An analyst's report (review, session 76): a week in which 1 to 7 homes were monitored publishes no count about
     * people (`withheldFigures`), and what would tell it by difference is withheld with it.
     */
    withholdFewHomes?: boolean;
  },
): Promise<CouncilReport> {
  const range = parseDateRange(input.from, input.to);
  if (range.to - range.from + 1 > MAX_REPORT_DAYS) {
    const error = new Error(`A report spans at most ${MAX_REPORT_DAYS} days`);
    error.name = 'DateRangeError';
    throw error;
  }
  // Days and weeks of the council's timezone (session 59; before, always UTC): SPEC 10's "same definitions" as the
  // hub's report, which counts in its homes' local days, and the features' dates are the homes' local dates.
  const timezone = input.timezone ?? 'UTC';
  const zone = new ZoneClock(timezone);
  const fromMs = zone.instantOf(range.from, 0);
  const toMs = zone.instantOf(range.to + 1, 0);
  const nowMs = input.now ?? Date.now();
  const followUpEndDay = range.to + 1 + FOLLOW_UP_DAYS;
  const knownByDay = Math.min(followUpEndDay, mondayOf(zone.dayNumber(nowMs)));
  const knownBy = zone.instantOf(knownByDay, 0);
  // The queries in two lanes, the features' and the alerts' (session 68 review: one after the other, PostgreSQL's work
  // and this process's never overlapped); two connections at most, so the console's other requests still get one.
  const [
    { hubRows, historyRows, featureStayRows, featureRows, firstSeenRows, silentRows },
    { alertStayRows, alertRows, openBeforeRows, fallsBeforeRows },
  ] = await Promise.all([
    (async () => {
      const hubRows = await pool.query<{ hub_id: string; replaced_by: string | null; council: string | null }>(
        `SELECT hub_id, replaced_by, council FROM central_hubs WHERE replaced_by IS NOT NULL OR council IS NOT NULL`,
      );
      const historyRows = await pool.query<{ hub_id: string; since: Date; council: string | null }>(
        'SELECT hub_id, since, council FROM central_hub_councils ORDER BY hub_id, since',
      );
      const featureStayRows = await pool.query<{ hub_id: string; home: string; first: string; last: string }>(
        `SELECT hub_id, home, min(day)::text AS first, max(day)::text AS last FROM central_features
         WHERE day < $1::date GROUP BY hub_id, home`,
        [isoDay(knownByDay)],
      );
      const featureRows = await pool.query<{ hub_id: string; home: string; day: string; away: boolean }>(
        `SELECT hub_id, home, day::text AS day, features->'away' = 'true'::jsonb AS away FROM central_features
         WHERE day BETWEEN $1::date AND $2::date AND day < $3::date`,
        [input.from, input.to, isoDay(knownByDay)],
      );
      const firstSeenRows = await pool.query<{ hub_id: string; first_seen_at: Date }>(
        'SELECT hub_id, first_seen_at FROM central_hubs WHERE first_seen_at < $1',
        [new Date(knownBy)],
      );
      const silentRows = await pool.query<{ hub_id: string }>(
        `SELECT h.hub_id FROM central_hubs h
         WHERE h.status <> '${RETIRED}' AND h.last_seen_at < $1
           AND (h.status = 'offline' OR EXISTS (SELECT 1 FROM central_alerts q WHERE q.hub_id = h.hub_id
             AND q.origin = 'centre' AND q.type = '${HUB_QUARANTINED}' AND q.state NOT IN ('resolved', 'cancelled')))`,
        [new Date(knownBy)],
      );
      return { hubRows, historyRows, featureStayRows, featureRows, firstSeenRows, silentRows };
    })(),
    (async () => {
      const alertStayRows = await pool.query<{ hub_id: string; home: string; first: Date; last: Date }>(
        `SELECT hub_id, home_id AS home, min(raised_at) AS first, max(raised_at) AS last FROM central_alerts
         WHERE origin = 'hub' AND raised_at < $1 AND home_id IS NOT NULL GROUP BY hub_id, home_id`,
        [new Date(knownBy)],
      );
      const alertRows = await pool.query<AlertRow>(
        `SELECT hub_id, alert_id, type, raised_at, alert FROM central_alerts
         WHERE origin = 'hub' AND raised_at >= $1 AND raised_at < $2 ORDER BY raised_at`,
        [new Date(fromMs), new Date(knownBy)],
      );
      const openBeforeRows = await pool.query<AlertRow>(
        `SELECT hub_id, alert_id, type, raised_at, alert FROM central_alerts
         WHERE origin = 'hub' AND type = 'routine-change' AND raised_at < $1 AND alert->>'lastSeenAt' >= $2
         ORDER BY raised_at`,
        [new Date(fromMs), new Date(fromMs).toISOString()],
      );
      const fallsBeforeRows = await pool.query<AlertRow>(
        `SELECT hub_id, alert_id, type, raised_at, alert FROM central_alerts
         WHERE origin = 'hub' AND type = 'fall' AND raised_at >= $1 AND raised_at < $2`,
        [new Date(fromMs - DAY_MS), new Date(fromMs)],
      );
      return { alertStayRows, alertRows, openBeforeRows, fallsBeforeRows };
    })(),
  ]);
  // A hub retired with `--replaced-by` (session 63): its homes are the new box's (the same home ids, so the same
  // pseudonyms); counted under the hub now in them, a home and a day once whichever box sent it.
  const replacedBy = new Map(
    hubRows.rows.flatMap((r) => (r.replaced_by === null ? [] : [[r.hub_id, r.replaced_by] as const])),
  );
  const councilOf = new Map(hubRows.rows.map((r) => [r.hub_id, r.council]));
  /** The hub now in `hubId`'s homes, and how many replacements away it is (0: `hubId` itself). */
  const chainOf = (hubId: string): { current: string; hops: number } => {
    const seen = new Set<string>();
    let current = hubId;
    for (let next = replacedBy.get(current); next !== undefined && !seen.has(next); next = replacedBy.get(current)) {
      seen.add(current);
      current = next;
    }
    return { current, hops: seen.size };
  };
  const homesOf = (hubId: string): string => chainOf(hubId).current;
  // An analyst's report covers their council's hubs alone (review, session 68: one centre serving several councils
  // gave each council's analyst the others' figures too). A retired box given no council is its replacement's.
  // Each day and alert under the council its hub served then (review, session 69: a hub moved to another council took
  // its past with it; the old council's final report changed by exactly that hub's figures, and the new council read
  // homes it never served).
  const councilHistory = new Map<string, { since: number; council: string | null }[]>();
  for (const r of historyRows.rows) {
    const history = councilHistory.get(r.hub_id) ?? [];
    history.push({ since: r.since.getTime(), council: r.council });
    councilHistory.set(r.hub_id, history);
  }
  /** The council `hubId` served at `atMs`: by its history, or the one it has now when none is kept. */
  const councilAt = (hubId: string, atMs: number): string | null => {
    const history = councilHistory.get(hubId);
    if (history === undefined) return councilOf.get(hubId) ?? null;
    let council: string | null = null;
    for (const h of history) {
      if (h.since > atMs) break;
      council = h.council;
    }
    return council;
  };
  const inScopeAt = (hubId: string, atMs: number): boolean =>
    input.council === undefined || (councilAt(hubId, atMs) ?? councilAt(homesOf(hubId), atMs)) === input.council;
  /** The first instant of `[startMs, endMs)` at which `hubId` served the council (every instant without one). */
  const firstInScope = (hubId: string, startMs: number, endMs: number): number | undefined => {
    if (input.council === undefined) return startMs;
    const changes = [...(councilHistory.get(hubId) ?? []), ...(councilHistory.get(homesOf(hubId)) ?? [])]
      .map((h) => h.since)
      .filter((at) => at > startMs && at < endMs)
      .sort((x, y) => x - y);
    return [startMs, ...changes].find((at) => inScopeAt(hubId, at));
  };
  /** Whether `hubId` served the council at some instant of `[startMs, endMs)`. */
  const inScopeDuring = (hubId: string, startMs: number, endMs: number): boolean =>
    firstInScope(hubId, startMs, endMs) !== undefined;
  const dayOf = (date: string): number => Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
  /** The instant a feature day (the home's local date) counts at: its start in the report's zone. */
  const dayStart = (date: string): number => zone.instantOf(dayOf(date), 0);
  const scopedAlerts = (rows: readonly AlertRow[]): AlertRow[] =>
    rows.filter((r) => inScopeAt(r.hub_id, r.raised_at.getTime()));
  // A home moved to another hub without a box retired (review, session 68): its stays at each hub (every day and alert
  // known by `knownBy`, so that a final report never changes) joined into one home when one follows the other.
  /** Stays under the hub now in their homes (a replaced box's and its replacement's are one stay). */
  const staysOf = (rows: readonly { hub_id: string; home: string; first: number; last: number }[]): Stay[] => {
    const merged = new Map<string, Stay>();
    for (const r of rows) {
      const hubId = homesOf(r.hub_id);
      const key = stayKey(hubId, r.home);
      const kept = merged.get(key);
      merged.set(key, {
        hubId,
        key: r.home,
        first: Math.min(kept?.first ?? r.first, r.first),
        last: Math.max(kept?.last ?? r.last, r.last),
      });
    }
    return [...merged.values()];
  };
  const moved = movedHomes(
    staysOf(
      featureStayRows.rows
        .filter((r) => inScopeDuring(r.hub_id, dayStart(r.first), zone.instantOf(dayOf(r.last) + 1, 0)))
        .map((r) => ({ ...r, first: dayOf(r.first), last: dayOf(r.last) })),
    ),
    staysOf(
      alertStayRows.rows
        .filter((r) => inScopeDuring(r.hub_id, r.first.getTime(), r.last.getTime() + 1))
        .map((r) => ({
          ...r,
          first: zone.dayNumber(r.first.getTime()),
          last: zone.dayNumber(r.last.getTime()),
        })),
    ),
  );
  /** The hub a home is counted under: the one now in it (`homesOf`), or the first it was heard from before it moved. */
  const featureHomeOf = (hubId: string, home: string): string => {
    const current = homesOf(hubId);
    return `${moved.features.countedUnder.get(stayKey(current, home)) ?? current}\u0000${home}`;
  };
  const alertHubOf = (hubId: string, homeId: string): string => {
    const current = homesOf(hubId);
    return moved.alerts.countedUnder.get(stayKey(current, homeId)) ?? current;
  };
  // A box that replaced another with its data carried over (its learned baselines kept) restates the alerts open at the
  // swap under its own hub id, while the old box's copy was cancelled by the retirement: one alert, counted once, as the
  // box nearest the one now in the homes last told it (review, session 67: each counted under both boxes).
  // Its home is counted under the hub `alertHubOf` says (a home moved to another hub: one home, review, session 68).
  const reportAlerts = (rows: readonly AlertRow[]): Alert[] => {
    const copies = new Map<string, AlertRow>();
    for (const row of rows) {
      const key = `${homesOf(row.hub_id)}\u0000${row.alert_id}`;
      const kept = copies.get(key);
      if (kept === undefined || chainOf(row.hub_id).hops < chainOf(kept.hub_id).hops) copies.set(key, row);
    }
    return [...copies.values()].map((r) => {
      const homeId = typeof r.alert.homeId === 'string' ? r.alert.homeId : '';
      return asKnownAt(asReportAlert(r, homesOf(r.hub_id), alertHubOf(r.hub_id, homeId)), knownBy);
    });
  };
  // A day the hub found the home in away mode (`"away": true`, hub/uplink-features.ts) is no day monitored: a flat empty
  // all month, its resident in hospital, its thermometer still reporting, counted as a home monitored (review, session
  // 65; the hub's own report leaves those days out since session 64). Its hub still counts among the hubs.
  const inScopeRows = featureRows.rows.filter((r) => inScopeAt(r.hub_id, dayStart(r.day)));
  const monitored = inScopeRows.filter((r) => !r.away);
  const features = [
    ...new Map(
      monitored.map((r) => {
        const home = featureHomeOf(r.hub_id, r.home);
        return [`${home}\u0000${r.day}`, { home, day: dayOf(r.day) }];
      }),
    ).values(),
  ];
  const hubsOfHome = new Map<string, Set<string>>();
  for (const r of monitored) {
    const home = featureHomeOf(r.hub_id, r.home);
    hubsOfHome.set(home, (hubsOfHome.get(home) ?? new Set()).add(r.hub_id));
  }
  const homesMoved = [...hubsOfHome.values()].filter((hubs) => hubs.size > 1).length;
  const withFollowUp = reportAlerts(scopedAlerts(alertRows.rows));
  // A routine-change alert raised before the period and seen in it may hold flags made in the period. Its lastSeenAt is
  // the hub's ISO time (compared as text: a malformed one from a hub is left out rather than failing the query).
  const openBefore = reportAlerts(scopedAlerts(openBeforeRows.rows));
  // A fall raised the day before the period and still open may be the fall of a possible fall in it, as in the hub's
  // report (review, session 67: a period begun at midnight counted the resident still on the floor again).
  const fallsBefore = reportAlerts(scopedAlerts(fallsBeforeRows.rows));
  // Hubs that may still send what they knew before knownBy (review, session 68: a report said "Final" while a scheme's
  // hub, cut off since the period, still held its days and calls queued; they changed it when it came back).
  // A hub that served the council in the period (its queued days and calls are the council's) though it has moved since.
  const silentHubs = silentRows.rows.filter((r) => inScopeDuring(r.hub_id, fromMs, knownBy)).length;
  const hubsWithDays = new Set(inScopeRows.map((r) => r.hub_id));
  const hubsWithAlerts = new Set(
    scopedAlerts(alertRows.rows)
      .filter((r) => r.raised_at.getTime() < toMs)
      .map((r) => r.hub_id),
  );
  const hubs = new Set([...hubsWithDays, ...hubsWithAlerts]);
  const hubsWithoutFeatures = [...hubsWithAlerts].filter((h) => !hubsWithDays.has(h)).length;

  // Where the record of the report's hubs begins (review, session 76): a period before any of them was heard (a council
  // whose hubs were connected since, or in its third week) read as weeks of no fall and no alert, "Final".
  const firstHeard = new Map<string, number>();
  const heard = (hubId: string, atMs: number): void => {
    firstHeard.set(hubId, Math.min(firstHeard.get(hubId) ?? Infinity, atMs));
  };
  for (const r of firstSeenRows.rows) heard(r.hub_id, r.first_seen_at.getTime());
  for (const r of featureStayRows.rows) heard(r.hub_id, dayStart(r.first));
  for (const r of alertStayRows.rows) heard(r.hub_id, r.first.getTime());
  let recordStartMs = Infinity;
  for (const [hubId, atMs] of firstHeard) {
    const from = firstInScope(hubId, atMs, knownBy);
    if (from !== undefined) recordStartMs = Math.min(recordStartMs, from);
  }
  const recordStartDay = Number.isFinite(recordStartMs) ? zone.dayNumber(recordStartMs) : Infinity;
  const recordStart = recordStartDay > range.to ? range.to + 1 : Math.max(range.from, mondayOf(recordStartDay));
  const recordStartsOn = recordStart > range.from ? isoDay(recordStart) : null;

  const withFollowUpByHome = alertsByHome(withFollowUp);
  // An analyst's report (session 76): no count about people of a week of 1 to 7 homes.
  const fewHomes = input.withholdFewHomes === true;
  const weeks: PeriodFigures[] = [];
  /**
   * Each month of weeks of the period (clipped to it), and every cell its weeks publish their alerts, falls and flags
   * in: outcomes are published month by month against them (session 72).
   */
  const months = new Map<number, { from: number; to: number; cells: BreakdownCells; withheld: boolean }>();
  for (let monday = mondayOf(range.from); monday <= range.to; monday += 7) {
    const [from, to] = [Math.max(monday, range.from), Math.min(monday + 6, range.to)];
    const week = figures(from, to, features, withFollowUp, withFollowUpByHome, openBefore, fallsBefore, zone, null);
    // A week of 1 to 7 homes, for an analyst (session 76): every count `*`, 0 included ("falls `*`" of a one-home
    // week was that resident's fall); its cells read as 0 to 7 by the bounds.
    const withheld = fewHomes && week.figures.homesMonitored === '*';
    if (withheld) {
      week.figures = { ...week.figures, ...withheldFigures(week.figures, 'none') };
      week.cells.alerts = withheldCells(week.cells.alerts);
      week.cells.falls = withheldCells(week.cells.falls);
      week.cells.flags = withheldCells(week.cells.flags);
    }
    // Nothing of a week from knownBy on is read (session 76): said, so that its zeros are not taken for a quiet week.
    weeks.push(from >= knownByDay ? { ...week.figures, notYetKnown: true } : week.figures);
    const first = monthOfWeeks(monday).first;
    const month = months.get(first) ?? {
      from,
      to,
      withheld: false,
      cells: {
        alerts: [],
        falls: [],
        flags: [],
        alertBounds: { atLeast: 0, slack: 0 },
        flagBounds: { atLeast: 0, slack: 0 },
      },
    };
    month.to = to;
    month.withheld ||= withheld;
    month.cells.alerts.push(...week.cells.alerts);
    month.cells.falls.push(...week.cells.falls);
    month.cells.flags.push(...week.cells.flags);
    month.cells.alertBounds.atLeast += week.cells.alertBounds.atLeast;
    month.cells.alertBounds.slack += week.cells.alertBounds.slack;
    month.cells.flagBounds.atLeast += week.cells.flagBounds.atLeast;
    months.set(first, month);
  }
  const monthOutcomes = [...months.values()].map((m) => {
    const month = figures(
      m.from,
      m.to,
      features,
      withFollowUp,
      withFollowUpByHome,
      openBefore,
      fallsBefore,
      zone,
      m.cells,
    ).figures;
    // A month's outcomes count its withheld weeks' alerts too, and set against its other weeks' kinds they told whether
    // a withheld week had any (weeks of 0 falls shown, and a fall's outcome `*`): withheld with it (session 76), and so
    // the whole period's, as a month's withheld for its links (session 72).
    return m.withheld
      ? {
          ...month,
          outcomes: null,
          falls: { ...month.falls, outcomes: null },
          routineChanges: { ...month.routineChanges, outcomes: null },
        }
      : month;
  });
  // Every figure that adds up over weeks is the weeks' published figures added up (review, session 70); outcomes are
  // the months' (session 72).
  const added = wholePeriod(
    weeks,
    figures(range.from, range.to, features, withFollowUp, withFollowUpByHome, openBefore, fallsBefore, zone, null)
      .figures,
    monthOutcomes,
  );
  // For an analyst (session 76): a period of 1 to 7 homes is withheld whole; one holding a withheld week, the figure
  // that is the period's own and not its weeks' added up (the median time to acknowledge: a number where the weeks'
  // shown urgent alerts are 0 told that a withheld week had 8 or more), `*`.
  const anyWithheld = fewHomes && [...months.values()].some((m) => m.withheld);
  const total: PeriodFigures =
    fewHomes && added.homesMonitored === '*'
      ? { ...added, ...withheldFigures(added, 'none') }
      : anyWithheld
        ? { ...added, acknowledgement: { ...added.acknowledgement, medianSeconds: '*' } }
        : added;
  return {
    report: 'council',
    period: { from: input.from, to: input.to, timezone },
    council: input.council ?? null,
    generatedAt: new Date(nowMs).toISOString(),
    knownBy: new Date(knownBy).toISOString(),
    final: knownByDay === followUpEndDay && silentHubs === 0,
    silentHubs: suppressCount(silentHubs),
    hubsWithoutFeatures: suppressCount(hubsWithoutFeatures),
    disclosure: disclosure(timezone, input.council ?? null) + (fewHomes ? ` ${FEW_HOMES_DISCLOSURE}` : ''),
    hubs: suppressCount(hubs.size),
    homesMoved: suppressCount(homesMoved),
    recordStartsOn,
    weeks,
    total,
  };
}

/**
 * One row per published figure and week (`all` for the whole period): `week,section,item,measure,value`; the homes
 * heard from two hubs and counted once (`homesMoved`) in the `all` rows.
 */
export function councilCsv(report: CouncilReport): string {
  const rows: (string | number | null)[][] = [['week', 'section', 'item', 'measure', 'value']];
  for (const [week, f] of [...report.weeks.map((w) => [w.from, w] as const), ['all', report.total] as const]) {
    const add = (section: string, item: string, measure: string, value: string | number | null): void => {
      rows.push([week, section, item, measure, value]);
    };
    add('period', 'from', 'date', f.from);
    add('period', 'to', 'date', f.to);
    // A week from knownBy on (session 76): nothing of it counted yet.
    if (f.notYetKnown === true) add('report', 'status', 'known', 'not yet');
    if (week === 'all') {
      // What the figures stand for, in the file itself (review, session 68: a CSV said neither its zone, nor what it
      // knew, nor that it was provisional; exported mid-follow-up and published, it differed from the final figures).
      add('period', 'timezone', 'name', report.period.timezone);
      if (report.council !== null) add('period', 'council', 'name', report.council);
      add('report', 'known-by', 'instant', report.knownBy);
      add('report', 'status', 'final', report.final ? 'final' : 'provisional');
      // Where the record of the report's hubs begins, empty when it covers the period (session 76).
      add('report', 'record', 'startsOn', report.recordStartsOn ?? '');
      add('summary', 'hubs', 'reporting', report.hubs);
      add('summary', 'hubs', 'silent', report.silentHubs);
      add('summary', 'hubs', 'withoutFeatures', report.hubsWithoutFeatures);
    }
    add('summary', 'homes', 'monitored', f.homesMonitored);
    add('summary', 'home-days', 'count', f.homeDays);
    // Homes heard from two hubs and counted once (session 68): said for the whole period, where they were joined.
    if (week === 'all') add('summary', 'homes', 'moved', report.homesMoved);
    addAlertFigureRows(f, add);
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
