// The council report over every hub, week by week: charts, the table of published figures, and its CSV.
import { api, daysAgo, el, foldedDisclosure, isoDate } from '/assets/common.js';
import { barChart, lineChart, longDay, shortDay } from '/assets/charts.js';
import { startPage } from '/assets/central-nav.js';

const form = document.getElementById('period');
const message = document.getElementById('message');
const charts = document.getElementById('charts');
const table = document.getElementById('table');

/** A published count as a bar: `*` (1 to 7) draws no bar, the table still shows it. */
const bar = (v) => (typeof v === 'number' ? v : null);
const shown = (v) => (v === null || v === undefined ? '—' : String(v));
const percent = (v) => (typeof v === 'number' ? `${Math.round(v * 100)} %` : shown(v));

const ROWS = [
  ['Homes monitored', (f) => shown(f.homesMonitored)],
  ['Home-days of data', (f) => shown(f.homeDays)],
  ['Alerts', (f) => shown(f.alerts.total)],
  ['Urgent alerts (critical, high)', (f) => shown(f.acknowledgement.alerts)],
  ['Acknowledged within 60 s', (f) => percent(f.acknowledgement.shareWithin60s)],
  ['Acknowledged within 180 s', (f) => percent(f.acknowledgement.shareWithin180s)],
  ['Median seconds to acknowledge', (f) => shown(f.acknowledgement.medianSeconds)],
  ['Falls and possible falls', (f) => shown(f.falls.total)],
  ['Routine-change flags', (f) => shown(f.routineChanges.flags)],
  ['… followed by an alert within 14 days', (f) => shown(f.routineChanges.followedByAlert)],
  ['… followed by an intervention', (f) => shown(f.routineChanges.followedByIntervention)],
  // Outcomes are published for the whole period only (session 72): a week's are null, shown as "—"; the whole
  // period's are null too when withheld (the disclosure below says when).
  ['Resolved: ambulance', (f) => shown(f.outcomes?.ambulance)],
  ['Resolved: hospital admission', (f) => shown(f.outcomes?.['hospital-admission'])],
  ['Resolved: false alarm', (f) => shown(f.outcomes?.['false-alarm'])],
];

/** What the page says of a week (or period) of 1 to 7 homes in an analyst's report (session 76). */
const FEW_HOMES = 'fewer than 8 homes: not shown, so that nobody can be recognised';

/**
 * Whether `f`, a week or the whole period of `report`, is withheld for its few homes (review, session 76): an
 * analyst's report (the only one given a council) publishes every count of a period of 1 to 7 homes as `*`, 0
 * included, so that its zeros do not tell a one-home week's fall. The page says so rather than a column of `*`.
 */
const fewHomes = (report, f) => report.council !== null && report.council !== undefined && f.homesMonitored === '*';

function draw(report) {
  const weeks = report.weeks;
  // A week from knownBy on (session 76): nothing of it is counted yet, so no bar and "not known yet", not zeros. A week
  // of fewer than 8 homes in an analyst's report: no bar, and said why.
  const points = (pick) =>
    weeks.map((w) => ({
      label: shortDay(w.from),
      fullLabel: `week from ${longDay(w.from)}${w.notYetKnown ? ' (not known yet)' : fewHomes(report, w) ? ` (${FEW_HOMES})` : ''}`,
      value: w.notYetKnown || fewHomes(report, w) ? null : pick(w),
    }));
  const withheld = weeks.filter((w) => fewHomes(report, w));
  // A council of fewer than 8 homes all the period (session 76): no counts at all, said plainly, not empty charts.
  const none = fewHomes(report, report.total);
  charts.replaceChildren(
    ...(none
      ? [
          el(
            'p',
            { id: 'few-homes-all' },
            'Fewer than 8 homes were monitored in this period: no figure about people is shown (not even 0), so that nobody can be recognised.',
          ),
        ]
      : []),
    ...(withheld.length && !none
      ? [
          el(
            'p',
            { id: 'few-homes' },
            `Weeks from ${withheld.map((w) => shortDay(w.from)).join(', ')}: ${FEW_HOMES} (not even 0). The whole period counts them as 0.`,
          ),
        ]
      : []),
    barChart(
      'Alerts per week',
      points((w) => bar(w.alerts.total)),
      { unit: 'Alerts', step: 'week' },
    ),
    barChart(
      'Homes monitored per week',
      points((w) => bar(w.homesMonitored)),
      { unit: 'Homes', step: 'week' },
    ),
    lineChart(
      'Share acknowledged within 60 s',
      points((w) => bar(w.acknowledgement.shareWithin60s)),
      {
        format: (v) => `${Math.round(v * 100)} %`,
        unit: 'Share',
        step: 'week',
      },
    ),
  );
  // "7 Oct", not "2026-10-07" (nor "10-07", which a British reader takes for 10 July); the year is the period's.
  const labels = [...weeks.map((w) => `Week from ${shortDay(w.from)}`), 'Whole period'];
  // The header says a week is not known yet; on a phone each cell's label is the week, and the cell says it.
  const all = [...weeks, report.total];
  const columns = labels.map((label, i) =>
    weeks[i]?.notYetKnown
      ? `${label} (not known yet)`
      : fewHomes(report, all[i])
        ? `${label} (fewer than 8 homes)`
        : label,
  );
  table.replaceChildren(
    el('h3', {}, `Hubs reporting: ${shown(report.hubs)}`),
    // Session 68: a home heard from two hubs (moved, or its box replaced) is one home; say how many were joined.
    el(
      'p',
      { id: 'homes-moved' },
      `Homes heard from two hubs and counted once (moved, or their box replaced): ${shown(report.homesMoved)}`,
    ),
    // Session 76: weeks before any hub of the report was heard are no data, not weeks of no fall and no alert.
    ...(typeof report.recordStartsOn === 'string'
      ? [
          el(
            'p',
            { id: 'record-starts' },
            report.recordStartsOn > report.period.to
              ? 'No hub of this report had been heard by the end of this period: there are no figures for it, and its zeros are no data, not weeks without falls or alerts.'
              : `No hub of this report had been heard before the week from ${longDay(report.recordStartsOn)}: the zeros of the weeks before it are no data, not weeks without falls or alerts.`,
          ),
        ]
      : []),
    // Session 68: a hub without the council's key sends alerts but no days: its homes are not among those monitored.
    ...(report.hubsWithoutFeatures !== undefined && report.hubsWithoutFeatures !== 0
      ? [
          el(
            'p',
            { id: 'hubs-without-features' },
            `Hubs that sent alerts but no daily features (no council key): ${shown(report.hubsWithoutFeatures)}. Their alerts count; their homes are not among the homes monitored, so figures per home read high.`,
          ),
        ]
      : []),
    el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { id: 'council-table' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', { scope: 'col' }, 'Figure'),
            columns.map((c) => el('th', { scope: 'col' }, c)),
          ),
        ),
        el(
          'tbody',
          {},
          ROWS.map(([name, pick]) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row' }, name),
              // On a phone the rows stack (style.css): each figure says which week it is for.
              all.map((f, i) =>
                el(
                  'td',
                  { 'data-label': labels[i] },
                  f.notYetKnown ? 'not known yet' : fewHomes(report, f) ? 'not shown (fewer than 8 homes)' : pick(f),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
    el(
      'p',
      { class: 'muted', id: 'status' },
      report.final
        ? `Final: known by ${report.knownBy.slice(0, 10)}, the end of the follow-up. `
        : report.silentHubs !== undefined && report.silentHubs !== 0
          ? // Session 68: a hub cut off since before knownBy still holds its days and calls queued for the centre.
            `Provisional: ${shown(report.silentHubs)} hub(s) silent since before ${report.knownBy.slice(0, 10)} may still send what they kept; final once each is heard again or retired. `
          : `Provisional: known by ${report.knownBy.slice(0, 10)}; final once the follow-up has ended. `,
    ),
    // Folded and in words (review, session 77): about 600 words under the table, with the JSON's keys in them
    // (knownBy, silentHubs, homesMoved, hubsWithoutFeatures, notYetKnown, recordStartsOn) that the page names otherwise.
    foldedDisclosure(disclosureWords(report.disclosure), 'disclosure muted'),
  );
}

/** The report's disclosure with the JSON's keys said as this page says them (session 77). */
const DISCLOSURE_WORDS = [
  ['at knownBy:', 'by the instant in the status line above:'],
  ['since before knownBy (silentHubs)', 'since before that instant (the hubs the status line says are silent)'],
  [', counted in homesMoved;', ', counted in “Homes heard from two hubs and counted once”;'],
  [' (hubsWithoutFeatures)', ' (said above the table when there are any)'],
  [
    'A week marked notYetKnown begins at or after knownBy',
    'A week marked “not known yet” begins at or after that instant',
  ],
  ['recordStartsOn, when given, is', 'Where the report says no hub had been heard before a week, that week is'],
];
function disclosureWords(text) {
  let said = String(text ?? '');
  for (const [key, inWords] of DISCLOSURE_WORDS) said = said.replace(key, inWords);
  return said;
}

/**
 * The latest period asked for (review, session 77): an answer to an earlier one that comes later (the page's own
 * default period, still being computed when the officer asked for another) is dropped, not drawn over the period asked
 * for, as the hub's Council page does.
 */
let asked = 0;

async function load() {
  const mine = ++asked;
  const query = `from=${form.from.value}&to=${form.to.value}`;
  document.getElementById('csv').href = `/api/reports/council?${query}&format=csv`;
  message.textContent = 'Loading…';
  try {
    const report = await api(`/api/reports/council?${query}`);
    if (mine !== asked) return;
    draw(report);
    // The period with its years, as every date on the council pages says it (session 36): the weeks' "7 Oct" below
    // leave the year to this line.
    const period = report.period ?? { from: form.from.value, to: form.to.value };
    // An analyst's report covers their council's hubs alone (session 68): said, so nobody reads it as the centre's.
    message.textContent = `Report for ${longDay(period.from)} to ${longDay(period.to)}${report.council ? `, hubs of the council ${report.council}` : ''}`;
  } catch (err) {
    if (mine === asked) message.textContent = err.message;
  }
}

form.from.value = daysAgo(56);
form.to.value = isoDate(new Date());
form.addEventListener('submit', (e) => {
  e.preventDefault();
  load();
});
startPage().then(load);
