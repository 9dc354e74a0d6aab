// Shared by every page of the hub's dashboard and the centre's console: calling the API, building elements without
// innerHTML, the navigation bar by role, times in the home's (or the viewer's) time zone with their age.

/** Who answers the API, for messages ("the hub", "the centre"): set by startPage. */
let server = 'the hub';
/** Each home's time zone (the hub's /api/me tells those who see alerts; the centre's does not): set by startPage. */
let homeZones = {};
/** True once this page's user is known: a 401 after that means the session ended (expired, logged out elsewhere). */
let sessionKnown = false;

export async function api(path, options = {}) {
  const { onResponse, ...rest } = options;
  const init = { credentials: 'same-origin', ...rest, headers: { ...(options.headers || {}) } };
  if (options.body !== undefined && typeof options.body !== 'string') {
    init.body = JSON.stringify(options.body);
    init.headers['content-type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    // The browser's own words ("Failed to fetch") tell a responder nothing: say what failed and what it means.
    const err = new Error(`Cannot reach ${server}: check the network connection, then try again. Nothing was changed.`);
    err.code = 'UNREACHABLE';
    throw err;
  }
  if (res.status === 401 && !path.startsWith('/api/login')) {
    const ended = sessionKnown ? '&ended=1' : '';
    location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search) + ended);
    const err = new Error('Not logged in');
    err.status = 401;
    throw err;
  }
  const type = res.headers.get('content-type') || '';
  const body = type.includes('application/json') ? await res.json() : await res.text();
  if (!res.ok) {
    const message =
      res.status >= 500
        ? `${server[0].toUpperCase()}${server.slice(1)} could not do this just now (${res.status}${body && body.message ? ': ' + body.message : ''}). Try again; if it keeps failing, use the phone procedure.`
        : body && body.message
          ? body.message
          : res.status + ' ' + res.statusText;
    const err = new Error(message);
    err.status = res.status;
    err.code = body && body.error;
    throw err;
  }
  // For an answer's headers (a list's "and N more").
  if (onResponse) onResponse(res);
  return body;
}

/** el('button', { class: 'x', onclick: fn }, 'text', child...) — text is always set as text, never as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let unfoldsForPrint = false;

/**
 * A report's disclosure folded under one line (session 77: both council pages showed 450-600 words between the period
 * and the figures), `#disclosure` its text; `className` the `<details>`'s classes. Printed, every such fold opens: a
 * closed `<details>` prints closed, and a committee's paper must carry the disclosure whole.
 */
export function foldedDisclosure(text, className = 'disclosure') {
  if (!unfoldsForPrint) {
    unfoldsForPrint = true;
    window.addEventListener('beforeprint', () => {
      for (const folded of document.querySelectorAll('details.disclosure')) folded.open = true;
    });
  }
  return el(
    'details',
    { class: className },
    el('summary', {}, 'How each figure is protected, in full'),
    el('p', { id: 'disclosure' }, text),
  );
}

/** The hub dashboard's pages, by role. */
export const HUB_PAGES = [
  { href: '/console', label: 'Alerts', roles: ['admin', 'responder'] },
  { href: '/home', label: 'Homes', roles: ['admin', 'installer'] },
  { href: '/devices', label: 'Devices', roles: ['admin', 'installer'] },
  { href: '/council', label: 'Council report', roles: ['admin', 'analyst'] },
  { href: '/users', label: 'Users', roles: ['admin'] },
  { href: '/docs', label: 'API', roles: ['admin'] },
];

/**
 * Fills <header class="bar"> with the pages this role may see, who is logged in, and a logout button; `serverName`
 * names the server in messages ("Cannot reach the hub").
 */
export async function startPage(pages = HUB_PAGES, serverName = 'the hub') {
  server = serverName;
  const me = await api('/api/me');
  sessionKnown = true;
  homeZones = me.homeTimeZones || {};
  const header = document.querySelector('header.bar');
  const items = pages
    .filter((p) => p.roles.includes(me.role))
    .map((p) =>
      el(
        'li',
        {},
        el('a', { href: p.href, 'aria-current': location.pathname === p.href ? 'page' : undefined }, p.label),
      ),
    );
  const logout = el(
    'button',
    {
      class: 'link',
      type: 'button',
      onclick: async () => {
        // Half-typed resolve notes (kept for a session that ends by itself) go with a deliberate logout: first, so
        // that a logout whose session had already ended (a 401 takes the page to the login) or that cannot reach
        // the server leaves none behind either.
        sessionStorage.clear();
        await api('/api/logout', { method: 'POST' });
        location.assign('/login');
      },
    },
    'Log out',
  );
  header.append(
    el('nav', { 'aria-label': 'Main' }, el('ul', {}, items)),
    el('span', { class: 'status' }, `${me.username} (${me.role})`),
    logout,
  );
  return me;
}

/**
 * startPage, asked again every `everyMs` while the server cannot be reached or cannot answer (restarting, the Wi-Fi back
 * a moment later), `waiting(err)` saying so each time: a page opened then stayed as it was for good, saying nothing,
 * until someone thought to reload it (review, session 65: the console and the devices page; round 2: the council
 * page). A 401 (the page is on its way to the login) and a refusal that asking again cannot mend are thrown.
 */
export async function startPageWhenReachable({ everyMs, waiting, pages = HUB_PAGES, serverName = 'the hub' }) {
  for (;;) {
    try {
      return await startPage(pages, serverName);
    } catch (err) {
      if (err.status === 401 || (err.code !== 'UNREACHABLE' && !(err.status >= 500))) throw err;
      waiting(err);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}

/** The time zone of a home, when the server said it; undefined otherwise (times then in the viewer's own). */
export function homeZone(homeId) {
  return Object.hasOwn(homeZones, homeId) ? homeZones[homeId] : undefined;
}

const DAY = { day: '2-digit', month: '2-digit', year: 'numeric' };
const CLOCK = { hour: '2-digit', minute: '2-digit', second: '2-digit' };

/**
 * The date and time formats made so far, by their options: a card shows two to four times, and making each format anew
 * cost the console a pause at every redraw of a long list (review, session 65, round 2). The viewer's own zone is the
 * one the page opened with.
 */
const formats = new Map();
function dateFormat(locale, options) {
  const key = `${locale ?? ''} ${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

/**
 * A time in the viewer's locale, in `zone` (a home's: what a carer on the phone to the resident hears) or else the
 * viewer's own; the date only when it is not today there, and the zone's name when it is not the viewer's.
 */
export function formatTime(iso, zone) {
  if (!iso) return '';
  const d = new Date(iso);
  const viewerZone = dateFormat(undefined, {}).resolvedOptions().timeZone;
  const timeZone = zone || viewerZone;
  const dayOf = (date) => dateFormat('en-CA', { timeZone }).format(date);
  const today = dayOf(d) === dayOf(new Date());
  const named = timeZone !== viewerZone;
  const parts = dateFormat(undefined, {
    timeZone,
    ...(today ? {} : DAY),
    ...CLOCK,
    ...(named ? { timeZoneName: 'short' } : {}),
  }).formatToParts(d);
  return parts.map((p) => p.value).join('');
}

/** "3 min", "2 h 05 min", "3 d 4 h": how long ago, for a responder scanning cards. */
export function age(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** " (just now)", " (5 min ago)". */
function agoWords(iso, now) {
  const ago = age(iso, now);
  return ago === 'just now' ? ' (just now)' : ` (${ago} ago)`;
}

/**
 * "<time>03:00:00</time> (5 min ago)": when (formatTime, in `zone`), and how long ago; the exact UTC time on hover.
 * `movingTimes` moves both on in place.
 */
export function timeWithAge(iso, now = Date.now(), zone = undefined) {
  return [movingTime(iso, zone), el('span', { 'data-ago': iso }, agoWords(iso, now))];
}

/**
 * "<time>03:00:00</time>": a time without its age (formatTime, in `zone`; the exact UTC time on hover), which
 * `movingTimes` gives its date in place once it is no longer today: the closed lists of both consoles (review, session
 * 65, rounds 3 and 4).
 */
export function movingTime(iso, zone = undefined) {
  return el(
    'time',
    { datetime: iso, title: new Date(iso).toISOString(), 'data-zone': zone ?? '' },
    formatTime(iso, zone),
  );
}

/**
 * Moves on, in place, every time and age that `timeWithAge` drew under `root`: the ages, and the date once the time is
 * no longer today. Only text that changed is written: a console's 30-second tick drew every card anew, a pause on a
 * long list, and the keyboard's and a screen reader's place lost in it (review, session 65, round 2).
 */
export function movingTimes(root, now = Date.now()) {
  const write = (node, text) => {
    if (node.textContent !== text) node.textContent = text;
  };
  for (const node of root.querySelectorAll('span[data-ago]')) write(node, agoWords(node.dataset.ago, now));
  for (const node of root.querySelectorAll('time[data-zone]')) {
    write(node, formatTime(node.getAttribute('datetime'), node.dataset.zone || undefined));
  }
}

export function isoDate(date) {
  return date.toISOString().slice(0, 10);
}

export function daysAgo(days) {
  return isoDate(new Date(Date.now() - days * 86400000));
}
