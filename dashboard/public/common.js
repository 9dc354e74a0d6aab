// Shared by every page: calling the API, building elements without innerHTML, the navigation bar by role.
export async function api(path, options = {}) {
  const init = { credentials: 'same-origin', ...options, headers: { ...(options.headers || {}) } };
  if (options.body !== undefined && typeof options.body !== 'string') {
    init.body = JSON.stringify(options.body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, init);
  if (res.status === 401 && !path.startsWith('/api/login')) {
    location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw new Error('Not logged in');
  }
  const type = res.headers.get('content-type') || '';
  const body = type.includes('application/json') ? await res.json() : await res.text();
  if (!res.ok) {
    const message = body && body.message ? body.message : res.status + ' ' + res.statusText;
    const err = new Error(message);
    err.status = res.status;
    err.code = body && body.error;
    throw err;
  }
  return body;
}

/** el('button', { class: 'x', onclick: fn }, 'text', child...) — text is always set as text, never as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const PAGES = [
  { href: '/console', label: 'Alerts', roles: ['admin', 'responder'] },
  { href: '/home', label: 'Homes', roles: ['admin', 'installer'] },
  { href: '/devices', label: 'Devices', roles: ['admin', 'installer'] },
  { href: '/council', label: 'Council report', roles: ['admin', 'analyst'] },
  { href: '/docs', label: 'API', roles: ['admin'] },
];

/** Fills <header class="bar"> with the pages this role may see, who is logged in, and a logout button. */
export async function startPage() {
  const me = await api('/api/me');
  const header = document.querySelector('header.bar');
  const items = PAGES.filter((p) => p.roles.includes(me.role)).map((p) =>
    el('li', {}, el('a', { href: p.href, 'aria-current': location.pathname === p.href ? 'page' : undefined }, p.label)),
  );
  const logout = el(
    'button',
    {
      class: 'link',
      type: 'button',
      onclick: async () => {
        await api('/api/logout', { method: 'POST' });
        location.assign('/login');
      },
    },
    'Log out',
  );
  header.append(
    el('nav', { 'aria-label': 'Main' }, el('ul', {}, items)),
    el('span', { class: 'status' }, `${me.username} (${me.role})`),
    logout,
  );
  return me;
}

export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function isoDate(date) {
  return date.toISOString().slice(0, 10);
}

export function daysAgo(days) {
  return isoDate(new Date(Date.now() - days * 86400000));
}
