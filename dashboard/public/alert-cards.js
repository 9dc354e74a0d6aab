// The alert cards of the hub's console and the centre's: order, wording, the resolve form, the critical banner, the
// live-connection line, announcements, and re-rendering without losing a keyboard user's place.
import { age, el, formatTime, homeZone, timeWithAge } from '/assets/common.js';

export const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
export const OUTCOMES = [
  ['false-alarm', 'False alarm'],
  ['no-action-needed', 'No action needed'],
  ['assisted-at-home', 'Assisted at home'],
  ['carer-visit', 'Carer visit'],
  ['ambulance', 'Ambulance'],
  ['hospital-admission', 'Hospital admission'],
  ['other', 'Other'],
];
export const OPEN = new Set(['raised', 'acknowledged']);

/**
 * A console's sound as this browser last had it (`key` in `localStorage`), with the page's `#sound` button: chosen on,
 * it waits for the first click or key on the page (browsers play nothing before), and meanwhile the `#sound-banner`
 * shows and the live line (`connection`, a `liveStatus`) says so. Any click on the page turns it on, the banner's button
 * too. The hub's console (review, session 65, round 2) and the centre's (round 3: its operators' choice was off after
 * every reload and login, critical calls coming in silence). Returns `beep(severity)`.
 */
export function rememberedSound(key, connection) {
  const soundBanner = document.getElementById('sound-banner');
  return alertSound(document.getElementById('sound'), {
    remember: key,
    onWaiting: (waiting) => {
      soundBanner.hidden = !waiting;
      connection.note(waiting ? 'Sound off until you click on this page or press a key' : '');
    },
  });
}

/**
 * A console's "Sound for urgent alerts" toggle (`button`): off until pressed, as browsers play sound only after a
 * gesture of the user's. Returns `beep(severity)`: while on, three short high tones for a critical alert, two lower
 * ones for a high one (possible fall, inactivity, bathroom too long, night exit), nothing for the rest. Both consoles
 * (the centre's from session 60; before, it had no sound at all). Before session 69 only a critical alert sounded: the
 * collapse the rules find by silence came in without a sound.
 *
 * `remember` (the hub's console): the key under which this browser keeps the choice. Chosen on, then the page opened
 * again (a reload at night, a new login), the sound was off with nothing but the button's words saying so (review,
 * session 65, round 2). The browser still plays nothing before a click or a key on the page, so the sound waits for
 * the first one (any, anywhere on the page) and `onWaiting(true)` lets the page ask for it; `onWaiting(false)` once it
 * plays, or once the responder chose otherwise with the button.
 */
export function alertSound(button, { remember, onWaiting } = {}) {
  let on = false;
  /** Chosen on, and the browser has not let this page play yet. */
  let waiting = false;
  let audio;
  const keep = (choice) => {
    if (!remember) return;
    try {
      localStorage.setItem(remember, choice);
    } catch {
      // Storage refused (private mode): the choice holds for this page only.
    }
  };
  const kept = () => {
    try {
      return remember ? localStorage.getItem(remember) : null;
    } catch {
      return null;
    }
  };
  const show = () => {
    button.setAttribute('aria-pressed', String(on));
    button.textContent = `Sound for urgent alerts: ${on ? 'on' : 'off'}`;
    onWaiting?.(waiting);
  };
  const playing = () => {
    if (!waiting || !audio || audio.state !== 'running') return;
    waiting = false;
    on = true;
    stopListening();
    show();
  };
  // Any click or key on the page is the gesture the browser waits for.
  const wake = () => {
    audio = audio || new AudioContext();
    audio.resume().then(playing, () => undefined);
  };
  const stopListening = () => {
    document.removeEventListener('pointerdown', wake, true);
    document.removeEventListener('keydown', wake, true);
  };
  button.addEventListener('click', () => {
    on = !on;
    waiting = false;
    stopListening();
    keep(on ? 'on' : 'off');
    if (on) {
      audio = audio || new AudioContext();
      audio.resume();
    }
    show();
  });
  if (kept() === 'on') {
    waiting = true;
    audio = new AudioContext();
    // A browser that lets the page play at once (a kiosk's autoplay setting): on, nothing to ask.
    audio.addEventListener?.('statechange', playing);
    document.addEventListener('pointerdown', wake, true);
    document.addEventListener('keydown', wake, true);
    playing();
    if (waiting) show();
  }
  return function beep(severity) {
    const tones = SOUNDS[severity];
    if (!on || !tones) return;
    audio = audio || new AudioContext();
    const now = audio.currentTime;
    for (let i = 0; i < tones.count; i++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = tones.hz;
      gain.gain.setValueAtTime(0.25, now + i * 0.35);
      gain.gain.setValueAtTime(0, now + i * 0.35 + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.35);
      osc.stop(now + i * 0.35 + 0.2);
    }
  };
}

/** What each severity sounds like: a critical call three high tones, a high one two lower ones; the rest nothing. */
const SOUNDS = { critical: { count: 3, hz: 880 }, high: { count: 2, hz: 660 } };

/** How often a console sounds again while an urgent alert nobody has acknowledged is open. */
export const REMIND_EVERY_MS = 30_000;

/**
 * Sounds again every `REMIND_EVERY_MS` while an alert that sounds (critical or high) is open and nobody has
 * acknowledged it (`unanswered()`: the severities of the open alerts still `raised`), the most severe one's sound.
 * Before (review, session 69), a console sounded once, for a second, when a call came: a responder who was out of the
 * room for that second came back to a silent screen, with the call waiting there and the ladder escalating. Alarm
 * receiving centres' screens ring until someone takes the call; acknowledging stops it.
 */
export function remindWhileUnanswered(beep, unanswered) {
  setInterval(() => {
    const severities = unanswered();
    const worst = ['critical', 'high'].find((s) => severities.includes(s));
    if (worst) beep(worst);
  }, REMIND_EVERY_MS);
}

/**
 * A repeat as serious as high of an alert someone acknowledged (a pendant pressed again, smoke again): the ladder has
 * stopped, so the hub sends it to every group told (docs/alerts.md, session 50), and a console says it too. Before,
 * only the card's "Seen 2 times" changed: no sound, nothing said (review, session 60, round 2). `known` and `next`:
 * `{ state, count, severity, lastSeenAt, acknowledgedAt }`. The page may not see the acknowledgement on its own: the
 * centre's console reads an alert's newest version when notified, so an acknowledgement and a press just after it
 * can come as one change (raised, seen once → acknowledged, seen twice); the press after the acknowledgement
 * (`lastSeenAt` later than `acknowledgedAt`) is said then too (session 61).
 */
export function repeatedAfterAck(known, next) {
  if (next.state !== 'acknowledged' || !(next.count > known.count)) return false;
  if (next.severity !== 'critical' && next.severity !== 'high') return false;
  return known.state === 'acknowledged' || Date.parse(next.lastSeenAt) > Date.parse(next.acknowledgedAt);
}

/**
 * The devices a high or critical alert names now that its version before did not (`otherDevices`: a second resident's
 * pendant, a second smoke detector merged into the open alert), acknowledged or still ringing: news a console says and
 * sounds, as the hub sends it to the groups at once (docs/alerts.md, session 66). Before, a card still ringing only
 * grew "also p2 (bedroom)" in its small print. `known` and `next`: `{ severity, detail }`. Their ids; empty otherwise.
 */
export function newlyNamed(known, next) {
  if (next.severity !== 'critical' && next.severity !== 'high') return [];
  const named = (d) => [
    d.deviceId,
    ...(Array.isArray(d.otherDevices) ? d.otherDevices.map((x) => x && x.deviceId) : []),
  ];
  const before = new Set(named(known.detail || {}));
  return named(next.detail || {}).filter((id) => typeof id === 'string' && !before.has(id));
}

/** An outcome's words, as the resolve form offers it: `carer-visit` → "Carer visit". */
export function outcomeWords(outcome) {
  return OUTCOMES.find(([value]) => value === outcome)?.[1] ?? outcome;
}

/** `text` with its first letter in capitals. */
export function sentence(text) {
  return text.replace(/^./, (c) => c.toUpperCase());
}

/**
 * Kinds whose id is no word (review, session 77: a carbon monoxide alarm's card read "Co", and a screen reader said
 * "co"): said in full on the cards, the page's title and what is announced.
 */
const KIND_WORDS = { co: 'Carbon monoxide' };

/** `possible-fall` → "Possible fall"; `co` → "Carbon monoxide". */
export function label(kind) {
  return KIND_WORDS[kind] ?? kind.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/**
 * How a closed alert was closed, in words for the next shift: the outcome a responder chose (its words, not its id)
 * and their note; or, for an alert the hub withdrew itself, what it saw ("cancelled: activity in hall"), so that a
 * possible fall gone from the list does not read as one nobody dealt with.
 */
export function howClosed(alert) {
  if (alert.state === 'resolved') {
    const outcome = outcomeWords(alert.outcome);
    const note = typeof alert.note === 'string' && alert.note.trim() ? ` ("${alert.note.trim()}")` : '';
    return `resolved${outcome ? ': ' + outcome : ''}${note}`;
  }
  const reason = alert.detail && typeof alert.detail.cancelReason === 'string' ? alert.detail.cancelReason : '';
  if (alert.state === 'cancelled') return reason ? `cancelled by the hub: ${reason}` : 'cancelled by the hub';
  return alert.state;
}

/** Most severe first, then newest. */
export function byUrgency(a, b) {
  return (SEVERITY_RANK[a.severity] ?? 5) - (SEVERITY_RANK[b.severity] ?? 5) || b.raisedAt.localeCompare(a.raisedAt);
}

/**
 * The resolve form: an outcome (required) and a note. `key` makes the field ids unique on the page. Escape or
 * Cancel close it (the keyboard goes back to the card's Resolve… button). `draft` fills it (what was typed before it
 * was drawn anew), and `onDraft` hears each change.
 */
export function resolveForm(key, { onSubmit, onCancel, draft, onDraft }) {
  const id = 'outcome-' + key;
  const noteId = 'note-' + key;
  const form = el(
    'form',
    {
      class: 'resolve-form',
      'data-return-to': 'resolve',
      onsubmit: (e) => {
        e.preventDefault();
        onSubmit({ outcome: form.outcome.value, note: form.note.value.trim() || null });
      },
      onkeydown: (e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        onCancel();
      },
    },
    el('label', { for: id }, 'Outcome'),
    el(
      'select',
      { id, name: 'outcome', required: true },
      el('option', { value: '' }, 'Choose…'),
      OUTCOMES.map(([value, text]) => el('option', { value }, text)),
    ),
    el('label', { for: noteId }, 'Note'),
    el('textarea', { id: noteId, name: 'note', rows: 2, maxlength: 2000 }),
    el(
      'div',
      { class: 'row' },
      el('button', { type: 'submit' }, 'Resolve'),
      el('button', { type: 'button', class: 'secondary', onclick: onCancel }, 'Cancel'),
    ),
  );
  if (draft) {
    form.outcome.value = OUTCOMES.some(([value]) => value === draft.outcome) ? draft.outcome : '';
    form.note.value = typeof draft.note === 'string' ? draft.note : '';
  }
  if (onDraft) {
    // Not on `change`: a textarea fires it as the form is taken away (cancelled, sent), which would keep it alive.
    form.addEventListener('input', () => {
      if (form.isConnected) onDraft({ outcome: form.outcome.value, note: form.note.value });
    });
  }
  return form;
}

/**
 * The version of each alert as its resolve form was opened (or as it stood when the server refused a resolve for a
 * change since), by key: sent with the resolve, so that the hub refuses it when the alert was pressed again or became
 * more serious meanwhile (review, session 73). Kept in the form's draft too (`seenVersion`), so that a page opened
 * again gets it back with the draft (`restore`). `drafts()`: the page's draft store (set once the user is known).
 */
export function seenVersions(drafts) {
  const seen = new Map();
  return {
    get: (key) => seen.get(key),
    remember(key, version) {
      seen.set(key, version);
      const draft = drafts().get(key);
      if (draft) drafts().set(key, { ...draft, seenVersion: version });
    },
    forget: (key) => seen.delete(key),
    /** The draft `draft` typed in the form of `key`, kept with the version that form acts on. */
    keepDraft: (key, draft) => drafts().set(key, { ...draft, seenVersion: seen.get(key) }),
    /** The version kept with the draft of `key`, after a reload. */
    restore(key) {
      const version = drafts().get(key)?.seenVersion;
      if (Number.isInteger(version)) seen.set(key, version);
    },
  };
}

/**
 * Half-filled resolve forms, kept in this tab's sessionStorage for `username`: a form drawn anew (the alert changed
 * while the responder typed) or a page opened again after logging in anew (the session ended mid-note) gets back
 * what was typed. Gone with the tab, at logout, and as each form is sent or cancelled; another user logging in on the
 * same tab sees none of it, and it is removed then.
 */
export function draftStore(name, username) {
  const item = `${name}:${username}`;
  // What another user typed on this tab before their session ended is never theirs to read: gone once someone else
  // logs in here.
  try {
    for (let i = sessionStorage.length - 1; i >= 0; i--) {
      const key = sessionStorage.key(i);
      if (key !== null && key.startsWith(`${name}:`) && key !== item) sessionStorage.removeItem(key);
    }
  } catch {
    // Storage refused (private mode): nothing was kept either.
  }
  const read = () => {
    try {
      const parsed = JSON.parse(sessionStorage.getItem(item) || '{}');
      return new Map(parsed && typeof parsed === 'object' ? Object.entries(parsed) : []);
    } catch {
      return new Map();
    }
  };
  const write = (all) => {
    try {
      if (all.size) sessionStorage.setItem(item, JSON.stringify(Object.fromEntries(all)));
      else sessionStorage.removeItem(item);
    } catch {
      // Storage full or refused (private mode): the form still works, only without the copy.
    }
  };
  return {
    keys: () => [...read().keys()],
    get: (key) => read().get(key),
    set(key, draft) {
      const all = read();
      all.set(key, draft);
      write(all);
    },
    delete(key) {
      const all = read();
      if (all.delete(key)) write(all);
    },
  };
}

/**
 * Acknowledge (while raised) and Resolve… (unless its form is open); disabled while a command waits (`pending`), or
 * only Acknowledge while an acknowledgement waits (`acknowledging`: the hub's console, session 63). Once acknowledged,
 * the word "Acknowledged" in a box of the button's size keeps its place (review, session 70): before, the button went,
 * Resolve… took its place (a second tap there opened the resolve form), and on a narrow screen, where the two buttons
 * stood one above the other, every card under it moved up by a button's height.
 */
export function actionRow({ state, resolving, pending, acknowledging, onAcknowledge, onResolve }) {
  return el(
    'div',
    { class: 'row' },
    state === 'raised'
      ? el(
          'button',
          { type: 'button', 'data-action': 'acknowledge', disabled: pending || acknowledging, onclick: onAcknowledge },
          'Acknowledge',
        )
      : state === 'acknowledged'
        ? el('span', { class: 'ack-done' }, el('span', {}, 'Acknowledged'))
        : null,
    !resolving
      ? el(
          'button',
          { type: 'button', class: 'secondary', 'data-action': 'resolve', disabled: pending, onclick: onResolve },
          'Resolve…',
        )
      : null,
  );
}

/**
 * Names a card for a screen reader with what and where: its heading holds `where` after the kind ("Pendant at flat-2
 * critical raised"; seen, the place stays on the line under it), and each button of its action row says whose it is,
 * `about` after its visible words ("Acknowledge Pendant at flat-2", as voice control users say them). Without it, read
 * by heading, in a screen reader's list of buttons or as the keyboard reached them, every pendant call sounded the
 * same ("Pendant critical raised", "Acknowledge"): the hub's console since session 65, the centre's since session 69.
 */
export function nameCard(heading, where, actions, about) {
  heading.firstChild.after(el('span', { class: 'visually-hidden' }, ` at ${where}`));
  for (const button of actions.querySelectorAll('button')) {
    button.setAttribute('aria-label', `${button.textContent} ${about}`);
  }
}

/** The card's title: what, how severe, its state, and any extra badges. */
export function cardHeading(kind, severity, state, ...badges) {
  return el(
    'h3',
    {},
    label(kind),
    ' ',
    el('span', { class: `badge sev-${severity}` }, severity),
    ' ',
    el('span', { class: 'badge state' }, state),
    // A space before each: "raised hub offline", not two badges run together ("raisedhub offline").
    badges.filter(Boolean).flatMap((badge) => [' ', badge]),
  );
}

/**
 * Alerts raised at one event (a press, a fall, a detector's alarm, a tamper, a battery report): their `eventAt` is the
 * event's own time. A silence's `eventAt` is when it fell due; its card says how long it has lasted instead.
 */
const AT_AN_EVENT = new Set(['pendant', 'fall', 'smoke', 'co', 'gas', 'flood', 'tamper', 'low-battery']);
/** A wearable's fall is judged within seconds of the impact; a minute or more behind means the event reached the hub late. */
const LATE_EVENT_MS = 60_000;

/**
 * "Happened Sun 22:00 (16 h 02 min ago)" before "Raised …", for an alert raised a minute or more after its event: a
 * bridge flushing what it buffered, a radio retrying, or a hub that was not running. Without it a press made yesterday
 * evening reads as one made just now (session 58). Nothing for an alert raised on time.
 */
export function lateEvent(alert, raisedAt, zone = homeZone(alert.homeId)) {
  if (!AT_AN_EVENT.has(alert.kind) || !alert.detail || typeof alert.detail.eventAt !== 'string') return null;
  const eventAt = alert.detail.eventAt;
  if (!(Date.parse(raisedAt) - Date.parse(eventAt) >= LATE_EVENT_MS)) return null;
  return el(
    'span',
    {
      class: 'late-event',
      title:
        'When it happened: the hub received it later (a sensor or bridge sent it late, or the hub was not running)',
    },
    'Happened ',
    timeWithAge(eventAt, Date.now(), zone),
  );
}

/**
 * The card's facts line: `where` items, when raised (the home's time and age), repeats, who acknowledged, escalation.
 * `zone`: the home's time zone (the hub's console knows it by the home's id; the centre's is told it with each card,
 * session 75); the viewer's own when undefined.
 */
export function cardMeta(where, alert, raisedAt, zone = homeZone(alert.homeId)) {
  return el(
    'p',
    { class: 'meta' },
    where.filter(Boolean).map((text) => el('span', {}, text)),
    lateEvent(alert, raisedAt, zone),
    el('span', {}, 'Raised ', timeWithAge(raisedAt, Date.now(), zone)),
    alert.count > 1
      ? el('span', {}, `Seen ${alert.count} times, last `, timeWithAge(alert.lastSeenAt, Date.now(), zone))
      : null,
    alert.acknowledgedBy
      ? el('span', {}, `Acknowledged by ${alert.acknowledgedBy}${acknowledgementNote(alert)}`)
      : null,
    escalation(alert),
  );
}

/**
 * What the responder said on acknowledging (`POST /api/alerts/:id/ack {note}`, session 64: "calling her daughter"), for
 * the next responder to read while the alert is open; a closed alert's note is said with how it was closed.
 */
function acknowledgementNote(alert) {
  const note = alert.state === 'acknowledged' && typeof alert.note === 'string' ? alert.note.trim() : '';
  return note ? `: "${note}"` : '';
}

/**
 * Who the alert went to, from its ladder (the hub's `notifiedGroups`, session 35): "Sent to wardens", "Escalated to
 * level 1: sent to wardens, then night-team". An alert from a hub before session 35 says only the level, as before.
 */
export function escalation(alert) {
  const level = typeof alert.escalationLevel === 'number' ? alert.escalationLevel : 0;
  const groups = Array.isArray(alert.notifiedGroups)
    ? alert.notifiedGroups.filter((g) => typeof g === 'string' && g)
    : [];
  if (groups.length === 0) return level > 0 ? el('span', {}, `Escalated to level ${level}`) : null;
  const told = groups.length === 1 ? groups[0] : `${groups.slice(0, -1).join(', ')}, then ${groups[groups.length - 1]}`;
  return el('span', { class: 'told' }, level > 0 ? `Escalated to level ${level}: sent to ${told}` : `Sent to ${told}`);
}

/**
 * The banner over the list while any critical alert waits for acknowledgement. Once it has been shown, its place stays:
 * when the last critical alert is acknowledged, a calm line "No critical alert waiting" as tall as the banner was takes
 * it (`#<banner id>-none`, made here, outside the banner's live region: nothing is said aloud). Before (review,
 * session 70), the banner went and the page moved up by its height (two lines at 390 px); at the page's top nothing
 * could scroll back, and a second tap where the next card's Acknowledge had been landed elsewhere. A banner coming
 * back takes the line's place as it was.
 */
export function showCritical(banner, open) {
  const critical = open.filter((a) => a.severity === 'critical' && a.state === 'raised');
  const height = banner.classList.contains('on') ? banner.getBoundingClientRect().height : 0;
  banner.classList.toggle('on', critical.length > 0);
  banner.textContent = critical.length
    ? `${critical.length} critical alert${critical.length > 1 ? 's' : ''} waiting for acknowledgement`
    : '';
  let calm = document.getElementById(`${banner.id}-none`);
  if (critical.length > 0) {
    if (calm) calm.hidden = true;
    return;
  }
  if (height === 0) return;
  if (!calm) {
    calm = el('p', { id: `${banner.id}-none`, class: 'no-critical' }, 'No critical alert waiting');
    banner.after(calm);
  }
  calm.style.minHeight = `${height}px`;
  calm.hidden = false;
}

/**
 * How long a sentence stays in the aria-live region once said: then it is taken out, unless another took its place. A
 * screen reader says it as it comes; one reading the page from the top later found the last sentence there for good
 * ("2 open alerts (2 critical). Most urgent: critical Fall at h1" after the fall was resolved, "Cannot reach the hub"
 * long after the console was live again; review, session 74).
 */
export const ANNOUNCE_KEEP_MS = 60_000;

/** The timer that takes each region's sentence out, by region. */
const clearing = new WeakMap();

/**
 * Says `text` through the page's aria-live region. Emptied first and filled a moment later, so a screen reader also
 * reads out a text the same as the last one (two pendants from the same home). A timer, not an animation frame: a
 * console left in a background tab gets no frames. Taken out `ANNOUNCE_KEEP_MS` later unless another took its place.
 */
export function announce(announcer, text) {
  announcer.textContent = '';
  setTimeout(() => {
    announcer.textContent = text;
    clearTimeout(clearing.get(announcer));
    clearing.set(
      announcer,
      setTimeout(() => {
        announcer.textContent = '';
      }, ANNOUNCE_KEEP_MS),
    );
  }, 50);
}

/**
 * How long the page waits, after the last new alert, before saying what it gathered: a flood is said once, not one
 * sentence per alert.
 */
const ANNOUNCE_GATHER_MS = 300;
/**
 * The longest an alert waits to be said while more keep coming: a flood that arrives over many seconds (a centre's
 * hubs reconnecting, a slow link) is said every 2 s with how many came, not every 300 ms, each sentence cutting off the
 * one before, and the alerts that came first are not held back until the flood ends.
 */
const ANNOUNCE_LONGEST_WAIT_MS = 2000;

/**
 * Says new alerts through the aria-live region `announcer`, gathered for a moment so that a flood is said once (not
 * one sentence per alert, each cutting off the one before). Alerts listed on (re)connecting, between `listing()` and
 * `listed()`, are said together when the list is complete: the page's first list as what is open ("3 open alerts
 * …", not news), a later one as what came meanwhile. `where(alert)` names an alert ("Pendant at h1").
 */
export function alertAnnouncer(announcer, where) {
  let unannounced = [];
  let listing = false;
  let first = true;
  let timer = null;
  /** When the first alert not yet said came (performance.now()), or null. */
  let gatheringSince = null;
  const say = (what) => {
    clearTimeout(timer);
    timer = null;
    gatheringSince = null;
    const gathered = unannounced.sort(byUrgency);
    unannounced = [];
    const top = gathered[0];
    if (!top) return;
    if (gathered.length === 1) {
      announce(announcer, `${what === 'new' ? 'New' : 'Open'} ${top.severity} alert: ${where(top)}`);
      return;
    }
    const bySeverity = new Map();
    for (const a of gathered) bySeverity.set(a.severity, (bySeverity.get(a.severity) || 0) + 1);
    const counts = [...bySeverity].map(([severity, n]) => `${n} ${severity}`).join(', ');
    announce(announcer, `${gathered.length} ${what} alerts (${counts}). Most urgent: ${top.severity} ${where(top)}`);
  };
  return {
    /** An alert this page had not seen. */
    add(alert) {
      unannounced.push(alert);
      if (listing) return;
      // Said once the alerts stop coming for a moment, or once the first of them has waited the longest.
      const now = performance.now();
      if (gatheringSince === null) gatheringSince = now;
      const wait = Math.min(ANNOUNCE_GATHER_MS, gatheringSince + ANNOUNCE_LONGEST_WAIT_MS - now);
      clearTimeout(timer);
      timer = setTimeout(
        () => {
          timer = null;
          if (!listing) say('new');
        },
        Math.max(0, wait),
      );
    },
    /** The server starts listing what is open (or what changed while the page was away). */
    listing() {
      listing = true;
    },
    /**
     * Says `text` about an alert already known (pressed again after an acknowledgement) now. The alert is no longer
     * new: if it still waits to be said as new (acknowledged and pressed again within the moment new alerts are
     * gathered), it is not said as new after, which would cut this sentence off with a stale one (session 61).
     * `isIt(alert)` picks it out of those waiting.
     */
    sayNow(text, isIt) {
      unannounced = unannounced.filter((alert) => !isIt(alert));
      if (unannounced.length === 0 && timer !== null) {
        clearTimeout(timer);
        timer = null;
        gatheringSince = null;
      }
      announce(announcer, text);
    },
    /** The list is complete: say it in one sentence. */
    listed() {
      listing = false;
      say(first ? 'open' : 'new');
      first = false;
    },
  };
}

/**
 * The card the responder is on, and where it is on the screen: the card holding the keyboard, or, on a page scrolled
 * into the list, the first card on the screen (the list's end when the cards are all above it). None at the page's top
 * with the keyboard elsewhere: a new alert is drawn there, in view, as the most urgent. For the card holding the
 * keyboard, also where its mark is (`markOf`).
 */
function cardOnScreen(list, focusedCard) {
  if (focusedCard) {
    const mark = markOf(focusedCard);
    return {
      key: focusedCard.dataset.key,
      top: focusedCard.getBoundingClientRect().top,
      mark: mark && { field: mark.field, top: mark.node.getBoundingClientRect().top },
    };
  }
  if (window.scrollY <= 0) return null;
  const shown = [...list.children].find((li) => li.getBoundingClientRect().bottom > 0);
  if (shown) return { key: shown.dataset.key, top: shown.getBoundingClientRect().top };
  return { key: null, top: list.getBoundingClientRect().bottom };
}

/**
 * What of the card holding the keyboard stays where it is on the screen: the field of its resolve form she is in, or
 * else its row of buttons (review, session 70). Not the card's top: a card acknowledged grows above its buttons
 * ("Acknowledged by sam", the centre's "Acknowledgement … sent to the hub"), which moved its buttons and every card
 * under it down by a line or two, the next card's Acknowledge away from the finger about to tap it.
 */
function markOf(card) {
  const active = document.activeElement;
  if (active && card.contains(active) && active.closest('form')) return { field: true, node: active };
  const row = [...card.children].find((child) => child.classList.contains('row'));
  return row ? { field: false, node: row } : null;
}

/** Scrolls the page so that the card `on` (from `cardOnScreen`) is where it was, if it is still in `list`. */
function keepOnScreen(list, on) {
  if (!on) return;
  const same = on.key === null ? list : [...list.children].find((li) => li.dataset.key === on.key);
  if (!same) return;
  const mark = on.mark && markOf(same);
  const [was, now] =
    mark && mark.field === on.mark.field
      ? [on.mark.top, mark.node.getBoundingClientRect().top]
      : [on.top, on.key === null ? same.getBoundingClientRect().bottom : same.getBoundingClientRect().top];
  if (now !== was) window.scrollBy(0, now - was);
}

/**
 * Replaces the cards of `list` (each an `li[data-key]`) with `nodes`, keeping the keyboard where it was: on the same
 * control of the same card (its `data-action`), in a kept resolve form with the caret where it was, or, when the card
 * went, on the next card (or the list itself). The card the responder is on stays where it is on the screen when
 * cards come or go above it (session 69: a new alert drawn above moved the card being read, and the button under a
 * finger about to tap, by a card's height), and the buttons of the card holding the keyboard when it grows above them
 * (session 70: acknowledged).
 */
export function replaceKeepingFocus(list, nodes) {
  const before = new Set([...list.children].map((li) => li.dataset.key));
  const active = document.activeElement;
  const card = active && active !== list && list.contains(active) ? active.closest('li[data-key]') : null;
  const returnTo = active && active.closest('[data-return-to]');
  const was = {
    active,
    key: card && card.dataset.key,
    index: card ? [...list.children].indexOf(card) : -1,
    action: (returnTo && returnTo.dataset.returnTo) || (active && active.dataset && active.dataset.action),
    caret: active && typeof active.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null,
  };
  const on = cardOnScreen(list, card);
  list.replaceChildren(...nodes);
  // The keyboard back first: what of its card stays in place depends on where it is now.
  if (card && document.activeElement !== active) focusBack(list, was);
  keepOnScreen(list, on);
  return nodes.filter((li) => !before.has(li.dataset.key)).map((li) => li.dataset.key);
}

/** Puts the keyboard back where it was (`was`, from `replaceKeepingFocus`) once its card was drawn anew or went. */
function focusBack(list, { active, key, index, action, caret }) {
  // A kept node (a half-filled resolve form) was taken out and put back: the browser dropped its focus. Or the form
  // was drawn anew (its alert changed) with what was typed: the same field, with the caret where it was.
  const twin = active.isConnected ? active : active.id && document.getElementById(active.id);
  // (Not a card that held the keyboard itself: drawn anew, it is not focusable; the cases below choose for it.)
  if (twin && list.contains(twin) && !twin.matches('li[data-key]')) {
    twin.focus();
    if (caret && typeof twin.setSelectionRange === 'function') twin.setSelectionRange(caret[0], caret[1]);
    return;
  }
  const same = [...list.children].find((li) => li.dataset.key === key);
  // The control she pressed waits, disabled, for its answer (Acknowledge): the card holds the keyboard meanwhile. On
  // the card's next button, a second Enter (a double press) opened the resolve form (review, session 73).
  const waits = Boolean(action && same && same.querySelector(`[data-action="${action}"][disabled]`));
  const target = waits
    ? null
    : same
      ? (action && same.querySelector(`[data-action="${action}"]:not([disabled])`)) ||
        same.querySelector('button:not([disabled]), select, textarea')
      : list.children[Math.min(index, list.children.length - 1)]?.querySelector('button:not([disabled])');
  // Nothing to press on the card now (a command waits), or the control pressed waits: the card itself holds the
  // focus meanwhile, and remembers that control for the next draw.
  const holder = target || same || list;
  if (!target) holder.setAttribute('tabindex', '-1');
  if (waits) holder.dataset.returnTo = action;
  holder.focus();
}

/**
 * A button at the top of the screen that says a new alert was drawn above it: the card the responder is on stays where
 * it is (`replaceKeepingFocus`), so a call that comes in while she is scrolled down the list is out of sight, and only
 * an urgent one sounds. "↑ New alert above: Pendant at flat-9" (or how many); pressed, it shows the
 * newest such card and puts the keyboard on it. It goes once those cards are on the screen, or gone. `drawn(keys)`:
 * the keys `replaceKeepingFocus` returned. It appears over no control (`placeClear`, session 70): lower down the screen
 * when a button is at its top. In the page's order it comes just before the list, for the keyboard and screen readers.
 */
export function newAboveNotice(list) {
  // What the card's heading says, without its badges: "Pendant at flat-9".
  const whatOf = (li) => {
    const heading = li.querySelector('h3')?.cloneNode(true);
    heading?.querySelectorAll('.badge').forEach((badge) => badge.remove());
    return (heading?.textContent || '').replace(/\s+/g, ' ').trim() || 'show it';
  };
  const waiting = new Set();
  const cardOf = (key) => [...list.children].find((li) => li.dataset.key === key);
  const button = el('button', {
    type: 'button',
    class: 'new-above',
    hidden: true,
    onclick: () => {
      const first = [...list.children].find((li) => waiting.has(li.dataset.key));
      waiting.clear();
      show();
      if (!first) return;
      first.scrollIntoView({ block: 'start' });
      (first.querySelector('button:not([disabled])') || first).focus({ preventScroll: true });
    },
  });
  list.before(button);
  function show() {
    for (const key of [...waiting]) {
      const li = cardOf(key);
      if (!li || li.getBoundingClientRect().bottom > 0) waiting.delete(key);
    }
    const was = button.hidden ? null : button.textContent;
    button.hidden = waiting.size === 0;
    if (waiting.size === 1) {
      button.textContent = `↑ New alert above: ${whatOf(cardOf([...waiting][0]))}`;
    } else if (waiting.size > 1) button.textContent = `↑ ${waiting.size} new alerts above: show them`;
    // Placed as it appears or its words change, not as the page scrolls under it (it would move under the finger).
    if (!button.hidden && button.textContent !== was) placeClear(button, was !== null);
  }
  window.addEventListener('scroll', show, { passive: true });
  return {
    drawn(keys) {
      for (const key of keys) waiting.add(key);
      show();
    },
  };
}

/** What a tap can press: a control, a link, a field's label, anything the keyboard can reach. */
const PRESSABLE = [
  'a[href]',
  'button',
  'input',
  'select',
  'textarea',
  'summary',
  'label',
  '[tabindex]:not([tabindex="-1"])',
  '[role="button"]',
  '[role="link"]',
].join(', ');
/** Room left between a notice over the page and the controls around it, in CSS px. */
const CLEAR_PX = 4;

/**
 * Places `notice` (fixed, over the page, at the top of the screen as its style sets it) at the highest place on the
 * screen where it covers no control: at the style's top when nothing pressable is there, or just under a control that
 * would be under it. Where it appears is where the responder's finger may be about to tap (review, session 70: at the
 * top of the screen it covered the button of the card scrolled there, and a tap meant for that button brought her to
 * the new call instead). `keep`: where it is now will do if it is clear (its words changed, it has not just appeared).
 * No clear place on the screen: the style's top, as before.
 */
function placeClear(notice, keep) {
  const shown = (box) => box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight;
  const controls = [...document.querySelectorAll(PRESSABLE)]
    .filter((node) => node !== notice && !notice.contains(node))
    .map((node) => node.getBoundingClientRect())
    .filter(shown);
  const box = notice.getBoundingClientRect();
  const clear = (top) =>
    !controls.some(
      (c) =>
        c.left < box.right + CLEAR_PX &&
        c.right > box.left - CLEAR_PX &&
        c.top < top + box.height + CLEAR_PX &&
        c.bottom > top - CLEAR_PX,
    );
  if (keep && clear(box.top)) return;
  notice.style.top = '';
  const first = notice.getBoundingClientRect().top;
  const fits = (top) => top >= first && top + box.height <= window.innerHeight;
  const places = [first, ...controls.map((c) => c.bottom + CLEAR_PX)].filter(fits).sort((a, b) => a - b);
  const top = places.find(clear);
  if (top !== undefined && top !== first) notice.style.top = `${top}px`;
}

/**
 * What waits for an answer, and a screen that is not live, in the tab's title, before the page's own: "No connection ·
 * 2 waiting (1 critical) · Alerts · Telecare hub". A console in a background tab or behind another window (the care
 * records open at 3 a.m.), its sound off, showed a new call nowhere but on the page itself, and one whose stream was
 * down looked, from the tab, as quiet as one with nothing open (review, session 65, the hub's console; session 73, the
 * centre's, whose title said "Alerts · Telecare centre" whatever happened). `open(alerts)` with the open alerts (each
 * with its `state` and `severity`); `liveStatus` says the connection's part.
 */
export function tabTitle() {
  const pageTitle = document.title;
  let connection = null;
  let waiting = '';
  const show = () => {
    document.title = [connection, waiting, pageTitle].filter(Boolean).join(' · ');
  };
  return {
    open(alerts) {
      const raised = alerts.filter((a) => a.state === 'raised');
      const critical = raised.filter((a) => a.severity === 'critical').length;
      waiting = raised.length ? `${raised.length} waiting${critical ? ` (${critical} critical)` : ''}` : '';
      show();
    },
    /** "No connection", "Not live", or null once live. */
    connection(words) {
      connection = words;
      show();
    },
  };
}

/**
 * What the live line (`line`) says while the screen is not live, said again over the page while that line is off the
 * screen: a responder scrolled down the list when the connection dropped saw nothing change (the line at the top of the
 * page said it, and the tab's title, which a phone does not show); the cards' ages went on moving as if live, their
 * states frozen at the cut (review, session 73). Placed as the new-call notice is, where it covers no control, and it
 * takes no tap (`pointer-events: none`); hidden from screen readers, which the live line (`role="status"`) tells.
 * `show(text)`: the words while not live, null once live again.
 */
function outOfDateNotice(line) {
  const notice = el('p', { class: 'out-of-date', 'aria-hidden': 'true', hidden: true });
  document.body.append(notice);
  let words = null;
  const place = () => {
    const box = line.getBoundingClientRect();
    const lineOnScreen = box.bottom > 0 && box.top < window.innerHeight;
    const was = notice.hidden ? null : notice.textContent;
    notice.hidden = words === null || lineOnScreen;
    if (notice.hidden) return;
    if (was !== words) notice.textContent = words;
    // Placed as it appears or its words change, not as the page scrolls under it (it would move under the finger).
    if (was !== words) placeClear(notice, was !== null);
  };
  window.addEventListener('scroll', place, { passive: true });
  return {
    show(text) {
      words = text;
      place();
    },
  };
}

/**
 * The live-connection line: "Live: connected" (only once the open alerts are listed: before that the screen is not
 * yet live), or since when `server` is out of reach and that the list may be out of date, so a responder knows to
 * fall back on the phone.
 */
export function liveStatus(node, server, title = null) {
  let lostAt = null;
  let problem = null;
  let loading = false;
  /** A sentence said after the connection's state, whatever it is (`note()`). */
  let note = '';
  const state = () => {
    if (problem) return problem;
    if (loading) return `Connected to ${server}: loading the open alerts…`;
    if (lostAt)
      return `No connection to ${server} since ${formatTime(lostAt)} (${age(lostAt)}): reconnecting… New alerts cannot reach this screen; use the phone procedure if this lasts.`;
    return 'Live: connected';
  };
  const outOfDate = outOfDateNotice(node);
  const show = () => {
    node.classList.toggle('lost', lostAt !== null || problem !== null);
    node.textContent = note ? `${state()} · ${note}` : state();
    title?.connection(problem ? 'Not live' : lostAt ? 'No connection' : null);
    outOfDate.show(
      problem
        ? 'Not live: this list may be out of date (the top of the page says why).'
        : lostAt
          ? `No connection since ${formatTime(lostAt)} (${age(lostAt)}): this list may be out of date.`
          : null,
    );
  };
  setInterval(() => lostAt && show(), 30_000);
  return {
    /** The stream is open and the server is listing the open alerts (or what changed meanwhile). */
    listing() {
      loading = true;
      show();
    },
    /** The list is in: the screen is live. */
    connected() {
      lostAt = null;
      problem = null;
      loading = false;
      show();
    },
    lost() {
      loading = false;
      lostAt = lostAt || new Date().toISOString();
      show();
    },
    /** `text` until the next `connected()`: the server answers, but cannot do its job (its database is down). */
    problem(text) {
      problem = text;
      show();
    },
    /** `text` after the connection's state until `note('')` (the hub's console: the sound waits for a click). */
    note(text) {
      note = text;
      show();
    },
  };
}
