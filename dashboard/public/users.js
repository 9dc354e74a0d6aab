// Users and API tokens (admins): add and remove users, make and revoke tokens (review, session 74: before, only
// through the API with curl, as the README said).
import { api, el, formatTime, startPage } from '/assets/common.js';

const userForm = document.getElementById('add-user');
const userError = document.getElementById('user-error');
const users = document.getElementById('users');
const usersStatus = document.getElementById('users-status');
const tokenForm = document.getElementById('add-token');
const tokenError = document.getElementById('token-error');
const tokens = document.getElementById('tokens');
const tokensStatus = document.getElementById('tokens-status');
const made = document.getElementById('token-made');
const secret = document.getElementById('token-secret');
/** A field of a form by its id (`form.name` would be the form's own name). */
const field = (id) => document.getElementById(id);

/** "h1, h2" as ["h1", "h2"]; undefined when empty (every home, or none given). */
function homesOf(text) {
  const homes = text
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  return homes.length ? homes : undefined;
}

const scope = (homes) => (Array.isArray(homes) ? `homes ${homes.join(', ')}` : 'every home');

/** A button that asks first, then calls `action`; a refusal is said under the list it belongs to. */
function confirmedButton(label, question, action, status) {
  return el(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'aria-label': label,
      onclick: async () => {
        if (!confirm(question)) return;
        try {
          await action();
        } catch (err) {
          status.textContent = err.message;
          status.className = 'error';
          return;
        }
        await refresh();
      },
    },
    label.split(' ')[0],
  );
}

async function refreshUsers(me) {
  const list = await api('/api/users');
  usersStatus.className = 'muted';
  usersStatus.textContent = `${list.length} ${list.length === 1 ? 'user' : 'users'}`;
  users.replaceChildren(
    ...list.map((u) =>
      el(
        'li',
        { class: 'card row' },
        el(
          'span',
          {},
          el('strong', {}, u.username),
          ` (${u.role}${u.role === 'responder' ? `, ${scope(u.homes)}` : ''}), added ${formatTime(u.createdAt)}`,
        ),
        // One's own account is not removed from here: an admin would lock themselves out mid-session.
        u.username === me.username
          ? el('span', { class: 'muted' }, 'you')
          : confirmedButton(
              `Remove ${u.username}`,
              `Remove ${u.username}? Their sessions end at once.`,
              () => api(`/api/users/${encodeURIComponent(u.username)}`, { method: 'DELETE' }),
              usersStatus,
            ),
      ),
    ),
  );
}

async function refreshTokens() {
  const list = await api('/api/tokens');
  tokensStatus.className = 'muted';
  const active = list.filter((t) => !t.revokedAt).length;
  tokensStatus.textContent = `${active} active, ${list.length - active} revoked`;
  tokens.replaceChildren(
    ...list.map((t) =>
      el(
        'li',
        { class: 'card row' },
        el(
          'span',
          {},
          el('strong', {}, t.name),
          ` (${t.role}${t.role === 'device' || t.role === 'responder' ? `, ${scope(t.homes)}` : ''}), made ${formatTime(t.createdAt)}`,
          t.lastUsedAt ? `, last used ${formatTime(t.lastUsedAt)}` : ', never used',
          t.revokedAt ? `, revoked ${formatTime(t.revokedAt)}` : '',
        ),
        t.revokedAt
          ? null
          : confirmedButton(
              `Revoke ${t.name}`,
              `Revoke the token ${t.name}? Whatever uses it is refused from now on.`,
              () => api(`/api/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' }),
              tokensStatus,
            ),
      ),
    ),
  );
}

let me;
async function refresh() {
  await Promise.all([refreshUsers(me), refreshTokens()]);
}

userForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  userError.textContent = '';
  const homes = homesOf(field('homes').value);
  try {
    await api('/api/users', {
      method: 'POST',
      body: {
        username: field('username').value.trim(),
        role: field('role').value,
        password: field('password').value,
        ...(homes ? { homes } : {}),
      },
    });
  } catch (err) {
    userError.textContent = err.message;
    return;
  }
  userForm.reset();
  await refresh();
});

tokenForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  tokenError.textContent = '';
  made.hidden = true;
  const homes = homesOf(field('token-homes').value);
  let answer;
  try {
    answer = await api('/api/tokens', {
      method: 'POST',
      body: { name: field('token-name').value.trim(), role: field('token-role').value, ...(homes ? { homes } : {}) },
    });
  } catch (err) {
    tokenError.textContent = err.message;
    return;
  }
  tokenForm.reset();
  secret.textContent = answer.token;
  made.hidden = false;
  await refresh();
});

startPage().then(async (who) => {
  me = who;
  await refresh();
});
