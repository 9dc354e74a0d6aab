// The login page: posts the credentials, then goes where the user was heading (same site only).
import { api } from '/assets/common.js';

const form = document.getElementById('login');
const error = document.getElementById('login-error');

/**
 * Where to go after logging in: `next` only when the browser's own URL parser puts it on this origin (it reads
 * `/\evil`, `/\t/evil` and `https:evil` as other hosts, which a check on the text misses); otherwise `/`.
 */
function sameOriginTarget(next) {
  if (!next) return '/';
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return '/';
  }
  // The absolute URL, not its path: a path like `//evil` (from `/x/..//evil`) would be read as another host again.
  return url.origin === location.origin ? url.href : '/';
}

// Sent here by a page whose session ended (not a first visit): say so, and that a half-typed resolve note is kept.
if (new URLSearchParams(location.search).get('ended') === '1') {
  error.textContent =
    'Your session has ended. Log in again to go back to where you were; a resolve note you were typing is kept.';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    await api('/api/login', {
      method: 'POST',
      body: { username: form.username.value.trim(), password: form.password.value },
    });
    location.assign(sameOriginTarget(new URLSearchParams(location.search).get('next')));
  } catch (err) {
    error.textContent = err.message;
    form.password.value = '';
    form.password.focus();
  } finally {
    button.disabled = false;
  }
});
