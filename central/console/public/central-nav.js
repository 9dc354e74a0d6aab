// Shared by the centre's pages: the navigation bar by role (the hub dashboard's helpers do the rest).
import { api, el } from '/assets/common.js';

const PAGES = [
  { href: '/alerts', label: 'Alerts', roles: ['operator', 'supervisor', 'admin'] },
  { href: '/hubs', label: 'Hubs', roles: ['supervisor', 'admin'] },
  { href: '/council', label: 'Council report', roles: ['supervisor', 'admin'] },
  { href: '/operators', label: 'Operators', roles: ['admin'] },
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

/** "3 min", "2 h 05 min", "3 d 4 h": how long ago, for a responder scanning cards. */
export function age(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
