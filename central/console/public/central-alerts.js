// The centre's alert console: every hub's open alerts live (SSE), most severe and newest first; acknowledge, resolve.
import { api, el, formatTime } from '/assets/common.js';
import { why } from '/assets/alert-why.js';
import { age, startPage } from '/assets/central-nav.js';

const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const OUTCOMES = [
  ['false-alarm', 'False alarm'],
  ['no-action-needed', 'No action needed'],
  ['assisted-at-home', 'Assisted at home'],
  ['carer-visit', 'Carer visit'],
  ['ambulance', 'Ambulance'],
  ['hospital-admission', 'Hospital admission'],
  ['other', 'Other'],
];
const OPEN = new Set(['raised', 'acknowledged']);

/** Cards by `hubId alertId`. */
const alerts = new Map();
const closed = [];
/** Cards whose resolve form is open: a re-render must not throw away what the operator is typing. */
const resolving = new Set();

const list = document.getElementById('alerts');
const closedList = document.getElementById('closed');
const announcer = document.getElementById('announcer');
const banner = document.getElementById('critical-banner');
const connection = document.getElementById('connection');

const keyOf = (a) => `${a.hubId} ${a.alertId}`;
const label = (type) => type.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());

function byUrgency(a, b) {
  return (SEVERITY_RANK[a.severity] ?? 5) - (SEVERITY_RANK[b.severity] ?? 5) || b.raisedAt.localeCompare(a.raisedAt);
}

/** Why, in one line: the hub's own explanation, or for the centre's hub-offline alert, since when it is silent. */
function explanation(card) {
  if (card.type === 'hub-offline') {
    const since = card.hub.offlineSince || card.hub.lastSeenAt;
    return `No word from hub ${card.hubId}${since ? ` since ${formatTime(since)} (${age(since)})` : ''}: the home's alarms may not reach the centre. Phone the home or the scheme.`;
  }
  return why(card.alert);
}

const ACTION_TEXT = { acknowledge: 'Acknowledgement', resolve: 'Resolution' };

/** Where the last command for this alert stands, in words. */
function commandLine(command) {
  if (!command) return null;
  const what = ACTION_TEXT[command.action] || command.action;
  const result = command.result || {};
  let text;
  if (command.state === 'sent') {
    text = `${what} sent to the hub${command.sends > 1 ? ` (${command.sends} tries)` : ''}, waiting for its answer…`;
  } else if (command.state === 'done') {
    text = result.alreadyDone
      ? `${what}: the hub had it already (${result.state})`
      : `${what} applied by the hub (${result.state})`;
  } else if (command.state === 'failed') {
    text = `${what} refused by the hub: ${result.message || result.code}`;
  } else {
    text = `${what}: no answer from the hub in time (the hub may be offline). Try again, or phone the home.`;
  }
  return el('p', { class: `command command-${command.state}`, role: 'status' }, text);
}

async function act(card, action, body) {
  const node = document.querySelector(`li[data-key="${CSS.escape(keyOf(card))}"]`);
  const error = node && node.querySelector('.error');
  try {
    const path = `/api/alerts/${encodeURIComponent(card.hubId)}/${encodeURIComponent(card.alertId)}/${action}`;
    const answer = await api(path, { method: 'POST', body });
    resolving.delete(keyOf(card));
    const known = alerts.get(keyOf(card));
    if (known && answer.command) known.command = laterCommand(known.command, answer.command);
    render();
  } catch (err) {
    if (error) error.textContent = err.message;
  }
}

function resolveForm(card) {
  const id = `outcome-${card.hubId}-${card.alertId}`;
  const noteId = `note-${card.hubId}-${card.alertId}`;
  const form = el(
    'form',
    {
      class: 'resolve-form',
      onsubmit: (e) => {
        e.preventDefault();
        act(card, 'resolve', { outcome: form.outcome.value, note: form.note.value.trim() || null });
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
      el(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            resolving.delete(keyOf(card));
            render();
          },
        },
        'Cancel',
      ),
    ),
  );
  return form;
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
    return existing;
  }
  const a = card.alert || {};
  const pending = card.command && card.command.state === 'sent';
  const actions = el(
    'div',
    { class: 'row' },
    card.state === 'raised'
      ? el('button', { type: 'button', disabled: pending, onclick: () => act(card, 'ack', {}) }, 'Acknowledge')
      : null,
    !resolving.has(key)
      ? el(
          'button',
          {
            type: 'button',
            class: 'secondary',
            disabled: pending,
            onclick: () => {
              resolving.add(key);
              render();
              document.getElementById(`outcome-${card.hubId}-${card.alertId}`)?.focus();
            },
          },
          'Resolve…',
        )
      : null,
  );
  const where = [a.homeId, a.room].filter(Boolean).join(' · ');
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
    el(
      'h3',
      {},
      label(card.type),
      ' ',
      el('span', { class: `badge sev-${card.severity}` }, card.severity),
      ' ',
      el('span', { class: 'badge state' }, card.state),
      card.hub.status === 'offline' ? el('span', { class: 'badge sev-critical' }, 'hub offline') : null,
    ),
    el(
      'p',
      { class: 'meta' },
      el('span', {}, `Hub ${card.hubId}`),
      where ? el('span', {}, where) : null,
      el(
        'span',
        {},
        'Raised ',
        el('time', { datetime: card.raisedAt }, formatTime(card.raisedAt)),
        ` (${age(card.raisedAt)} ago)`,
      ),
      a.count > 1 ? el('span', {}, `Seen ${a.count} times, last ${formatTime(a.lastSeenAt)}`) : null,
      a.acknowledgedBy ? el('span', {}, `Acknowledged by ${a.acknowledgedBy}`) : null,
      a.escalationLevel > 0 ? el('span', {}, `Escalated to level ${a.escalationLevel}`) : null,
    ),
    explanation(card) ? el('p', { class: 'why' }, explanation(card)) : null,
    commandLine(card.command),
    actions,
    resolving.has(key) ? resolveForm(card) : null,
    el('p', { class: 'error', role: 'alert' }),
  );
}

function render() {
  const open = [...alerts.values()].filter((a) => OPEN.has(a.state)).sort(byUrgency);
  list.replaceChildren(...open.map(cardNode));
  document.getElementById('open-count').textContent = `(${open.length})`;
  document.getElementById('no-alerts').hidden = open.length > 0;
  closedList.replaceChildren(
    ...closed
      .slice(0, 10)
      .map((c) =>
        el(
          'li',
          { class: 'card', 'data-state': c.state, 'data-key': keyOf(c) },
          `${label(c.type)} · hub ${c.hubId} · ${c.state}${c.alert && c.alert.outcome ? ` (${c.alert.outcome})` : ''} · ${formatTime(c.updatedAt)}`,
        ),
      ),
  );
  const critical = open.filter((a) => a.severity === 'critical' && a.state === 'raised');
  banner.classList.toggle('on', critical.length > 0);
  banner.textContent = critical.length
    ? `${critical.length} critical alert${critical.length > 1 ? 's' : ''} waiting for acknowledgement`
    : '';
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

function receive(card) {
  const key = keyOf(card);
  const known = alerts.get(key);
  if (known && known.version > card.version) return;
  if (known) card.command = laterCommand(known.command, card.command);
  if (!OPEN.has(card.state)) {
    alerts.delete(key);
    resolving.delete(key);
    if (!closed.some((c) => keyOf(c) === key && c.version >= card.version)) closed.unshift(card);
  } else {
    alerts.set(key, card);
    if (!known) announcer.textContent = `New ${card.severity} alert: ${label(card.type)} at hub ${card.hubId}`;
  }
  render();
}

function receiveCommand(command) {
  const card = alerts.get(`${command.hubId} ${command.alertId}`);
  if (!card) return;
  card.command = laterCommand(card.command, command);
  render();
}

function connect() {
  const source = new EventSource('/api/alerts/stream');
  // Keys of the open alerts the server lists (on each connection and after a resync): any other card shown was closed meanwhile.
  let snapshot = null;
  source.addEventListener('open', () => {
    connection.textContent = 'Live: connected';
  });
  source.addEventListener('alert', (event) => {
    const card = JSON.parse(event.data);
    if (snapshot) snapshot.add(keyOf(card));
    receive(card);
  });
  source.addEventListener('snapshot', () => {
    snapshot = new Set();
  });
  source.addEventListener('command', (event) => receiveCommand(JSON.parse(event.data)));
  source.addEventListener('ready', () => {
    if (snapshot) for (const key of [...alerts.keys()]) if (!snapshot.has(key)) alerts.delete(key);
    snapshot = null;
    connection.textContent = 'Live: connected';
    render();
  });
  source.addEventListener('unavailable', () => {
    connection.textContent = 'The centre database is not answering: the list may be out of date.';
  });
  source.addEventListener('error', async () => {
    connection.textContent = 'Connection lost: reconnecting…';
    if (source.readyState === EventSource.CLOSED) {
      await api('/api/me').catch(() => undefined);
      setTimeout(connect, 3000);
    }
  });
}

// Ages on the cards move on.
setInterval(render, 30_000);
startPage().then(connect);
