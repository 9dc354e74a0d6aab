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

/** `possible-fall` → "Possible fall". */
export function label(kind) {
  return kind.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** Most severe first, then newest. */
export function byUrgency(a, b) {
  return (SEVERITY_RANK[a.severity] ?? 5) - (SEVERITY_RANK[b.severity] ?? 5) || b.raisedAt.localeCompare(a.raisedAt);
}

/**
 * The resolve form: an outcome (required) and a note. `key` makes the field ids unique on the page. Escape or
 * Cancel close it (the keyboard goes back to the card's Resolve… button).
 */
export function resolveForm(key, { onSubmit, onCancel }) {
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
  return form;
}

/** Acknowledge (while raised) and Resolve… (unless its form is open); disabled while a command waits. */
export function actionRow({ state, resolving, pending, onAcknowledge, onResolve }) {
  return el(
    'div',
    { class: 'row' },
    state === 'raised'
      ? el(
          'button',
          { type: 'button', 'data-action': 'acknowledge', disabled: pending, onclick: onAcknowledge },
          'Acknowledge',
        )
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
    badges,
  );
}

/** The card's facts line: `where` items, when raised (the home's time and age), repeats, who acknowledged, escalation. */
export function cardMeta(where, alert, raisedAt) {
  return el(
    'p',
    { class: 'meta' },
    where.filter(Boolean).map((text) => el('span', {}, text)),
    el('span', {}, 'Raised ', timeWithAge(raisedAt, Date.now(), homeZone(alert.homeId))),
    alert.count > 1
      ? el(
          'span',
          {},
          `Seen ${alert.count} times, last `,
          timeWithAge(alert.lastSeenAt, Date.now(), homeZone(alert.homeId)),
        )
      : null,
    alert.acknowledgedBy ? el('span', {}, `Acknowledged by ${alert.acknowledgedBy}`) : null,
    alert.escalationLevel > 0 ? el('span', {}, `Escalated to level ${alert.escalationLevel}`) : null,
  );
}

/** The banner over the list while any critical alert waits for acknowledgement. */
export function showCritical(banner, open) {
  const critical = open.filter((a) => a.severity === 'critical' && a.state === 'raised');
  banner.classList.toggle('on', critical.length > 0);
  banner.textContent = critical.length
    ? `${critical.length} critical alert${critical.length > 1 ? 's' : ''} waiting for acknowledgement`
    : '';
}

/**
 * Says `text` through the page's aria-live region. Emptied first and filled a moment later, so a screen reader also
 * reads out a text the same as the last one (two pendants from the same home). A timer, not an animation frame: a
 * console left in a background tab gets no frames.
 */
export function announce(announcer, text) {
  announcer.textContent = '';
  setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

/**
 * Replaces the cards of `list` (each an `li[data-key]`) with `nodes`, keeping the keyboard where it was: on the same
 * control of the same card (its `data-action`), in a kept resolve form with the caret where it was, or, when the card
 * went, on the next card (or the list itself).
 */
export function replaceKeepingFocus(list, nodes) {
  const active = document.activeElement;
  const card = active && active !== list && list.contains(active) ? active.closest('li[data-key]') : null;
  const key = card && card.dataset.key;
  const index = card ? [...list.children].indexOf(card) : -1;
  const returnTo = active && active.closest('[data-return-to]');
  const action = (returnTo && returnTo.dataset.returnTo) || (active && active.dataset && active.dataset.action);
  const caret =
    active && typeof active.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
  list.replaceChildren(...nodes);
  if (!card || document.activeElement === active) return;
  if (active.isConnected) {
    // A kept node (a half-filled resolve form) was taken out and put back: the browser dropped its focus.
    active.focus();
    if (caret) active.setSelectionRange(caret[0], caret[1]);
    return;
  }
  const same = [...list.children].find((li) => li.dataset.key === key);
  const target = same
    ? (action && same.querySelector(`[data-action="${action}"]:not([disabled])`)) ||
      same.querySelector('button:not([disabled]), select, textarea')
    : list.children[Math.min(index, list.children.length - 1)]?.querySelector('button:not([disabled])');
  // Nothing to press on the card now (a command waits): the card itself holds the focus meanwhile.
  const holder = target || same || list;
  if (!target) holder.setAttribute('tabindex', '-1');
  holder.focus();
}

/**
 * The live-connection line: "Live: connected", or since when `server` is out of reach and that the list may be out
 * of date, so a responder knows to fall back on the phone.
 */
export function liveStatus(node, server) {
  let lostAt = null;
  let problem = null;
  const show = () => {
    node.classList.toggle('lost', lostAt !== null || problem !== null);
    if (problem) node.textContent = problem;
    else if (lostAt)
      node.textContent = `No connection to ${server} since ${formatTime(lostAt)} (${age(lostAt)}): reconnecting… New alerts cannot reach this screen; use the phone procedure if this lasts.`;
    else node.textContent = 'Live: connected';
  };
  setInterval(() => lostAt && show(), 30_000);
  return {
    connected() {
      lostAt = null;
      problem = null;
      show();
    },
    lost() {
      lostAt = lostAt || new Date().toISOString();
      show();
    },
    /** `text` until the next `connected()`: the server answers, but cannot do its job (its database is down). */
    problem(text) {
      problem = text;
      show();
    },
  };
}
