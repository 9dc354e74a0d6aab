// The responder console: live alerts over Server-Sent Events, most severe and newest first; acknowledge, resolve.
import { api, el, formatTime, startPage } from '/assets/common.js';
import { why } from '/assets/alert-why.js';

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

const alerts = new Map();
const closed = [];
/** Alert ids whose resolve form is open: a re-render must not throw away what the responder is typing. */
const resolving = new Set();
let soundOn = false;
let audio;

const list = document.getElementById('alerts');
const closedList = document.getElementById('closed');
const announcer = document.getElementById('announcer');
const banner = document.getElementById('critical-banner');
const connection = document.getElementById('connection');

function label(kind) {
  return kind.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

function byUrgency(a, b) {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.raisedAt.localeCompare(a.raisedAt);
}

function beep() {
  if (!soundOn) return;
  audio = audio || new AudioContext();
  const now = audio.currentTime;
  for (let i = 0; i < 3; i++) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.25, now + i * 0.35);
    gain.gain.setValueAtTime(0, now + i * 0.35 + 0.2);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.35);
    osc.stop(now + i * 0.35 + 0.2);
  }
}

async function act(alert, action, body) {
  const card = document.getElementById('alert-' + alert.id);
  const error = card && card.querySelector('.error');
  try {
    const updated = await api(`/api/alerts/${encodeURIComponent(alert.id)}/${action}`, { method: 'POST', body });
    resolving.delete(alert.id);
    receive(updated);
  } catch (err) {
    if (error) error.textContent = err.message;
  }
}

function resolveForm(alert) {
  const id = 'outcome-' + alert.id;
  const noteId = 'note-' + alert.id;
  const form = el(
    'form',
    {
      class: 'resolve-form',
      onsubmit: (e) => {
        e.preventDefault();
        act(alert, 'resolve', { outcome: form.outcome.value, note: form.note.value.trim() || null });
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
            resolving.delete(alert.id);
            render();
          },
        },
        'Cancel',
      ),
    ),
  );
  return form;
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
    return existing;
  }
  const where = [alert.homeId, alert.room].filter(Boolean).join(' · ');
  const actions = el(
    'div',
    { class: 'row' },
    alert.state === 'raised' ? el('button', { type: 'button', onclick: () => act(alert, 'ack') }, 'Acknowledge') : null,
    !resolving.has(alert.id)
      ? el(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              resolving.add(alert.id);
              render();
              document.getElementById('outcome-' + alert.id)?.focus();
            },
          },
          'Resolve…',
        )
      : null,
  );
  return el(
    'li',
    {
      id: 'alert-' + alert.id,
      class: `card alert sev-${alert.severity}`,
      'data-state': alert.state,
      'data-version': alert.version,
    },
    el(
      'h3',
      {},
      label(alert.kind),
      ' ',
      el('span', { class: `badge sev-${alert.severity}` }, alert.severity),
      ' ',
      el('span', { class: 'badge state' }, alert.state),
    ),
    el(
      'p',
      { class: 'meta' },
      el('span', {}, where),
      el('span', {}, 'Raised ', el('time', { datetime: alert.raisedAt }, formatTime(alert.raisedAt))),
      alert.count > 1 ? el('span', {}, `Seen ${alert.count} times, last ${formatTime(alert.lastSeenAt)}`) : null,
      alert.acknowledgedBy ? el('span', {}, `Acknowledged by ${alert.acknowledgedBy}`) : null,
      alert.escalationLevel > 0 ? el('span', {}, `Escalated to level ${alert.escalationLevel}`) : null,
    ),
    why(alert) ? el('p', { class: 'why' }, why(alert)) : null,
    actions,
    resolving.has(alert.id) ? resolveForm(alert) : null,
    el('p', { class: 'error', role: 'alert' }),
  );
}

function render() {
  // Re-rendering replaces the cards: keep keyboard and screen-reader users where they were.
  const focusedCard = document.activeElement && document.activeElement.closest('li.alert');
  const focusedId =
    focusedCard && !focusedCard.contains(document.activeElement.closest('.resolve-form')) ? focusedCard.id : null;
  const open = [...alerts.values()].filter((a) => OPEN.has(a.state)).sort(byUrgency);
  list.replaceChildren(...open.map(card));
  document.getElementById('open-count').textContent = `(${open.length})`;
  document.getElementById('no-alerts').hidden = open.length > 0;
  closedList.replaceChildren(
    ...closed
      .slice(0, 10)
      .map((a) =>
        el(
          'li',
          { class: 'card', 'data-state': a.state, id: 'closed-' + a.id },
          `${label(a.kind)} · ${a.homeId} · ${a.state}${a.outcome ? ' (' + a.outcome + ')' : ''} · ${formatTime(a.resolvedAt || a.lastSeenAt)}`,
        ),
      ),
  );
  const critical = open.filter((a) => a.severity === 'critical' && a.state === 'raised');
  banner.classList.toggle('on', critical.length > 0);
  banner.textContent = critical.length
    ? `${critical.length} critical alert${critical.length > 1 ? 's' : ''} waiting for acknowledgement`
    : '';
  const refocus = focusedId && document.getElementById(focusedId);
  if (refocus && !refocus.contains(document.activeElement)) refocus.querySelector('button')?.focus();
}

function receive(alert) {
  const known = alerts.get(alert.id);
  if (known && known.version >= alert.version) return;
  alerts.set(alert.id, alert);
  if (!OPEN.has(alert.state)) {
    alerts.delete(alert.id);
    resolving.delete(alert.id);
    if (!closed.some((a) => a.id === alert.id && a.version >= alert.version)) closed.unshift(alert);
  } else if (!known) {
    announcer.textContent = `New ${alert.severity} alert: ${label(alert.kind)} at ${alert.homeId}`;
    if (alert.severity === 'critical') beep();
  }
  render();
}

function connect() {
  const source = new EventSource('/api/alerts/stream');
  // Ids of the open alerts the server lists after a (re)connection it cannot resume from the last event id
  // (EventSource sends it): any other alert we still show was closed while we were away.
  let snapshot = null;
  source.addEventListener('open', () => {
    snapshot = new Set();
    connection.textContent = 'Live: connected';
  });
  source.addEventListener('alert', (event) => {
    const alert = JSON.parse(event.data);
    if (snapshot) snapshot.add(alert.id);
    receive(alert);
  });
  source.addEventListener('ready', (event) => {
    // Resumed from the last event id: only what changed was sent, every other alert shown is still as it was.
    const resumed = JSON.parse(event.data).resumed === true;
    if (snapshot && !resumed) for (const id of [...alerts.keys()]) if (!snapshot.has(id)) alerts.delete(id);
    snapshot = null;
    connection.textContent = 'Live: connected';
    render();
  });
  source.addEventListener('error', async () => {
    connection.textContent = 'Connection lost: reconnecting…';
    // EventSource retries by itself; a lost session needs a new login instead.
    if (source.readyState === EventSource.CLOSED) {
      await api('/api/me').catch(() => undefined);
      setTimeout(connect, 3000);
    }
  });
}

document.getElementById('sound').addEventListener('click', (event) => {
  soundOn = !soundOn;
  event.currentTarget.setAttribute('aria-pressed', String(soundOn));
  event.currentTarget.textContent = `Sound for critical alerts: ${soundOn ? 'on' : 'off'}`;
  if (soundOn) {
    audio = audio || new AudioContext();
    audio.resume();
  }
});

// While the hub cannot store (disk full, database locked), alerts still arrive but live only in the hub's memory.
const storageBanner = document.getElementById('storage-banner');
async function checkStorage() {
  const health = await fetch('/api/health')
    .then((r) => r.json())
    .catch(() => undefined);
  const storage = health && health.storage;
  const degraded = Boolean(storage && storage.state === 'degraded');
  storageBanner.classList.toggle('on', degraded);
  storageBanner.textContent = degraded
    ? `Storage problem on the hub (${storage.lastError || 'unknown'}): ${storage.alertsHeldInMemory} alert(s) held in memory until storage returns. Alerts still arrive; call the installer.`
    : '';
}
setInterval(checkStorage, 10_000);

startPage().then(connect).then(checkStorage);
