// The login page: posts the credentials, then goes where the user was heading (same site only).
import { api } from '/assets/common.js';

const form = document.getElementById('login');
const error = document.getElementById('login-error');

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
    const next = new URLSearchParams(location.search).get('next');
    // Only a path on this site: never an open redirect.
    location.assign(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
  } catch (err) {
    error.textContent = err.message;
    form.password.value = '';
    form.password.focus();
  } finally {
    button.disabled = false;
  }
});
