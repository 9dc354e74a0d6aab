// Operators (admins): add, remove, and the audit of who did what.
import { api, el, formatTime } from '/assets/common.js';
import { startPage } from '/assets/central-nav.js';

const form = document.getElementById('add');
const error = document.getElementById('add-error');
const list = document.getElementById('operators');
const audit = document.querySelector('#audit tbody');

async function refresh() {
  const operators = await api('/api/operators');
  list.replaceChildren(
    ...operators.map((o) =>
      el(
        'li',
        { class: 'card row' },
        // An analyst reads the report of their council's hubs alone, none before one is given (session 68).
        el(
          'span',
          {},
          `${o.username} (${o.role}${o.role === 'analyst' ? `, ${o.council ? `council ${o.council}` : 'no council yet: reads nothing'}` : ''})`,
        ),
        o.role === 'analyst'
          ? el(
              'button',
              {
                type: 'button',
                class: 'secondary',
                onclick: async () => {
                  const council = prompt(`Council of ${o.username} (empty: none)`, o.council || '');
                  if (council === null) return;
                  await api(`/api/operators/${encodeURIComponent(o.username)}/council`, {
                    method: 'PUT',
                    body: { council: council.trim() || null },
                  }).catch((err) => alert(err.message));
                  refresh();
                },
              },
              'Council',
            )
          : null,
        // One's own account is not removed from here (review, session 77, as on the hub's Users page): an admin would
        // lock themselves out mid-session, and the page offered it beside their own name.
        o.username === me?.username
          ? el('span', { class: 'muted' }, 'you')
          : el(
              'button',
              {
                type: 'button',
                class: 'secondary',
                onclick: async () => {
                  if (!confirm(`Remove ${o.username}?`)) return;
                  await api(`/api/operators/${encodeURIComponent(o.username)}`, { method: 'DELETE' }).catch((err) =>
                    alert(err.message),
                  );
                  refresh();
                },
              },
              'Remove',
            ),
      ),
    ),
  );
  const entries = await api('/api/audit');
  audit.replaceChildren(
    ...entries.map((e) =>
      el(
        'tr',
        {},
        el('td', {}, formatTime(e.at)),
        el('td', {}, e.operator),
        el('td', {}, e.action),
        el('td', {}, [e.hubId, e.alertId].filter(Boolean).join(' / ')),
        el('td', {}, e.detail ? JSON.stringify(e.detail) : ''),
      ),
    ),
  );
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  try {
    await api('/api/operators', {
      method: 'POST',
      body: {
        username: form.username.value.trim(),
        role: form.role.value,
        password: form.password.value,
        ...(form.council.value.trim() ? { council: form.council.value.trim() } : {}),
      },
    });
    form.reset();
    refresh();
  } catch (err) {
    error.textContent = err.message;
  }
});

/** The operator at the screen (`/api/me`). */
let me;

startPage().then((who) => {
  me = who;
  return refresh();
});
