// The home view: a home's daily activity features over the last weeks, as small charts.
import { api, daysAgo, el, startPageWhenReachable } from '/assets/common.js';
import { barChart, bedtimeMinutes, clockMinutes, formatClock, lineChart, shortDay } from '/assets/charts.js';

const form = document.getElementById('pick');
const message = document.getElementById('message');
const charts = document.getElementById('charts');
const week = document.getElementById('week');

/**
 * A day not over yet (`inProgress`: today) is drawn apart and named "so far" (review, session 60); a day the hub was off
 * for part of (`hubOffMinutes`) too, named "partial": nothing listened then (review, session 61); and a day the home was
 * in away mode (`away`), named "away": nobody was at home (review, session 64).
 */
function points(days, pick) {
  return days.map((d) => ({
    label: shortDay(d.date),
    fullLabel: d.inProgress
      ? `${d.date} (so far)`
      : d.hubOffMinutes
        ? `${d.date} (partial: ${hubOff(d)})`
        : d.away
          ? `${d.date} (away)`
          : d.date,
    value: d.missing ? null : pick(d),
    soFar: d.inProgress === true,
    partial: !d.inProgress && (d.hubOffMinutes > 0 || d.away === true),
    away: !d.inProgress && !(d.hubOffMinutes > 0) && d.away === true,
  }));
}

/** "hub off 6 h" */
function hubOff(day) {
  const minutes = day.hubOffMinutes;
  return minutes < 90 ? `hub off ${minutes} min` : `hub off ${Math.round(minutes / 60)} h`;
}

/**
 * Every date from the first day to the last, a date the hub answered no day for (nothing heard from the home: the hub
 * off, its sensors silent) as `{ date, missing: true }`: a gap in the charts. Session 59: the days either side of it
 * were drawn side by side, the rising-time line joined across it.
 */
function everyDate(days) {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const out = [];
  const last = Date.parse(`${days[days.length - 1].date}T00:00:00Z`);
  for (let ms = Date.parse(`${days[0].date}T00:00:00Z`); ms <= last; ms += 86_400_000) {
    const date = new Date(ms).toISOString().slice(0, 10);
    out.push(byDate.get(date) ?? { date, missing: true });
  }
  return out;
}

/** The date `days` days before today in `timeZone`, YYYY-MM-DD (the UTC date, as `daysAgo`, if the zone is unknown). */
function localDaysAgo(timeZone, days) {
  try {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    const ms = Date.parse(`${today.format(new Date())}T00:00:00Z`) - days * 86_400_000;
    return new Date(ms).toISOString().slice(0, 10);
  } catch {
    return daysAgo(days);
  }
}

/** The middle value of `values` (numbers), or null when there is none. */
function median(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * "around 22:30 (latest 23:50 on 14 Nov)": the middle of the clock times `minutesOf` gives for `days` (null when none
 * is known), and the latest of them when it is not that time: a late night is what a care worker looks for.
 */
function usually(days, minutesOf) {
  const seen = days.map((d) => ({ date: d.date, minutes: minutesOf(d) })).filter((t) => t.minutes !== null);
  const middle = median(seen.map((t) => t.minutes));
  if (middle === null) return null;
  const latest = seen.reduce((a, b) => (b.minutes > a.minutes ? b : a));
  return (
    `around ${formatClock(middle)}` +
    (formatClock(latest.minutes) !== formatClock(middle)
      ? ` (latest ${formatClock(latest.minutes)} on ${shortDay(latest.date)})`
      : '')
  );
}

/** "1 day: 14 Nov", "2 days: 14 Nov, 15 Nov". */
function daysList(dates) {
  return `${dates.length} ${dates.length === 1 ? 'day' : 'days'}: ${dates.map(shortDay).join(', ')}`;
}

/**
 * The week at a glance, above the charts (review, session 65, round 3): on a phone the home view is eight charts, about
 * 2,500 px at 375 px, with no line saying how the week went; a care worker scrolled through all of them to find it.
 * From the days the page already has (`everyDate`'s, every date of the period): the last seven, their alerts, the
 * nights (bedtime and rising time, the middle of those seen), the days away, the days the hub was off for part of and
 * the days nothing was heard. A heading and a list, as a screen reader reads them.
 */
function showWeek(allDays) {
  const days = allDays.slice(-7);
  const known = days.filter((d) => !d.missing);
  const last = days[days.length - 1];
  document.getElementById('week-title').textContent =
    `Last ${days.length} ${days.length === 1 ? 'day' : 'days'}: ${shortDay(days[0].date)} to ${shortDay(last.date)}` +
    (last.inProgress ? ' (so far)' : '');
  const alerts = known.reduce((sum, d) => sum + (d.alerts || 0), 0);
  const bed = usually(known, (d) => bedtimeMinutes(d.bedtime));
  const up = usually(known, (d) => clockMinutes(d.risingTime));
  const nights =
    bed === null && up === null
      ? 'Nights: no bedtime or rising time seen'
      : `Nights: ${[bed === null ? null : `to bed ${bed}`, up === null ? null : `up ${up}`].filter(Boolean).join(', ')}`;
  const away = known.filter((d) => d.away === true).map((d) => d.date);
  const hubOffDays = known.filter((d) => d.hubOffMinutes > 0).map((d) => d.date);
  const unheard = days.filter((d) => d.missing).map((d) => d.date);
  const lines = [
    alerts ? `${alerts} ${alerts === 1 ? 'alert' : 'alerts'}` : 'No alerts',
    nights,
    away.length ? `Away ${daysList(away)}` : 'Away: no day',
    hubOffDays.length ? `Hub off for part of ${daysList(hubOffDays)}` : 'Hub off: no day',
    ...(unheard.length ? [`Nothing heard on ${daysList(unheard)}`] : []),
  ];
  document.getElementById('week-list').replaceChildren(...lines.map((line) => el('li', {}, line)));
  week.hidden = false;
}

/** The latest choice of home and period: an answer to an earlier one (slower, or the home changed) is dropped. */
let asked = 0;

async function show() {
  const homeId = form.home.value;
  if (!homeId) return;
  const mine = ++asked;
  const url = `/api/homes/${encodeURIComponent(homeId)}/activity?from=${form.from.value}&to=${form.to.value}`;
  history.replaceState(null, '', `?home=${encodeURIComponent(homeId)}&from=${form.from.value}&to=${form.to.value}`);
  message.textContent = 'Loading…';
  charts.replaceChildren();
  week.hidden = true;
  try {
    let days = await api(url);
    // A newer choice was made while this answer was on its way: its answer is the one to show, not this one.
    if (mine !== asked) return;
    const unheard = days.length ? everyDate(days).length - days.length : 0;
    const soFar = days.find((d) => d.inProgress);
    const partial = days.filter((d) => !d.inProgress && d.hubOffMinutes > 0).length;
    const away = days.filter((d) => !d.inProgress && d.away === true).length;
    message.textContent = days.length
      ? `${days.length} ${days.length === 1 ? 'day' : 'days'} of ${homeId}` +
        (unheard ? `; nothing heard from the home on ${unheard} ${unheard === 1 ? 'day' : 'days'}` : '') +
        (soFar ? `; ${shortDay(soFar.date)} is not over: its figures so far (paler)` : '') +
        (partial
          ? `; the hub was off for part of ${partial} ${partial === 1 ? 'day: its' : 'days: their'} figures are ` +
            'partial (paler)'
          : '') +
        (away
          ? `; the home was set away on ${away} ${away === 1 ? 'day' : 'days'}: not the routine of a resident at home ` +
            '(paler)'
          : '')
      : 'No activity recorded in this period: no sensor of this home was heard in it. Charts appear from the first ' +
        "sensor event (today's figures so far, paler, until the day ends with the home's night). If sensors were " +
        'fitted days ago, check Device setup.';
    if (!days.length) return;
    days = everyDate(days);
    showWeek(days);
    const clock = { format: formatClock, unit: 'Time', clock: true };
    charts.append(
      barChart(
        'Active minutes',
        points(days, (d) => d.activeMinutes),
        { unit: 'Minutes' },
      ),
      barChart(
        'Bathroom visits at night',
        points(days, (d) => d.bathroomVisitsNight),
        { unit: 'Visits' },
      ),
      lineChart(
        'Rising time',
        points(days, (d) => clockMinutes(d.risingTime)),
        clock,
      ),
      lineChart(
        'Bedtime',
        points(days, (d) => bedtimeMinutes(d.bedtime)),
        clock,
      ),
      barChart(
        'Night-time activity (minutes)',
        points(days, (d) => d.nightActivityMinutes),
        { unit: 'Minutes' },
      ),
      barChart(
        'Minutes out of home',
        points(days, (d) => d.minutesOut),
        { unit: 'Minutes' },
      ),
      barChart(
        'Kitchen and appliance uses',
        points(days, (d) => d.kitchenUses),
        { unit: 'Uses' },
      ),
      lineChart(
        'Mean indoor temperature (°C)',
        points(days, (d) => d.meanIndoorTempC),
        { format: (v) => v.toFixed(1), unit: '°C', fit: true },
      ),
    );
  } catch (err) {
    if (mine === asked) message.textContent = err.message;
  }
}

/** How long the page waits before it asks for the configured homes again after a failed read. */
const RETRY_MS = 10_000;

/**
 * The configured homes, asked again every RETRY_MS until the hub answers: a failed first read (the hub restarting, the
 * Wi-Fi dropping as the page opened) left the page on "Loading…" for good, its error shown nowhere (review, session 50).
 */
async function configuredHomes() {
  for (;;) {
    try {
      return await api('/api/homes');
    } catch (err) {
      message.textContent = `${err.message} Trying again in ${RETRY_MS / 1000} s.`;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

async function start() {
  // Who is logged in, asked again the same way: the page's first question failing left the form empty and nothing
  // said, for good (review, session 65, round 2; session 50 mended the homes' read only).
  await startPageWhenReachable({
    everyMs: RETRY_MS,
    waiting: (err) => (message.textContent = `${err.message} Trying again in ${RETRY_MS / 1000} s.`),
  });
  const params = new URLSearchParams(location.search);
  form.from.value = params.get('from') || daysAgo(27);
  form.to.value = params.get('to') || daysAgo(0);
  const homes = await configuredHomes();
  for (const home of homes) form.home.append(new Option(home.id, home.id));
  // A home asked for that is not configured (a link kept from before it was renamed or removed) is said, and no other
  // home's charts shown in its place: the page showed nothing at all, no home chosen (review, session 62).
  const unknown = params.get('home') && !homes.some((h) => h.id === params.get('home')) ? params.get('home') : '';
  if (params.get('home') && !unknown) form.home.value = params.get('home');
  // The dates are the home's local dates: by default the four weeks ending today there, not in UTC (review, session
  // 61: at 09:00 in Sydney the page asked for the days up to yesterday, and the day under way was not shown).
  const zone = homes.find((h) => h.id === form.home.value)?.timezone;
  if (zone) {
    if (!params.get('from')) form.from.value = localDaysAgo(zone, 27);
    if (!params.get('to')) form.to.value = localDaysAgo(zone, 0);
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    show();
  });
  // Where homes come from, for an installer on a new hub (review, session 60: "No homes configured." alone).
  if (!homes.length)
    message.replaceChildren(
      "No home is configured yet: homes are set in the hub's configuration file (",
      el('a', { href: '/devices' }, 'Device setup'),
      " says how). A home's charts appear here from the day after its sensors are first heard.",
    );
  else if (unknown)
    message.textContent = `No home "${unknown}" is configured (renamed or removed?): choose a home and press Show.`;
  else show();
}

start().catch((err) => {
  // Not logged in: the page is on its way to the login.
  if (err.status !== 401) message.textContent = err.message;
});
