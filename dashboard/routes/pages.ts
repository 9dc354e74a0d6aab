// The dashboard's pages (plain HTML, vanilla JS, no CDN) and their assets, served from dashboard/public.
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../rules/vocabulary.js';
import { principalOf, type Access } from '../access.js';
import { DashboardError } from '../errors.js';
import { dashboardPublicDir, PageFiles, type PageSpec } from './page-files.js';

const LANDING: Record<Role, string> = {
  admin: '/console',
  responder: '/console',
  installer: '/devices',
  analyst: '/council',
};

const PAGES: (PageSpec & { url: string; access: Access })[] = [
  { url: '/login', file: 'login.html', title: 'Log in', script: 'login.js', access: 'public' },
  { url: '/console', file: 'console.html', title: 'Alerts', script: 'console.js', access: 'alerts:read' },
  { url: '/home', file: 'home.html', title: 'Home activity', script: 'home.js', access: 'homes:read' },
  {
    url: '/council',
    file: 'council.html',
    title: 'Council report',
    heading: 'Prevention report',
    script: 'council.js',
    access: 'reports:read',
  },
  { url: '/devices', file: 'devices.html', title: 'Device setup', script: 'devices.js', access: 'devices:read' },
  {
    url: '/users',
    file: 'users.html',
    title: 'Users and tokens',
    script: 'users.js',
    access: 'users:manage',
  },
];

export function registerPages(app: FastifyInstance): void {
  const dir = dashboardPublicDir();
  const files = new PageFiles('Telecare hub');

  for (const page of PAGES) {
    app.get(
      page.url,
      { config: { access: page.access, page: true }, schema: { hide: true } },
      async (request, reply) => {
        // A device's token has no page: it is shown the login page as a stranger is.
        const landing = request.principal && LANDING[request.principal.role as Role];
        if (page.url === '/login' && landing) return reply.redirect(landing);
        return files.page(reply, dir, page);
      },
    );
  }

  app.get('/', { config: { access: 'login', page: true }, schema: { hide: true } }, async (request, reply) =>
    // Only the dashboard's roles reach here (access.ts refuses a device's token every `login` route).
    reply.redirect(LANDING[principalOf(request).role as Role]),
  );

  app.get<{ Params: { file: string } }>(
    '/assets/:file',
    { config: { access: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      const { file } = request.params;
      const sent = files.asset(reply, [dir], file);
      if (!sent) throw new DashboardError('NOT_FOUND', `No asset '${file}'`);
      return sent;
    },
  );
}
