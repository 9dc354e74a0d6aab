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
        el('span', {}, `${o.username} (${o.role})`),
        el(
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
      body: { username: form.username.value.trim(), role: form.role.value, password: form.password.value },
    });
    form.reset();
    refresh();
  } catch (err) {
    error.textContent = err.message;
  }
});

startPage().then(refresh);
