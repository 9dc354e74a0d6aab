// The centre's pages by role; the page toolkit itself is the hub dashboard's (common.js), shared.
import { startPage as startAnyPage } from '/assets/common.js';

const CENTRE_PAGES = [
  { href: '/alerts', label: 'Alerts', roles: ['operator', 'supervisor', 'admin'] },
  { href: '/hubs', label: 'Hubs', roles: ['supervisor', 'admin'] },
  { href: '/council', label: 'Council report', roles: ['analyst', 'supervisor', 'admin'] },
  { href: '/operators', label: 'Operators', roles: ['admin'] },
];

/** Fills the header with the centre's pages this operator may see; messages name "the centre". */
export function startPage() {
  return startAnyPage(CENTRE_PAGES, 'the centre');
}
