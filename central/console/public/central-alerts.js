// The centre's alert console: every hub's open alerts live (SSE), most severe and newest first; acknowledge, resolve.
import { age, api, el, movingTime, movingTimes, timeWithAge } from '/assets/common.js';
import { place, why } from '/assets/alert-why.js';
import * as cards from '/assets/alert-cards.js';
import { startPage } from '/assets/central-nav.js';

/** Cards by `hubId alertId`. */
const alerts = new Map();
const closed = [];
/** True once the alerts closed before the page opened are in `closed`: "nothing closed" must never flash before. */
let closedLoaded = false;
/** Cards whose resolve form is open: a re-render must not throw away what the operator is typing. */
const resolving = new Set();
/**
 * Why the last action on an alert failed, until the next try: drawn with the card, so a redraw (the next alert, the
 * ages' tick) does not wipe it before the operator has read it.
 */
const failures = new Map();
/** What the operator typed in each open resolve form (set once the operator is known). */
let drafts;
/** The version each resolve form acts on, kept with the draft across a reload (review, session 73). */
const seen = cards.seenVersions(() => drafts);
/**
 * Resolutions sent to a hub and not answered yet (`<key>` → command id): her outcome and note are kept (the draft)
 * until the hub's answer, and her form opens again with them if the hub refused for a change since she looked.
 */
const awaiting = new Map();

const list = document.getElementById('alerts');
const closedList = document.getElementById('closed');
const banner = document.getElementById('critical-banner');
/** Says when a new call is drawn above the screen, the card the operator is on kept in place (session 69). */
const newAbove = cards.newAboveNotice(list);
/** What waits, and a screen not live, in the tab's title (review, session 73: it said "Alerts · Telecare centre"). */
const title = cards.tabTitle();
const connection = cards.liveStatus(document.getElementById('connection'), 'the centre', title);
// The centre's console had no sound at all (review, session 60): a critical call beeps as on the hubs' consoles. Its
// operator's choice is kept in this browser as the hub's console keeps its responder's (review, session 65, round 3:
// it was off after every reload and new login, critical calls coming in silence), and while the browser holds the
// sound back until a click or a key, the banner and the live line say so.
const beep = cards.rememberedSound('telecare.centre.sound', connection);
cards.remindWhileUnanswered(beep, () =>
  [...alerts.values()].filter((c) => c.state === 'raised').map((c) => c.severity),
);
const announcer = cards.alertAnnouncer(
  document.getElementById('announcer'),
  (card) => `${cards.label(card.type)} at hub ${card.hubId}`,
);
/** True once the stream has listed the open alerts: "No open alerts" must never flash before they arrive. */
let openListed = false;

const keyOf = (a) => `${a.hubId} ${a.alertId}`;

/** Shown while the centre answers 503 DATABASE_UNAVAILABLE (the server's own words come with the stream's event). */
const DATABASE_DOWN =
  "The centre's database cannot be reached: this screen can neither show nor change alerts just now. Alerts still go to each hub's own responders. Use the phone procedure; this screen carries on by itself when the database is back.";

/**
 * Why, in one line: the hub's own explanation, or for the centre's hub-offline alert, since when it is silent (its time
 * and age drawn as the cards' are, so that the 30 s tick moves them on in place: `movingTimes`).
 */
function explanation(card) {
  if (card.type === 'hub-offline') {
    // Since it was last heard, not since the centre flagged it (a silent hub is flagged minutes later: session 35).
    const since = card.hub.lastSeenAt || card.hub.offlineSince;
    return [
      `No word from hub ${card.hubId}`,
      ...(since ? [' since ', ...timeWithAge(since)] : []),
      ": the home's alarms may not reach the centre. Phone the home or the scheme.",
    ];
  }
  if (card.type === 'hub-quarantined') {
    // Session 38: the hub sent more than its budget; the centre stopped taking its messages so that the others' go on.
    const d = (card.alert && card.alert.detail) || {};
    const mib = (n) => `${Math.round((Number(n) / (1024 * 1024)) * 10) / 10} MiB`;
    const sent =
      d.bytes !== undefined ? ` (${mib(d.bytes)}, budget ${mib(d.budgetBytes)} in ${String(d.windowMinutes)} min)` : '';
    return `Hub ${card.hubId} sent far more than a hub does${sent}: the centre has cut it off so that other hubs' alerts still get through. Its alarms wait on the hub, or reach its own responders. Phone the home or the scheme; resolve this once the hub is fixed or its password renewed to let it connect again.`;
  }
  if (card.type === 'hub-duplicate-id') {
    // Session 61: heartbeats from two boxes that started at different times take turns under one HUB_ID.
    return `Two boxes are sending as hub ${card.hubId} (a copied SD card, or an old box still plugged in): they take turns at the centre, so either home's alarms and commands may wait or go to the wrong box. Phone the installer; resolve this once one of them has another HUB_ID or is switched off.`;
  }
  return why(card.alert, homeZoneOf(card));
}

/** The operator's own time zone (this browser's). */
const viewerZone = new Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The home's time zone, as its hub sent it with the alert (`homeTimezone`, session 75), when this browser knows it;
 * undefined otherwise (a hub before session 75, the centre's own alerts): the card's times are then the operator's own,
 * as before. A zone the browser does not know is left out, never a card that cannot be drawn.
 */
function homeZoneOf(card) {
  const zone = card.homeTimezone;
  if (typeof zone !== 'string' || zone === '') return undefined;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

/** Minutes `zone` is ahead of UTC at `at` (ms). */
function offsetMinutes(zone, at) {
  const parts = {};
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  for (const p of format.formatToParts(at)) parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
  return Math.round((wall - Math.floor(at / 60_000) * 60_000) / 60_000);
}

/**
 * On a card whose home keeps another time than the operator's: "Home time: America/New York, 14 h behind yours", in
 * its facts line, beside the times it names (raised, seen again, and those of the why line: "silent since Tue 02:05").
 * Before session 75 every time was the operator's, and whether it was night for the resident, which a responder
 * judges from, was not on the card. Nothing when the home keeps the operator's time (or its zone is not known).
 */
function homeTimeNote(zone) {
  if (zone === undefined || zone === viewerZone) return null;
  const now = Date.now();
  const diff = offsetMinutes(zone, now) - offsetMinutes(viewerZone, now);
  if (diff === 0) return null;
  const m = Math.abs(diff);
  const span = m % 60 === 0 ? `${m / 60} h` : m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
  return el(
    'span',
    { class: 'home-time', title: `The times on this card are the home's local times (${zone})` },
    `Home time: ${zone.replaceAll('_', ' ')}, ${span} ${diff < 0 ? 'behind' : 'ahead of'} yours`,
  );
}

/**
 * On a hub's alert while that hub is offline: before the operator presses anything, that what they do here cannot
 * reach the hub now (the command is resent for a minute, then given up: `commands.timeoutMs`), so the home is to be
 * phoned. Before session 35 only the red badge said so, and the card said it a minute after the press.
 */
function unreachable(card) {
  if (card.origin !== 'hub') return null;
  // Cut off by the centre itself (session 59): never called offline meanwhile, and no command reaches it either.
  if (card.hub.quarantined) {
    return el(
      'p',
      { class: 'why unreachable' },
      `Hub ${card.hubId} is cut off by the centre (quarantined: it sent far more than a hub does): an acknowledgement or resolution sent from here cannot reach it until its "Hub quarantined" alert is resolved. Phone the home.`,
    );
  }
  if (card.hub.status !== 'offline') return null;
  const since = card.hub.lastSeenAt || card.hub.offlineSince;
  return el(
    'p',
    { class: 'why unreachable' },
    `Hub ${card.hubId} is offline`,
    since ? [' (last heard ', movingTime(since), ')'] : null,
    ': an acknowledgement or resolution sent from here cannot reach it now (the hub may be down, or only its link to the centre). Phone the home.',
  );
}

/** A hub clock this far off the centre's is said on its cards (network time corrects drift of seconds). */
const CLOCK_OFF_MS = 2 * 60_000;

/**
 * On a hub's alert while that hub's clock is wrong (a Raspberry Pi has no real-time clock; without network time it
 * keeps the time it last saved): its times are the hub's, so a call just made read "Raised 06:40 (3 h 02 min ago)".
 * The centre knows the difference from the hub's newest heartbeat (`hub.clockAheadMs`, session 60).
 */
function clockLine(card) {
  const off = card.origin === 'hub' ? card.hub.clockAheadMs : null;
  if (typeof off !== 'number' || Math.abs(off) < CLOCK_OFF_MS) return null;
  const span = age(new Date(Date.now() - Math.abs(off)).toISOString());
  const [way, seems] = off < 0 ? ['behind', 'newer'] : ['ahead of', 'older'];
  return el(
    'p',
    { class: 'why clock' },
    `Hub ${card.hubId}'s clock is ${span} ${way} the centre's: the times on this card are the hub's, so this alert is ${span} ${seems} than they say.`,
  );
}

const ACTION_TEXT = { acknowledge: 'Acknowledgement', resolve: 'Resolution' };

/** Where the last command for this alert stands, in words. */
function commandLine(command) {
  if (!command) return null;
  const what = ACTION_TEXT[command.action] || command.action;
  const result = command.result || {};
  let text;
  if (command.state === 'sent') {
    // Who sent it: another operator sees that this alert is being handled, and by whom.
    text = `${what} by ${command.operator} sent to the hub${command.sends > 1 ? ` (${command.sends} tries)` : ''}, waiting for its answer…`;
  } else if (command.state === 'done') {
    text = result.alreadyDone
      ? `${what}: the hub had it already (${result.state})`
      : `${what} applied by the hub (${result.state})`;
  } else if (command.state === 'failed' && result.code === 'not-found') {
    // A hub re-installed with the same id has lost its old alerts: a resolution closes the centre's copy (session 60).
    text = `${what}: the hub has no record of this alert (re-installed, or its data lost). Resolve it here to close it.`;
  } else if (command.state === 'failed') {
    text = `${what} refused by the hub: ${result.message || result.code}`;
  } else {
    text = `${what}: no answer from the hub in time (the hub may be offline). Try again, or phone the home.`;
  }
  return el('p', { class: `command command-${command.state}`, role: 'status' }, text);
}

/**
 * The acknowledgements and resolutions sent and not yet answered by the centre (`<hub id> <alert id> <action>`): the
 * same press again meanwhile (a double-click, a press again when the first seemed not to take) sends nothing, and the
 * card's Acknowledge waits. Before, both went to the hub, which answered the second "already done", and the card said
 * "Acknowledgement: the hub had it already": the operator could not tell whether hers had counted (review, session 73;
 * the hub's console since session 63).
 */
const pending = new Set();

async function act(card, action, body) {
  const sent = `${keyOf(card)} ${action}`;
  if (pending.has(sent)) return;
  pending.add(sent);
  // A new try: the last one's failure goes; the card's Acknowledge waits for the answer.
  failures.delete(keyOf(card));
  render();
  try {
    const path = `/api/alerts/${encodeURIComponent(card.hubId)}/${encodeURIComponent(card.alertId)}/${action}`;
    const answer = await api(path, { method: 'POST', body });
    // Only a resolve closes the form: a slow answer to Acknowledge can come after the operator opened it.
    if (action === 'resolve') {
      resolving.delete(keyOf(card));
      // Sent to the hub: kept until it answers (it may refuse: the alert changed since she looked).
      if (answer.origin === 'hub' && answer.command) awaiting.set(keyOf(card), answer.command.commandId);
      else {
        drafts.delete(keyOf(card));
        seen.forget(keyOf(card));
      }
    }
    const known = alerts.get(keyOf(card));
    if (known && answer.command) known.command = laterCommand(known.command, answer.command);
    if (known) answered(known);
    render();
  } catch (err) {
    failures.set(keyOf(card), err.message);
    // Said once here; the card's line (not a live region: it is drawn anew) keeps it in view.
    cards.announce(document.getElementById('announcer'), err.message);
  } finally {
    pending.delete(sent);
    render();
  }
}

/**
 * The hub's answer to her resolution: taken (or refused otherwise, as before), her draft goes; refused because the
 * alert changed since she looked (`changed-since`: pressed again, more serious), her form opens again with her outcome
 * and note, the hub's words on the card (the command's line), and her next Resolve is for the alert as it now stands.
 */
function answered(card) {
  const key = keyOf(card);
  const command = card.command;
  if (!awaiting.has(key) || !command || command.commandId !== awaiting.get(key) || command.state === 'sent') return;
  awaiting.delete(key);
  if (command.state === 'failed' && command.result && command.result.code === 'changed-since' && drafts.get(key)) {
    resolving.add(key);
    seen.remember(key, card.version);
    return;
  }
  drafts.delete(key);
  seen.forget(key);
}

function whyLine(card) {
  const text = explanation(card);
  return text ? el('p', { class: 'why' }, text) : null;
}

function cardNode(card) {
  const key = keyOf(card);
  const existing = list.querySelector(`li[data-key="${CSS.escape(key)}"]`);
  if (
    existing &&
    resolving.has(key) &&
    existing.querySelector('.resolve-form') &&
    existing.dataset.version === String(card.version)
  ) {
    existing.querySelector('.error').textContent = failures.get(key) || '';
    return existing;
  }
  const a = card.alert || {};
  const cancel = () => {
    resolving.delete(key);
    drafts.delete(key);
    seen.forget(key);
    render();
  };
  // Whose call, for a screen reader (session 69): two hubs' flats may share an id, so the hub is named too.
  const where = a.homeId ? `${a.homeId}, hub ${card.hubId}` : `hub ${card.hubId}`;
  const about = `${cards.label(card.type)} at ${where}`;
  const heading = cards.cardHeading(
    card.type,
    card.severity,
    card.state,
    card.hub.status === 'offline'
      ? el('span', { class: 'badge sev-critical' }, 'hub offline')
      : card.origin === 'hub' && card.hub.quarantined
        ? el('span', { class: 'badge sev-critical' }, 'hub cut off')
        : null,
  );
  const actions = cards.actionRow({
    state: card.state,
    resolving: resolving.has(key),
    pending: Boolean(card.command && card.command.state === 'sent'),
    acknowledging: pending.has(`${key} ack`),
    onAcknowledge: () => act(card, 'ack', {}),
    onResolve: () => {
      resolving.add(key);
      seen.remember(key, card.version);
      render();
      document.getElementById(`outcome-${card.hubId}-${card.alertId}`)?.focus();
    },
  });
  cards.nameCard(heading, where, actions, about);
  const form = resolving.has(key)
    ? cards.resolveForm(`${card.hubId}-${card.alertId}`, {
        onSubmit: (body) => act(card, 'resolve', { ...body, version: seen.get(key) ?? card.version }),
        onCancel: cancel,
        draft: drafts.get(key),
        onDraft: (draft) => seen.keepDraft(key, draft),
      })
    : null;
  form?.setAttribute('aria-label', `Resolve ${about}`);
  const zone = homeZoneOf(card);
  const meta = cards.cardMeta([`Hub ${card.hubId}`, place(a)], a, card.raisedAt, zone);
  const note = homeTimeNote(zone);
  if (note) meta.append(note);
  return el(
    'li',
    {
      class: `card alert sev-${card.severity}`,
      'data-key': key,
      'data-hub': card.hubId,
      'data-alert': card.alertId,
      'data-state': card.state,
      'data-version': card.version,
    },
    heading,
    meta,
    whyLine(card),
    unreachable(card),
    clockLine(card),
    commandLine(card.command),
    actions,
    form,
    el('p', { class: 'error' }, failures.get(key) || ''),
  );
}

function render() {
  const open = [...alerts.values()].filter((a) => cards.OPEN.has(a.state)).sort(cards.byUrgency);
  newAbove.drawn(cards.replaceKeepingFocus(list, open.map(cardNode)));
  document.getElementById('open-count').textContent = `(${open.length})`;
  document.getElementById('no-alerts').hidden = open.length > 0 || !openListed;
  closedList.replaceChildren(...closed.slice(0, 10).map(closedNode));
  document.getElementById('no-closed').hidden = closed.length > 0 || !closedLoaded;
  cards.showCritical(banner, open);
  title.open(open);
}

/**
 * A closed alert for the next shift: what, where (hub, home and room), how it was closed in words (the outcome's
 * words and the note, or why the hub withdrew it: `howClosed`, as on the hub's console) and when.
 */
function closedNode(c) {
  const a = c.alert || {};
  // Closed here because the hub has no record of it (re-installed: central/console/commands.ts, session 60).
  const lost = a.closedAtCentre ? ' at the centre (the hub has no record of this alert)' : '';
  const how = cards.howClosed({ ...a, state: c.state }) + lost;
  const where = [`hub ${c.hubId}`, place(a)].filter(Boolean).join(' · ');
  return el(
    'li',
    { class: 'card', 'data-state': c.state, 'data-key': keyOf(c) },
    `${cards.label(c.type)} · ${where} · ${how} · `,
    // Its date added in place once it is no longer today (review, session 65, round 4: the list was drawn anew for it).
    movingTime(closedAt(c), homeZoneOf(c)),
  );
}

/** When it closed: the hub's resolution time, else when the centre last heard of it. */
function closedAt(c) {
  return (c.alert && typeof c.alert.resolvedAt === 'string' && c.alert.resolvedAt) || c.updatedAt;
}

function addClosed(card) {
  const key = keyOf(card);
  const known = closed.findIndex((c) => keyOf(c) === key);
  if (known >= 0) {
    if (closed[known].version >= card.version) return;
    closed.splice(known, 1);
  }
  closed.push(card);
  // Newest first as the centre heard of it (`updatedAt`, as `GET /api/alerts?state=closed` lists them), not by the
  // hub's own `resolvedAt`: a hub whose clock is hours behind had a call just closed sorted below the last ten and cut,
  // and one ahead held the top (review, session 62).
  closed.sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
  closed.length = Math.min(closed.length, 10);
}

/** The alerts closed before this page was opened (the night shift's): the morning shift sees how each was closed. */
async function loadRecentlyClosed() {
  let history;
  try {
    history = await api('/api/alerts?state=closed&limit=10');
  } catch {
    // The centre or its database is away (the live line says so): "nothing closed" would be untrue; try again.
    setTimeout(loadRecentlyClosed, 10_000);
    return;
  }
  for (const card of history) addClosed(card);
  closedLoaded = true;
  render();
}

/**
 * Which of two views of an alert's last command is the newer: a command's answer (done, failed, timeout) is never
 * replaced by its own earlier `sent` (the POST's reply can arrive after the hub's answer came on the stream), and an
 * older command never replaces a newer one.
 */
function laterCommand(current, incoming) {
  if (!incoming) return current || null;
  if (!current) return incoming;
  if (current.commandId === incoming.commandId)
    return current.state !== 'sent' && incoming.state === 'sent' ? current : incoming;
  return current.createdAt > incoming.createdAt ? current : incoming;
}

/** What `cards.repeatedAfterAck` and `cards.newlyNamed` compare of a centre card (its count is the hub's alert's). */
const facts = (card) => ({
  state: card.state,
  severity: card.severity,
  detail: card.alert.detail,
  count: card.alert.count,
  lastSeenAt: card.alert.lastSeenAt,
  acknowledgedAt: card.alert.acknowledgedAt,
});

/**
 * `listed`: the card comes in the server's list of open alerts (on connecting, or a resync), which says how each alert
 * stands now: taken even at a lower version than the one shown (a hub restored from a backup went back to an earlier
 * version of it, session 69), and taken off "Recently closed" if it was there.
 */
function receive(card, listed = false) {
  const key = keyOf(card);
  const known = alerts.get(key);
  if (known && known.version > card.version && !listed) return;
  if (listed) {
    const wasClosed = closed.findIndex((c) => keyOf(c) === key);
    if (wasClosed >= 0 && cards.OPEN.has(card.state)) closed.splice(wasClosed, 1);
  }
  if (known) card.command = laterCommand(known.command, card.command);
  if (!cards.OPEN.has(card.state)) {
    alerts.delete(key);
    resolving.delete(key);
    awaiting.delete(key);
    seen.forget(key);
    drafts.delete(key);
    failures.delete(key);
    addClosed(card);
  } else {
    alerts.set(key, card);
    answered(card);
    if (!known) {
      announcer.add(card);
      beep(card.severity);
    } else if (cards.newlyNamed(facts(known), facts(card)).length > 0) {
      // Another device of its kind while it is open (a second resident's pendant; session 66).
      announcer.sayNow(
        `${cards.label(card.severity)} alert: ${cards.label(card.type)} at hub ${card.hubId}, also ` +
          cards.newlyNamed(facts(known), facts(card)).join(', '),
        (waiting) => keyOf(waiting) === key,
      );
      beep(card.severity);
    } else if (cards.repeatedAfterAck(facts(known), facts(card))) {
      // Pressed again after an operator took the call: the resident still needs help (review, session 60).
      announcer.sayNow(
        `${cards.label(card.severity)} alert again: ${cards.label(card.type)} at hub ${card.hubId}, seen ` +
          `${card.alert.count} times, acknowledged by ${card.alert.acknowledgedBy}`,
        (waiting) => keyOf(waiting) === key,
      );
      beep(card.severity);
    }
  }
  renderSoon();
}

/** Stream events come in bursts (200 at once in a flood): the list is drawn once per burst, not once per alert. */
let renderTimer = null;
function renderSoon() {
  if (renderTimer !== null) return;
  renderTimer = setTimeout(() => {
    renderTimer = null;
    render();
  }, 20);
}

function receiveCommand(command) {
  const card = alerts.get(`${command.hubId} ${command.alertId}`);
  if (!card) return;
  card.command = laterCommand(card.command, command);
  answered(card);
  renderSoon();
}

function connect() {
  const source = new EventSource('/api/alerts/stream');
  // Keys of the open alerts the server lists (on each connection and after a resync): any other card shown was closed meanwhile.
  let snapshot = null;
  // Not live until the open alerts are in: "Live: connected" over an empty list would say all is quiet.
  source.addEventListener('open', () => connection.listing());
  source.addEventListener('alert', (event) => {
    const card = JSON.parse(event.data);
    if (snapshot) snapshot.add(keyOf(card));
    receive(card, snapshot !== null);
  });
  source.addEventListener('snapshot', () => {
    snapshot = new Set();
    announcer.listing();
  });
  source.addEventListener('command', (event) => receiveCommand(JSON.parse(event.data)));
  source.addEventListener('ready', () => {
    if (snapshot)
      for (const key of [...alerts.keys()]) {
        if (!snapshot.has(key)) alerts.delete(key);
      }
    snapshot = null;
    // An alert closed while the stream was away goes to "Recently closed" with how it was closed, not off the screen
    // unsaid (the list afresh names only what is open). Read again on every listing after the page's first, not only
    // when a card shown went: a call raised and closed meanwhile was never on this screen, and was nowhere at all
    // until the page was reloaded (review, session 64).
    if (openListed) loadRecentlyClosed();
    // A note kept for an alert closed meanwhile (while the operator logged in again) has nothing to resolve.
    for (const key of drafts.keys()) {
      if (alerts.has(key)) continue;
      drafts.delete(key);
      resolving.delete(key);
    }
    openListed = true;
    connection.connected();
    render();
    // The page's first list is what is open, not news; on a reconnection, what came meanwhile is new.
    announcer.listed();
  });
  source.addEventListener('unavailable', (event) => {
    connection.problem(`${JSON.parse(event.data).message || DATABASE_DOWN} The list may be out of date.`);
  });
  source.addEventListener('error', async () => {
    if (source.readyState !== EventSource.CLOSED) {
      connection.lost();
      return;
    }
    // The stream was refused: the centre is out of reach, its database is (503), or the session ended (401 sends
    // the browser to the login page).
    const refusal = await api('/api/me').then(
      () => null,
      (err) => err,
    );
    if (refusal && refusal.code === 'DATABASE_UNAVAILABLE') connection.problem(DATABASE_DOWN);
    else connection.lost();
    setTimeout(connect, 3000);
  });
}

// Ages and times on the cards and the closed lines move on in place, as on the hub's console: drawing the whole list
// anew every 30 s paused a long list, and took a keyboard user's and a screen reader's place with it (review, session
// 65, round 4). The list is drawn when an alert changes.
setInterval(() => {
  movingTimes(list);
  movingTimes(closedList);
}, 30_000);
/** The header needs the operator (`/api/me`): if the database is away at that moment, the page says so and tries again. */
function start() {
  startPage().then(
    (me) => {
      // Forms half-filled when the session ended (the centre sent this page to the login) open again as they were.
      drafts = cards.draftStore('telecare.centre.drafts', me.username);
      for (const key of drafts.keys()) {
        resolving.add(key);
        seen.restore(key);
      }
      connect();
      loadRecentlyClosed();
    },
    (err) => {
      if (err.code === 'DATABASE_UNAVAILABLE') connection.problem(DATABASE_DOWN);
      else connection.lost();
      setTimeout(start, 3000);
    },
  );
}
start();
