// Small inline-SVG charts (bars and lines), each with a text alternative and its data as a table.
const NS = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 160;
// Room for "09:00" or "1000" at the labels' size (style.css: 13 units, at least 12 px on a 375 px phone).
const PAD = { left: 46, right: 8, top: 10, bottom: 32 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The top of a from-0 axis. `whole`: the values are counts (shown rounded): a top of 3, 5, 7 or 9 would put its middle
 * tick at 1.5 and label it "2" (session 35), so it goes up to the next even number; 1 stays 1 (no middle tick then).
 */
function niceMax(max, whole) {
  if (max <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  const top = Math.ceil(max / step) * step;
  return whole && step === 1 && top > 1 && top % 2 === 1 ? top + 1 : top;
}

/** A count's label: a whole number. The charts' default format; `whole` axes are those drawn with it. */
const WHOLE = (v) => String(Math.round(v));

/** A clock chart's axis: whole hours around the data (never from midnight, where no rising time or bedtime is). */
function clockRange(values) {
  if (!values.length) return { min: 0, max: 24 * 60 };
  const min = Math.floor((Math.min(...values) - 30) / 60) * 60;
  const max = Math.ceil((Math.max(...values) + 30) / 60) * 60;
  return { min, max };
}

/** An axis of whole units around the data (a temperature read from 0 °C flattens a cold week into a line). */
function fitRange(values) {
  if (!values.length) return { min: 0, max: 1 };
  return { min: Math.floor(Math.min(...values)) - 1, max: Math.ceil(Math.max(...values)) + 1 };
}

/** `scale`: 'zero' (bars: from 0), 'clock' (hours around the data) or 'fit' (whole units around the data). */
function frame(title, points, format, scale, step) {
  const whole = format === WHOLE;
  const values = points.map((p) => p.value).filter((v) => v !== null && v !== undefined);
  const { min, max } =
    scale === 'clock'
      ? clockRange(values)
      : scale === 'fit'
        ? fitRange(values)
        : { min: Math.min(0, ...values), max: niceMax(Math.max(0, ...values), whole) };
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': `${title}: ${summary(points, format, step)}`,
  });
  root.append(svg('title', {}, title));
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v) => PAD.top + plotH - ((v - min) / (max - min || 1)) * plotH;
  root.append(svg('line', { class: 'axis', x1: PAD.left, y1: y(min), x2: W - PAD.right, y2: y(min) }));
  // No tick whose label is not its value: a count axis of 0..1 once read "0 / 1 / 1" (0.5 rounded; session 35).
  const mid = (min + max) / 2;
  const ticks = whole && !Number.isInteger(mid) ? [min, max] : [min, mid, max];
  const labels = new Set();
  for (const tick of ticks) {
    const text = format(tick);
    if (labels.has(text)) continue;
    labels.add(text);
    root.append(svg('text', { x: PAD.left - 4, y: y(tick) + 4, 'text-anchor': 'end' }, text));
  }
  const n = Math.max(points.length, 1);
  const slot = (W - PAD.left - PAD.right) / n;
  // At most five day labels ("13 Nov" is about 40 units wide at 13): never touching each other.
  const labelEvery = Math.ceil(n / 5);
  points.forEach((p, i) => {
    if (i % labelEvery === 0)
      root.append(svg('text', { x: PAD.left + slot * (i + 0.5), y: H - 8, 'text-anchor': 'middle' }, p.label));
  });
  return { root, y, slot, min };
}

/**
 * What a screen reader hears of a chart. `step`: what each point is, 'day' or 'week' (the centre's council charts:
 * before session 36 their ten weeks were read out as "10 days").
 */
function summary(points, format, step) {
  const values = points.filter((p) => p.value !== null && p.value !== undefined);
  if (!values.length) return 'no data';
  const last = values[values.length - 1];
  const n = values.length;
  const latest =
    (step === 'week' ? last.fullLabel || last.label : last.label) +
    (last.soFar ? ' (so far)' : last.away ? ' (away)' : last.partial ? ' (partial: the hub was off)' : '');
  return `${n} ${step}${n === 1 ? '' : 's'}, latest ${latest}: ${format(last.value)}`;
}

/**
 * The chart's numbers, behind "Show the numbers". Each toggle is named with its chart's title ("Show the numbers:
 * Active minutes"): eight charts' were all "Show the numbers", the same words in a screen reader's list of controls and
 * at every stop of the keyboard (review, session 65, round 2); the visible words first, as voice control users say them.
 */
function dataTable(title, points, format, unit, step) {
  const details = document.createElement('details');
  const sum = document.createElement('summary');
  sum.textContent = 'Show the numbers';
  sum.setAttribute('aria-label', `Show the numbers: ${title}`);
  const table = document.createElement('table');
  table.setAttribute('aria-label', title);
  const head = table.createTHead().insertRow();
  for (const h of [step === 'week' ? 'Week' : 'Day', unit])
    head.append(Object.assign(document.createElement('th'), { textContent: h, scope: 'col' }));
  const body = table.createTBody();
  for (const p of points) {
    const row = body.insertRow();
    row.insertCell().textContent = p.fullLabel || p.label;
    row.insertCell().textContent = p.value === null || p.value === undefined ? '—' : format(p.value);
  }
  details.append(sum, table);
  return details;
}

function figure(title, root, points, format, unit, step) {
  const box = document.createElement('figure');
  box.className = 'chart card';
  const caption = document.createElement('h3');
  caption.textContent = title;
  box.append(caption, root, dataTable(title, points, format, unit, step));
  return box;
}

/**
 * points: [{ label, value, fullLabel?, soFar?, partial?, away? }]; null values leave a gap; `soFar`: a day not over yet,
 * and `partial`: a day the hub was off for part of or (`away`) the home was in away mode, drawn paler (its bar
 * outlined, its dot hollow). `step`: what each point
 * is ('day', 'week').
 */
export function barChart(title, points, { format = WHOLE, unit = 'Value', step = 'day' } = {}) {
  const { root, y, slot, min } = frame(title, points, format, 'zero', step);
  points.forEach((p, i) => {
    if (p.value === null || p.value === undefined) return;
    const top = y(Math.max(p.value, min));
    const rect = svg('rect', {
      class: p.soFar || p.partial ? 'bar so-far' : 'bar',
      x: PAD.left + slot * i + slot * 0.15,
      y: top,
      width: slot * 0.7,
      height: Math.max(0, y(min) - top),
    });
    rect.append(svg('title', {}, `${p.fullLabel || p.label}: ${format(p.value)}`));
    root.append(rect);
  });
  return figure(title, root, points, format, unit, step);
}

/**
 * `clock`: values are minutes after midnight (see clockMinutes, bedtimeMinutes): an axis of hours around them.
 * `fit`: an axis around the values, not from 0 (a level, such as a temperature, whose changes matter).
 */
export function lineChart(
  title,
  points,
  { format = WHOLE, unit = 'Value', clock = false, fit = false, step = 'day' } = {},
) {
  const { root, y, slot } = frame(title, points, format, clock ? 'clock' : fit ? 'fit' : 'zero', step);
  let d = '';
  points.forEach((p, i) => {
    if (p.value === null || p.value === undefined) return;
    const x = PAD.left + slot * (i + 0.5);
    d += `${d && points[i - 1] && points[i - 1].value !== null && points[i - 1].value !== undefined ? 'L' : 'M'}${x.toFixed(1)},${y(p.value).toFixed(1)} `;
    const dot = svg('circle', { class: p.soFar || p.partial ? 'dot so-far' : 'dot', cx: x, cy: y(p.value), r: 3 });
    dot.append(svg('title', {}, `${p.fullLabel || p.label}: ${format(p.value)}`));
    root.append(dot);
  });
  root.insertBefore(svg('path', { class: 'line', d: d.trim() }), root.children[1]);
  return figure(title, root, points, format, unit, step);
}

/** "2026-11-03" → "3 Nov": a day no reader takes for 11 March (as "11-03" is in Britain). */
export function shortDay(isoDate) {
  const [, month, day] = isoDate.split('-').map(Number);
  return `${day} ${MONTHS[month - 1]}`;
}

/**
 * "2026-09-01" → "1 Sep 2026": a date said one way on every council page (session 36), the charts' "7 Oct" with its
 * year; the same months whatever the browser's language (en-GB's own says "Sept"). Anything else is returned as it
 * came (CSV and JSON keep ISO dates: only the page says them so).
 */
export function longDay(isoDate) {
  if (typeof isoDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) return isoDate;
  return `${shortDay(isoDate)} ${isoDate.slice(0, 4)}`;
}

/**
 * An instant as "2 Dec 2026, 04:31 GMT" in `zone` (the viewer's when absent or not known to the browser): the day as
 * `longDay` says it, then the clock and the zone's short name.
 */
export function longDayAndTime(iso, zone) {
  const d = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(d.getTime())) return String(iso);
  const options = {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  };
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: zone }).formatToParts(d);
  } catch {
    parts = new Intl.DateTimeFormat('en-GB', options).formatToParts(d);
  }
  const part = (type) => parts.find((p) => p.type === type)?.value ?? '';
  const day = longDay(`${part('year')}-${part('month')}-${part('day')}`);
  return `${day}, ${part('hour')}:${part('minute')} ${part('timeZoneName')}`.trim();
}

/** "07:45" → minutes after midnight; null stays null. */
export function clockMinutes(hhmm) {
  if (!hhmm) return null;
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/**
 * A bedtime as minutes after the midnight before it: "00:30" is 24:30, after "23:30", not 20 hours before it (the
 * evening's night runs on past midnight; a bedtime before noon belongs to that night).
 */
export function bedtimeMinutes(hhmm) {
  const minutes = clockMinutes(hhmm);
  return minutes !== null && minutes < 12 * 60 ? minutes + 24 * 60 : minutes;
}

export function formatClock(minutes) {
  const m = Math.round(minutes);
  return `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/**
 * Counts by category as horizontal bars (long category names stay readable on a phone).
 * points: [{ label, value, shown }]: `shown` is what to print (a suppressed count is '*', drawn with no bar).
 */
export function categoryChart(title, points) {
  const rowH = 22;
  const labelW = 150;
  const valueW = 40;
  const width = W;
  const height = Math.max(1, points.length) * rowH + 4;
  const numbers = points.map((p) => (typeof p.value === 'number' ? p.value : 0));
  const max = Math.max(1, ...numbers);
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `${title}: ${points.map((p) => `${p.label} ${p.shown}`).join(', ')}`,
  });
  root.append(svg('title', {}, title));
  points.forEach((p, i) => {
    const y = i * rowH + 2;
    // About 20 characters fit the 144 units left of the bars at the labels' size.
    const label = p.label.length > 20 ? `${p.label.slice(0, 19)}…` : p.label;
    root.append(svg('text', { x: labelW - 6, y: y + 15, 'text-anchor': 'end' }, label));
    const barW = typeof p.value === 'number' ? ((width - labelW - valueW) * p.value) / max : 0;
    if (barW > 0) root.append(svg('rect', { class: 'bar', x: labelW, y: y + 3, width: barW, height: rowH - 8 }));
    root.append(svg('text', { x: labelW + barW + 4, y: y + 15 }, String(p.shown)));
  });
  const format = (v) => String(v);
  return figure(
    title,
    root,
    points.map((p) => ({ label: p.label, value: p.shown })),
    format,
    'Count',
  );
}
