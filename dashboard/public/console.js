// The responder console: live alerts over Server-Sent Events, most severe and newest first; acknowledge, resolve.
import { api, el, formatTime, homeZone, movingTime, movingTimes, startPageWhenReachable } from '/assets/common.js';
import { place, why } from '/assets/alert-why.js';
import * as cards from '/assets/alert-cards.js';

const alerts = new Map();
const closed = [];
/** True once the alerts closed before the page opened are in `closed`. */
let closedLoaded = false;
/** Alert ids whose resolve form is open: a re-render must not throw away what the responder is typing. */
const resolving = new Set();
/**
 * Why the last action on an alert failed, until the next try: drawn with the card, so a redraw (the next alert, the
 * ages' tick) does not wipe it before the responder has read it.
 */
const failures = new Map();
/**
 * The actions that failed because the hub could not be reached (`<alert id>` → `{ action, at }`): once the connection
 * is back their lines say so and to press again. They went on saying "Cannot reach the hub: check the network
 * connection" under "Live: connected", and a responder could take the hub for still out of reach and her press for
 * one that would go through by itself (review, session 73).
 */
const unsent = new Map();
/** The version each resolve form acts on (review, session 73: before, in effect the card's version at the press). */
const seen = cards.seenVersions(() => drafts);
/** What the responder typed in each open resolve form (set once the user is known). */
let drafts;
/**
 * The acknowledgements and resolutions sent and not yet answered (`<alert id> <action>`): the same press again meanwhile
 * (a double-click, a press again when the first seemed not to take) sends nothing, and the card's Acknowledge waits.
 * Before, it was sent and refused, and the card the responder had just acknowledged showed and said "cannot
 * acknowledge …" (session 63). Resolve… and the resolve form stay as they are: a responder may open the form while the
 * answer to Acknowledge is on its way, and disabling the form's button would take the keyboard off the card.
 */
const pending = new Set();
/**
 * What a responder had chosen and typed in the resolve form of an alert that closed under it (resolved by another
 * responder or the centre, withdrawn by the hub) and that the record does not hold: said on its closed card and aloud,
 * with what it was, so that she neither takes the closed card's outcome for her own nor loses what she found (session
 * 64: the form vanished and nothing said her resolution was never recorded).
 */
const notRecorded = new Map();

const list = document.getElementById('alerts');
const closedList = document.getElementById('closed');
const banner = document.getElementById('critical-banner');
/** Says when a new alert is drawn above the screen, the card the responder is on kept in place (session 69). */
const newAbove = cards.newAboveNotice(list);
/** What waits, and a lost connection, in the tab's title (review, session 65). */
const title = cards.tabTitle();
const connection = cards.liveStatus(document.getElementById('connection'), 'the hub', title);
/**
 * The sound, as this browser last had it: chosen on, it waits for the first click or key on the page (browsers play
 * nothing before), and the banner and the live line say so meanwhile; it was off at every opening, with nothing but
 * the button's words to say it (review, session 65, round 2). Any click on the page turns it on, the banner's button too.
 */
const beep = cards.rememberedSound('telecare.console.sound', connection);
cards.remindWhileUnanswered(beep, () =>
  [...alerts.values()].filter((a) => a.state === 'raised').map((a) => a.severity),
);
const announcer = cards.alertAnnouncer(
  document.getElementById('announcer'),
  (alert) => `${cards.label(alert.kind)} at ${alert.homeId}`,
);
/** True once the stream has listed the open alerts: "No open alerts" must never flash before they arrive. */
let openListed = false;

/** What the open resolve form of `alert` holds, when the alert as closed (`closedAs`) does not record it. */
function resolutionLost(closedAs) {
  if (!resolving.has(closedAs.id)) return undefined;
  const draft = drafts.get(closedAs.id) || {};
  const field = (name) => document.getElementById(`${name}-${closedAs.id}`);
  const outcome = field('outcome')?.value ?? draft.outcome ?? '';
  const note = (field('note')?.value ?? draft.note ?? '').trim();
  if (!outcome && !note) return undefined;
  const recordedNote = typeof closedAs.note === 'string' ? closedAs.note : '';
  // Her own resolution, told by the stream before the answer to her request: nothing lost.
  if (closedAs.state === 'resolved' && (!outcome || closedAs.outcome === outcome) && recordedNote.includes(note))
    return undefined;
  return { outcome: cards.outcomeWords(outcome), note };
}

/** Why her resolution is not the record, and what it was: "… (Ambulance, "Found on the floor") …". */
function notRecordedWords(lost) {
  const what = [lost.outcome, lost.note ? `"${lost.note}"` : ''].filter(Boolean).join(', ');
  return `it was closed before your resolution reached the hub, so yours was not recorded (${what}): write it in the call record.`;
}

async function act(alert, action, body) {
  const sent = `${alert.id} ${action}`;
  if (pending.has(sent)) return;
  pending.add(sent);
  // A new try: the last one's failure goes; the card's Acknowledge waits for the answer.
  failures.delete(alert.id);
  unsent.delete(alert.id);
  render();
  try {
    const updated = await api(`/api/alerts/${encodeURIComponent(alert.id)}/${action}`, { method: 'POST', body });
    // Only a resolve closes the form: a slow answer to Acknowledge can come after the responder opened it.
    if (action === 'resolve') {
      resolving.delete(alert.id);
      drafts.delete(alert.id);
      seen.forget(alert.id);
    }
    receive(updated);
  } catch (err) {
    // Closed meanwhile by someone else: its closed card says what was not recorded (and it was said), in words, not
    // the hub's refusal of an alert id.
    if (!alerts.has(alert.id)) return;
    failures.set(alert.id, err.message);
    // Refused because it changed since she opened the form: the form, her outcome and note stay; what changed is on
    // the card and in the message, and her next Resolve is for the alert as she now sees it.
    if (err.code === 'CHANGED_SINCE') await seeAsItIs(alert.id);
    if (err.code === 'UNREACHABLE') unsent.set(alert.id, { action, at: new Date().toISOString() });
    // Said once here; the card's line (not a live region: it is drawn anew) keeps it in view.
    cards.announce(document.getElementById('announcer'), err.message);
  } finally {
    pending.delete(sent);
    render();
  }
}

/**
 * The alert as the hub has it now (the stream may not have brought the change yet), drawn, and its version the one her
 * next Resolve acts on. Unreachable meanwhile: the card's version, and the hub says again if that is behind.
 */
async function seeAsItIs(id) {
  try {
    receive(await api(`/api/alerts/${encodeURIComponent(id)}`));
  } catch {
    // The card as it is; a resolve for a version still behind is refused again, never applied.
  }
  const current = alerts.get(id);
  if (current) seen.remember(id, current.version);
}

function card(alert) {
  const existing = document.getElementById('alert-' + alert.id);
  // Keep a half-filled resolve form as it is.
  if (
    existing &&
    resolving.has(alert.id) &&
    existing.querySelector('.resolve-form') &&
    existing.dataset.version === String(alert.version)
  ) {
    existing.querySelector('.error').textContent = failures.get(alert.id) || '';
    return existing;
  }
  const cancel = () => {
    resolving.delete(alert.id);
    drafts.delete(alert.id);
    seen.forget(alert.id);
    render();
  };
  // The times the line names are the home's (as the card's own).
  const line = why(alert, homeZone(alert.homeId));
  const about = `${cards.label(alert.kind)} at ${alert.homeId}`;
  const actions = cards.actionRow({
    state: alert.state,
    resolving: resolving.has(alert.id),
    pending: false,
    acknowledging: pending.has(`${alert.id} ack`),
    // The version acknowledged is sent too; an acknowledgement is never refused for it ('I am on it': docs/alerts.md).
    onAcknowledge: () => act(alert, 'ack', { version: alert.version }),
    onResolve: () => {
      resolving.add(alert.id);
      seen.remember(alert.id, alert.version);
      render();
      document.getElementById('outcome-' + alert.id)?.focus();
    },
  });
  const form = resolving.has(alert.id)
    ? cards.resolveForm(alert.id, {
        onSubmit: (body) => act(alert, 'resolve', { ...body, version: seen.get(alert.id) ?? alert.version }),
        onCancel: cancel,
        draft: drafts.get(alert.id),
        onDraft: (draft) => seen.keepDraft(alert.id, draft),
      })
    : null;
  form?.setAttribute('aria-label', `Resolve ${about}`);
  const heading = cards.cardHeading(alert.kind, alert.severity, alert.state);
  cards.nameCard(heading, alert.homeId, actions, about);
  return el(
    'li',
    {
      id: 'alert-' + alert.id,
      class: `card alert sev-${alert.severity}`,
      'data-key': alert.id,
      'data-state': alert.state,
      'data-version': alert.version,
    },
    heading,
    cards.cardMeta([place(alert)], alert, alert.raisedAt),
    line ? el('p', { class: 'why' }, line) : null,
    actions,
    form,
    el('p', { class: 'error' }, failures.get(alert.id) || ''),
  );
}

function render() {
  clearTimeout(drawWaiting);
  drawWaiting = null;
  const open = [...alerts.values()].filter((a) => cards.OPEN.has(a.state)).sort(cards.byUrgency);
  newAbove.drawn(cards.replaceKeepingFocus(list, open.map(card)));
  document.getElementById('open-count').textContent = `(${open.length})`;
  document.getElementById('no-alerts').hidden = open.length > 0 || !openListed;
  drawClosed();
  cards.showCritical(banner, open);
  title.open(open);
}

/** The last ten closed alerts, each with how it was closed and when. */
function drawClosed() {
  closedList.replaceChildren(
    ...closed.slice(0, 10).map((a) =>
      el(
        'li',
        { class: 'card', 'data-state': a.state, id: 'closed-' + a.id },
        // Where, as the centre's list says it (session 36: the hub's said the home only, "Possible fall · h2").
        `${cards.label(a.kind)} · ${place(a)} · ${cards.howClosed(a)} · `,
        closedTime(a),
        notRecorded.has(a.id)
          ? el('p', { class: 'error not-recorded' }, cards.sentence(notRecordedWords(notRecorded.get(a.id))))
          : null,
      ),
    ),
  );
  // Said only once the history is in: "nothing closed" must never flash before it arrives.
  document.getElementById('no-closed').hidden = closed.length > 0 || !closedLoaded;
}

/**
 * When `alert` closed, as `timeWithAge` draws a time (without its age), so that `movingTimes` adds its date in place
 * once it is no longer today: the 30 s tick drew the ten lines anew for it, a screen reader's place in them lost twice a
 * minute (review, session 65, round 3).
 */
function closedTime(alert) {
  const iso = alert.resolvedAt || alert.lastSeenAt;
  if (!iso) return '';
  return movingTime(iso, homeZone(alert.homeId));
}

/** When closed: resolved, else cancelled (withdrawn by the rule), else last seen. */
function closedAt(alert) {
  return Date.parse(alert.resolvedAt || alert.lastSeenAt || alert.raisedAt) || 0;
}

/** The last alerts closed before this page was opened (the night shift's), so the next shift sees them too. */
async function loadRecentlyClosed() {
  const lists = await Promise.all([
    api('/api/alerts?state=resolved&limit=10'),
    api('/api/alerts?state=cancelled&limit=10'),
  ]).catch(() => [[], []]);
  const [resolved, cancelled] = lists;
  closedLoaded = true;
  for (const alert of [...resolved, ...cancelled]) {
    if (!closed.some((a) => a.id === alert.id)) closed.push(alert);
  }
  closed.sort((a, b) => closedAt(b) - closedAt(a));
  render();
}

function receive(alert) {
  const known = alerts.get(alert.id);
  if (known && known.version >= alert.version) return;
  alerts.set(alert.id, alert);
  if (!cards.OPEN.has(alert.state)) {
    const lost = resolutionLost(alert);
    if (lost) {
      notRecorded.set(alert.id, lost);
      announcer.sayNow(
        `${cards.label(alert.kind)} at ${alert.homeId} ${cards.howClosed(alert)}; ${notRecordedWords(lost)}`,
        (waiting) => waiting.id === alert.id,
      );
    }
    alerts.delete(alert.id);
    resolving.delete(alert.id);
    drafts.delete(alert.id);
    failures.delete(alert.id);
    if (!closed.some((a) => a.id === alert.id && a.version >= alert.version)) closed.unshift(alert);
  } else if (!known) {
    announcer.add(alert);
    beep(alert.severity);
  } else if (cards.newlyNamed(known, alert).length > 0) {
    // Another device of its kind while it is open (a second resident's pendant): a second person needing help.
    announcer.sayNow(
      `${cards.label(alert.severity)} alert: ${cards.label(alert.kind)} at ${alert.homeId}, also ${cards
        .newlyNamed(known, alert)
        .join(', ')}`,
      (waiting) => waiting.id === alert.id,
    );
    beep(alert.severity);
  } else if (cards.repeatedAfterAck(known, alert)) {
    announcer.sayNow(
      `${cards.label(alert.severity)} alert again: ${cards.label(alert.kind)} at ${alert.homeId}, seen ${alert.count} times, acknowledged by ${alert.acknowledgedBy}`,
      (waiting) => waiting.id === alert.id,
    );
    beep(alert.severity);
  }
  drawSoon();
}

/** True while the stream lists what is open (between its `open` and its `ready`): `ready` draws the list once. */
let listingNow = false;
/** A draw asked for and not yet done. */
let drawWaiting = null;

/**
 * Draws the list once for the alerts that came together, not once per alert: every card is built anew at each draw, so
 * a list of 150 alerts drawn for each of them as the stream listed them froze the page for many seconds, and 300 for
 * more than 30 s, before "Live: connected" (review, session 65). While the stream lists, `ready` draws; otherwise the
 * draw waits for the alerts that have already arrived (the next task), which also holds a flood that comes live.
 */
function drawSoon() {
  if (listingNow || drawWaiting !== null) return;
  drawWaiting = setTimeout(render, 0);
}

/**
 * Live again: each action that could not reach the hub says so, when, and to press again, in place of "Cannot reach
 * the hub: check the network connection …" (an acknowledgement another made meanwhile needs none).
 */
function sayUnsent() {
  for (const [id, { action, at }] of unsent) {
    const alert = alerts.get(id);
    if (!alert || (action === 'ack' && alert.state !== 'raised')) failures.delete(id);
    else
      failures.set(
        id,
        `Not ${action === 'ack' ? 'acknowledged' : 'resolved'}: the hub could not be reached at ${formatTime(at)}. ` +
          `The connection is back: press ${action === 'ack' ? 'Acknowledge' : 'Resolve'} again.`,
      );
  }
  unsent.clear();
}

function connect() {
  const source = new EventSource('/api/alerts/stream');
  // Ids of the open alerts the server lists after a (re)connection it cannot resume from the last event id
  // (EventSource sends it): any other alert we still show was closed while we were away.
  let snapshot = null;
  source.addEventListener('open', () => {
    snapshot = new Set();
    listingNow = true;
    // Not live until the open alerts are in: "Live: connected" over an empty list would say all is quiet.
    connection.listing();
    announcer.listing();
  });
  source.addEventListener('alert', (event) => {
    const alert = JSON.parse(event.data);
    if (snapshot) snapshot.add(alert.id);
    receive(alert);
  });
  source.addEventListener('ready', (event) => {
    // Resumed from the last event id: only what changed was sent, every other alert shown is still as it was.
    const resumed = JSON.parse(event.data).resumed === true;
    if (snapshot && !resumed)
      for (const id of [...alerts.keys()]) {
        if (!snapshot.has(id)) alerts.delete(id);
      }
    // An alert closed while the stream was away goes to "Recently closed" with how it was closed, not off the screen
    // unsaid (the list afresh names only what is open). Read again after every fresh listing but the page's first, not
    // only when a card shown went: an alert raised and closed meanwhile was never on this screen, and was nowhere at
    // all until the page was reloaded (review, session 64, as on the centre's console). A resumed stream sends the
    // versions missed, closed ones too.
    if (openListed && !resumed) loadRecentlyClosed();
    snapshot = null;
    // A note kept for an alert closed meanwhile (while the responder logged in again) has nothing to resolve.
    for (const id of drafts.keys()) {
      if (alerts.has(id)) continue;
      drafts.delete(id);
      resolving.delete(id);
    }
    openListed = true;
    listingNow = false;
    connection.connected();
    sayUnsent();
    render();
    // One sentence for the list (12 alerts open when the page opens are not 12 pieces of news).
    announcer.listed();
  });
  source.addEventListener('error', async () => {
    connection.lost();
    // Cut off while listing: what came is drawn, as before (the next listing draws the rest).
    if (listingNow) {
      listingNow = false;
      drawSoon();
    }
    // EventSource retries by itself; a lost session needs a new login instead.
    if (source.readyState === EventSource.CLOSED) {
      await api('/api/me').catch(() => undefined);
      setTimeout(connect, 3000);
    }
  });
}

// While the hub cannot store (disk full, database locked), alerts still arrive but live only in the hub's memory.
const storageBanner = document.getElementById('storage-banner');
async function checkStorage() {
  const health = await fetch('/api/health')
    .then((r) => r.json())
    .catch(() => undefined);
  showCentreLink(health && health.centreLink);
  const storage = health && health.storage;
  const degraded = Boolean(storage && storage.state === 'degraded');
  storageBanner.classList.toggle('on', degraded);
  // `advice`: what a known failure is and what to do (a failing SD card, a full disk), from the hub's storage health.
  const text = degraded
    ? `Storage problem on the hub (${storage.lastError || 'unknown'}): ${storage.advice ? `${storage.advice}. ` : ''}${storage.alertsHeldInMemory} alert(s) held in memory until storage returns. Alerts still arrive; call the installer.`
    : '';
  // Written only when it changes, as the centre's banner: a screen reader read the alert region again every 10 s
  // (review, session 76).
  if (storageBanner.textContent !== text) storageBanner.textContent = text;
}
setInterval(checkStorage, 10_000);

/**
 * A hub that forwards its alerts to an alarm-receiving centre whose alerts are not reaching it (the centre refusing
 * them, out of reach for minutes with alerts waiting, alerts held under the hub's earlier id): a warden at this
 * console would otherwise take it that the centre has every call too (review, session 75). The hub decides what is
 * wrong (a blip of the link is not said); the counts come only to roles that see every home.
 */
const centreBanner = document.getElementById('centre-banner');
/** `iso` as the hour and minute on this screen, with the day when it was not today. */
function sinceWhen(iso) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return at.toDateString() === new Date().toDateString()
    ? time
    : `${at.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })} ${time}`;
}
function centreLinkSentence(link) {
  const problems = link.problems || [];
  const main = problems.find((p) => p !== 'held');
  const count = link.alertsWaiting;
  const waiting = typeof count === 'number' ? `${count} alert${count === 1 ? '' : 's'} waiting` : '';
  const when = link.since ? sinceWhen(link.since) : '';
  const parts = [];
  if (main) {
    const head =
      `Alerts are not reaching the alarm centre${when ? ` since ${when}` : ''}` + (waiting ? ` (${waiting})` : '');
    const why = {
      'centre-refuses': "the centre refuses this hub's messages — call the installer.",
      unreachable:
        'the hub cannot reach the centre (its internet link or the centre is down) — they are sent once it is back; ' +
        'if this lasts, call the installer.',
      'settings-refused': "the hub's settings for the link to the centre are refused — call the installer.",
    }[main];
    parts.push(`${head}: ${why || 'call the installer.'}`);
  }
  if (problems.includes('held')) {
    // A responder held to homes gets no count (it moves with the other homes' alerts).
    const n = link.held;
    const which =
      typeof n === 'number'
        ? `${n} message${n === 1 ? '' : 's'} for the alarm centre, queued under this hub's earlier name (HUB_ID), ` +
          `${n === 1 ? 'is' : 'are'}`
        : "Messages for the alarm centre queued under this hub's earlier name (HUB_ID) are";
    parts.push(`${which} held and not sent — call the installer.`);
  }
  parts.push('Alerts still arrive here.');
  return parts.join(' ');
}
function showCentreLink(link) {
  const wrong = Boolean(link && link.reaching === false);
  const text = wrong ? centreLinkSentence(link) : '';
  centreBanner.classList.toggle('on', wrong);
  // Written only when it changes: a screen reader reads the alert region again at each change, not every 10 s.
  if (centreBanner.textContent !== text) centreBanner.textContent = text;
}

/**
 * A responder held to homes this hub does not have (an id typed in other capitals than the configuration's, a home
 * renamed since the login was made) would see "No open alerts" for ever while those homes' calls went unseen: said at
 * once, naming them (and nothing of the hub's other homes, which are not this responder's to know).
 */
function showHomesNotConfigured(me) {
  const missing = (me.homes || []).filter((id) => !Object.hasOwn(me.homeTimeZones || {}, id));
  const scopeBanner = document.getElementById('scope-banner');
  scopeBanner.hidden = missing.length === 0;
  if (missing.length === 0) return;
  const named = missing.map((id) => `'${id}'`).join(', ');
  const others = missing.length < me.homes.length ? ' (you do see the alerts of your other homes)' : '';
  scopeBanner.textContent =
    `Your login is for ${missing.length === 1 ? 'home' : 'homes'} ${named}, and this hub has no home of ` +
    `${missing.length === 1 ? 'that id' : 'those ids'} (mistyped, or renamed since): no alert of ` +
    `${missing.length === 1 ? 'it' : 'them'} can reach you here${others}. Ask the hub's admin to make your login ` +
    "again with the home's id as the hub's configuration writes it.";
}

/** How long the console waits before asking the hub again when it could not reach it as it opened. */
const START_RETRY_MS = 5_000;

/**
 * Who is logged in, asked again every START_RETRY_MS while the hub cannot be reached or cannot answer (restarting, the
 * Wi-Fi back a moment later): a console opened then stayed on "Connecting…" for good, live for nobody and saying
 * nothing, until someone thought to reload it (review, session 65). Meanwhile the live line and the tab's title say
 * there is no connection, as when the stream drops.
 */
async function whoIsLoggedIn() {
  try {
    return await startPageWhenReachable({
      everyMs: START_RETRY_MS,
      waiting: () => connection.lost(),
    });
  } catch (err) {
    // Not logged in: the page is on its way to the login.
    if (err.status !== 401) connection.problem(err.message);
    throw err;
  }
}

// Ages on the cards move on, in place: drawing every card anew each time paused a long list and took a keyboard
// user's and a screen reader's place with it (review, session 65, round 2).
// The closed list's times the same way (round 3: its ten lines were still drawn anew at each tick).
setInterval(() => {
  movingTimes(list);
  movingTimes(closedList);
}, 30_000);
whoIsLoggedIn()
  .then((me) => {
    // Forms half-filled when the session ended (the hub sent this page to the login) open again as they were.
    showHomesNotConfigured(me);
    drafts = cards.draftStore('telecare.console.drafts', me.username);
    for (const id of drafts.keys()) {
      resolving.add(id);
      seen.restore(id);
    }
    connect();
    return loadRecentlyClosed();
  })
  .then(checkStorage);
