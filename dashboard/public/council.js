// The council view: the prevention report drawn from its JSON (counts as charts, lists as tables), and its CSV.
import { api, daysAgo, el, foldedDisclosure, startPageWhenReachable } from '/assets/common.js';
import { categoryChart, longDay, longDayAndTime } from '/assets/charts.js';
import { OUTCOMES } from '/assets/alert-cards.js';

const form = document.getElementById('period');
const message = document.getElementById('message');

/** `routineChanges followedByAlert` → "Routine changes followed by alert". */
function title(key) {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([a-z])(\d)/g, '$1 $2') // within60s → within 60s
    .replace(/[-_]/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A council officer's words for the figures whose keys say them badly (review, session 60: "Falls fall", "Falls
 * possible fall", "Routine changes follow up days", "Acknowledgement alerts"), by their place in the report; other
 * figures keep the words of their keys. The CSV and JSON keep the keys (for programs).
 */
const FIGURE_WORDS = {
  'acknowledgement severities': 'Answer times count alerts of severity',
  'acknowledgement alerts': 'Alerts of those severities needing an answer',
  'acknowledgement within60s': 'Acknowledged within 60 seconds',
  'acknowledgement within180s': 'Acknowledged within 3 minutes',
  'acknowledgement shareWithin60s': 'Share acknowledged within 60 seconds',
  'acknowledgement shareWithin180s': 'Share acknowledged within 3 minutes',
  'acknowledgement medianSeconds': 'Median time to acknowledge (seconds)',
  hubOffDays: 'Days the hub was off for 15 minutes or more (their figures are partial)',
  'falls total': 'Falls and possible falls',
  'falls fall': 'Falls reported by a wearable or fall sensor',
  'falls possibleFall': 'Possible falls (found from a silence after activity)',
  'falls outcomes': 'Outcomes of falls',
  'routineChanges flags': 'Routine changes flagged',
  'routineChanges byFeature': 'Routine changes by habit',
  'routineChanges followUpDays': 'Days followed after each flag',
  'routineChanges followedByAlert': 'Flags followed by an alert in those days',
  'routineChanges followedByFall': 'Flags followed by a fall in those days',
  'routineChanges followedByIntervention': 'Flags followed by an intervention in those days',
  'routineChanges outcomes': 'Outcomes of routine-change flags',
};

/** The habits of SPEC 7 as the home view's charts name them (at most 20 characters: the chart's label room). */
const HABIT_WORDS = {
  bathroomVisitsNight: 'Bathroom at night',
  bathroomVisitsDay: 'Bathroom by day',
  activeMinutes: 'Active minutes',
  roomTransitions: 'Moves between rooms',
  risingTime: 'Rising time',
  bedtime: 'Bedtime',
  nightActivityMinutes: 'Night-time activity',
  minutesOut: 'Time out of home',
  kitchenUses: 'Kitchen use',
  meanIndoorTempC: 'Indoor temperature',
};

/** A category of a chart of counts in words: an alert kind ("Possible fall"), an outcome, a habit. */
function categoryWords(category) {
  if (category === 'co') return 'CO';
  if (category === 'open') return 'Still open';
  if (category === 'cancelled') return 'Cancelled by the hub';
  return OUTCOMES.find(([value]) => value === category)?.[1] ?? HABIT_WORDS[category] ?? title(category);
}

const words = (name) => FIGURE_WORDS[name] ?? title(name);

const isCount = (v) => typeof v === 'number' || v === '*';
const isScalar = (v) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** The report's time zone (its period's), for the time it was generated; the viewer's until a report says. */
let reportZone;

/**
 * What the page says of outcomes the report withholds (null, review, session 72): a breakdown of fewer than two
 * outcomes, or one that with the counts by kind would leave one possible total.
 */
const WITHHELD =
  'Not published for this period (see “Disclosure”: outcomes are withheld where they could give away counts shown as *)';

/**
 * Shares (0..1) as percentages; the generation time as a date and time ("2 Dec 2026, 04:31 GMT", in the report's
 * zone); a date as "1 Sep 2026" (session 36: the summary said "2026-09-01" under charts saying "7 Oct"); everything
 * else as it comes.
 */
function shown(key, value) {
  // Outcomes withheld (review, session 72): said, not shown as a figure that is missing.
  if (value === null && key === 'outcomes') return WITHHELD;
  if (value === null || value === undefined) return '—';
  if (key === 'generatedAt' && typeof value === 'string') return longDayAndTime(value, reportZone);
  if (typeof value === 'string') return longDay(value);
  if (typeof value === 'number' && /share/i.test(key)) return `${Math.round(value * 100)} %`;
  return String(value);
}

function countsChart(key, counts) {
  // Categories with nothing in them are left out of the bars (the table of numbers still lists them).
  const points = Object.entries(counts)
    .filter(([, v]) => v !== 0)
    .map(([category, value]) => ({ label: categoryWords(category), value, shown: value }));
  if (!points.length)
    return el(
      'section',
      { class: 'card' },
      el('h3', {}, words(key)),
      el('p', { class: 'muted' }, 'None in this period.'),
    );
  return categoryChart(words(key), points);
}

function rowsTable(key, rows) {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const text = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return el(
    'section',
    { class: 'card' },
    el('h3', {}, title(key)),
    el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        {},
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            columns.map((c) => el('th', { scope: 'col' }, title(c))),
          ),
        ),
        el(
          'tbody',
          {},
          rows.map((r) =>
            el(
              'tr',
              {},
              columns.map((c) => el('td', { 'data-label': title(c) }, text(r[c]))),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * The report's `recordEndsAt` in words (review, session 65, round 3): a report on a copy of the hub's database, or of
 * a hub that has not run since, ends where its record does. The page showed it as a figure named from its key ("Record
 * ends at", the instant as the JSON has it) and "—" for every live hub's report, while "Days the hub was off: 0" just
 * above read as a hub that ran all month. Said beside that figure (the report puts the two together); nothing is said
 * when the record covers the period.
 */
function recordEnds(iso) {
  return (
    `This record ends on ${longDayAndTime(iso, reportZone)}; the days after are not known (a copy of the hub’s ` +
    'database, or a hub that has not run since): they are not counted as days the hub was off.'
  );
}

/**
 * The report's `recordStartsAt` in words (the lead, session 65): a report of days before the hub ran (installed during
 * the period, or its first day) gave every count 0 with nothing saying the hub was not there yet.
 */
function recordStarts(iso) {
  return (
    `This record begins on ${longDayAndTime(iso, reportZone)}; the days before are not known (the hub was not ` +
    'running yet): their counts are not counts of nothing happening.'
  );
}

/**
 * The report's `knownBy` and `final` in words (review, session 76): an analyst's report of a month whose 14 days of
 * follow-up have not ended is provisional (what followed its flags, and its outcomes, may still change); once they
 * have, final. Anyone else's report is the hub's record as it is now.
 */
function status(iso, final) {
  if (typeof iso !== 'string') return 'As the hub knows it now: outcomes given later will change it.';
  const when = longDayAndTime(iso, reportZone);
  return final
    ? `Final: known by ${when}, the end of the 14 days of follow-up after the period; it will not change.`
    : `Provisional: what was known by ${when}; final once the 14 days of follow-up after the period have ended.`;
}

/**
 * The report's disclosure in a council officer's words (review, session 65, round 4): the JSON's says which of its keys
 * it means (`hubOffDays`, `recordEndsAt`, `recordStartsAt`) for the programs that read it, and it keeps them; the page
 * showed it as it is, three words in code in the line that says how the figures are protected. Here each is said as
 * this page names its figure, and any other key left in the text by its figure's name on this page.
 */
const DISCLOSURE_WORDS = [
  [
    '(hubOffDays, days the hub was off, counts days and is not rounded)',
    '(the days the hub was off are a count of days, not rounded)',
  ],
  ['recordEndsAt, when given,', '“Where this record ends”, when the report says it,'],
  ['recordStartsAt, when given,', '“Where this record begins”, when the report says it,'],
  ['knownBy, when given,', '“Status”, when it gives an instant,'],
  ['; final, the report', '; “Final”, the report'],
];
function disclosureWords(text) {
  let said = text;
  for (const [key, inWords] of DISCLOSURE_WORDS) said = said.replace(key, inWords);
  return said.replace(/\b[a-z]+[A-Z][A-Za-z0-9]*\b/g, (key) => `“${words(key)}”`);
}

/** What the page says of a period of 1 to 7 homes in an analyst's report (session 76). */
const FEW_HOMES =
  'Fewer than 8 homes were monitored in this period: no figure about people is shown (not even 0), so that nobody can be recognised.';
/** "2026-11" as "November 2026". */
function longMonth(month) {
  const [year, m] = month.split('-').map(Number);
  if (!year || !m) return month;
  return new Date(Date.UTC(year, m - 1, 1)).toLocaleDateString('en-GB', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/**
 * The months of an analyst's run held back for few homes, in words (review, session 77): the run's figures showed `*`
 * for the residents with and the median, and its totals left such a month out, with nothing on the page saying which
 * month or why.
 */
function monthsWithheld(months) {
  const named = months.map(longMonth);
  const list = named.length === 1 ? named[0] : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
  const one = months.length === 1;
  return (
    `Fewer than 8 homes were monitored in ${list}: ${one ? 'its' : 'their'} counts are not shown, and count as 0 in ` +
    `every total below (each could be up to 7 higher for ${one ? 'that month' : 'each such month'}); residents with ` +
    'an alert, a fall or a flag and the median time to acknowledge are not shown for the period, so that nobody can be ' +
    'recognised.'
  );
}

/** The report's figures about people, every one `*` in such a report. */
const PEOPLE = new Set([
  'residentsMonitored',
  'alerts',
  'acknowledgement',
  'outcomes',
  'falls',
  'routineChanges',
  'residentsWith',
]);

/** Walks the report: scalars to the summary list, maps of counts to charts, lists to tables, nested objects recursively. */
function render(report) {
  reportZone = typeof report.period?.timezone === 'string' ? report.period.timezone : undefined;
  const summary = el('dl', { class: 'card summary' });
  const charts = [];
  const tables = [];
  // An analyst's report (the one held back to `knownBy`) of a period of 1 to 7 homes publishes no count about people
  // (review, session 76): said in words, instead of a page of `*`.
  const fewHomes = typeof report.knownBy === 'string' && report.homesMonitored === '*';
  if (fewHomes) {
    summary.append(el('dt', {}, 'Figures about people'), el('dd', { id: 'few-homes' }, FEW_HOMES));
    charts.push(el('section', { class: 'card' }, el('h3', {}, 'Figures about people'), el('p', {}, FEW_HOMES)));
  }
  const walk = (obj, prefix) => {
    for (const [key, value] of Object.entries(obj)) {
      // The report's own kind ("prevention"): a word for programs, not a figure (session 36: "Report prevention").
      if (!prefix && key === 'report') continue;
      if (!prefix && fewHomes && PEOPLE.has(key)) continue;
      const name = prefix ? `${prefix} ${key}` : key;
      if (!prefix && key === 'recordEndsAt') {
        if (value) summary.append(el('dt', {}, 'Where this record ends'), el('dd', {}, recordEnds(value)));
        continue;
      }
      // Folded (review, session 77): about 450 words in bold between the period and the first figure, on every report;
      // the paragraph above the form says the gist, and the full text is one click away.
      if (!prefix && key === 'disclosure' && typeof value === 'string') {
        summary.append(el('dt', {}, words(name)), el('dd', {}, foldedDisclosure(disclosureWords(value))));
        continue;
      }
      // What the figures knew, in words (session 76): "Final" or "Provisional", not an instant and a true or false.
      if (!prefix && key === 'final') continue;
      if (!prefix && key === 'knownBy') {
        summary.append(el('dt', {}, 'Status'), el('dd', {}, status(value, report.final === true)));
        continue;
      }
      if (!prefix && key === 'withheldMonths') {
        if (Array.isArray(value) && value.length > 0)
          summary.append(el('dt', {}, 'Months not shown'), el('dd', { id: 'months-withheld' }, monthsWithheld(value)));
        continue;
      }
      if (!prefix && key === 'recordStartsAt') {
        if (value) summary.append(el('dt', {}, 'Where this record begins'), el('dd', {}, recordStarts(value)));
        continue;
      }
      if (isScalar(value)) summary.append(el('dt', {}, words(name)), el('dd', {}, shown(key, value)));
      else if (Array.isArray(value)) {
        if (value.length && value.every((v) => v && typeof v === 'object')) tables.push(rowsTable(name, value));
        else summary.append(el('dt', {}, words(name)), el('dd', {}, value.join(', ') || '—'));
      } else if (Object.values(value).length && Object.values(value).every(isCount))
        charts.push(countsChart(name, value));
      else walk(value, name);
    }
  };
  walk(report, '');
  document.getElementById('summary').replaceChildren(summary);
  document.getElementById('charts').replaceChildren(...charts);
  document.getElementById('tables').replaceChildren(...tables);
}

/** The latest period asked for: an answer to an earlier one (slower) is dropped. */
let asked = 0;
/** How long the page waits before asking the hub again when it could not reach it. */
const RETRY_MS = 10_000;

/** Says `text` in the page's status line, as an error or not. */
function say(text, isError = false) {
  message.textContent = text;
  message.classList.toggle('error', isError);
  message.classList.toggle('muted', !isError);
}

/** Whether asking again may mend `err`: the hub out of reach, or answering 5xx (restarting, busy). */
function passing(err) {
  return err.code === 'UNREACHABLE' || err.status >= 500;
}

/** Points the page's address and its CSV link at the form's period. */
function askFor() {
  const query = `from=${form.from.value}&to=${form.to.value}`;
  history.replaceState(null, '', `?${query}`);
  document.getElementById('csv').href = `/api/reports/prevention?${query}&format=csv`;
  return query;
}

/**
 * True while the form holds the days the page chose itself (opened with no dates in its address), not days anyone
 * asked for: the report's own period then takes their place (review, session 73: a council officer opening the page
 * first read "…, not 9 Sep 2026 to 7 Dec 2026 as asked" of days she never asked for).
 */
let datesPicked = false;

async function show() {
  const mine = ++asked;
  const query = askFor();
  say('Loading…');
  try {
    const report = await api(`/api/reports/prevention?${query}`);
    // A newer period was asked for while this answer was on its way: its answer is the one to show.
    if (mine !== asked) return;
    render(report);
    // An analyst's report covers whole months that have ended: say which period it is, not only what was asked.
    const period = report.period ?? { from: form.from.value, to: form.to.value };
    // And why it is not the one asked for (session 35: an analyst asking for 4 Sep to 2 Dec read "Report for
    // 2026-09-01 to 2026-11-30" under the form still saying 4 Sep to 2 Dec, and no word why).
    const moved = period.from !== form.from.value || period.to !== form.to.value;
    // Dates as the rest of the page says them ("1 Sep 2026", session 36).
    const [from, to] = [longDay(period.from), longDay(period.to)];
    if (moved && datesPicked) {
      // The page's own choice of days: the form, the address and the CSV link say the months reported instead.
      datesPicked = false;
      form.from.value = period.from;
      form.to.value = period.to;
      askFor();
      say(`Report for ${from} to ${to} (whole months that have ended, so that no single day can be told apart)`);
      return;
    }
    datesPicked = false;
    say(
      moved
        ? `Report for ${from} to ${to}: whole months that have ended, not ${longDay(form.from.value)} to ` +
            `${longDay(form.to.value)} as asked (so that no single day can be told apart)`
        : `Report for ${from} to ${to}`,
    );
  } catch (err) {
    if (mine !== asked) return;
    if (!passing(err)) {
      say(err.message, true);
      return;
    }
    // The hub out of reach or restarting: said, and asked again (unless another period is asked for meanwhile).
    say(`${err.message} Trying again in ${RETRY_MS / 1000} s.`, true);
    setTimeout(() => {
      if (mine === asked) show();
    }, RETRY_MS);
  }
}

/**
 * The page opened while the hub could not be reached (restarting, the Wi-Fi back a moment later) showed its form and
 * nothing else for good: its start failed, said nowhere, and nothing asked again (review, session 65, round 2). It now
 * says so in its status line and asks again every RETRY_MS until the report comes.
 */
async function start() {
  const params = new URLSearchParams(location.search);
  form.from.value = params.get('from') || daysAgo(89);
  form.to.value = params.get('to') || daysAgo(0);
  datesPicked = !params.get('from') && !params.get('to');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    datesPicked = false;
    show();
  });
  await startPageWhenReachable({
    everyMs: RETRY_MS,
    waiting: (err) => say(`${err.message} Trying again in ${RETRY_MS / 1000} s.`, true),
  });
  show();
}

start().catch((err) => {
  // Not logged in: the page is on its way to the login.
  if (err.status !== 401) say(err.message, true);
});
