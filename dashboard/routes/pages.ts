// The dashboard's pages (plain HTML, vanilla JS, no CDN) and their assets, served from dashboard/public.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Role } from '../../rules/vocabulary.js';
import { principalOf, type Access } from '../access.js';
import { DashboardError } from '../errors.js';

// Beside this file when run from source; `dist/dashboard/routes` → `dashboard/public` when run built.
function publicDir(): string {
  const candidates = ['../public/', '../../../dashboard/public/'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  const found = candidates.find((dir) => existsSync(`${dir}login.html`));
  if (!found) throw new Error(`dashboard pages not found in ${candidates.join(' or ')}`);
  return found;
}

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

// Everything comes from the hub itself; no inline script, so an injected string cannot run.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const LANDING: Record<Role, string> = {
  admin: '/console',
  responder: '/console',
  installer: '/devices',
  analyst: '/council',
};

const PAGES: { url: string; file: string; access: Access }[] = [
  { url: '/login', file: 'login.html', access: 'public' },
  { url: '/console', file: 'console.html', access: 'alerts:read' },
  { url: '/home', file: 'home.html', access: 'homes:read' },
  { url: '/council', file: 'council.html', access: 'reports:read' },
  { url: '/devices', file: 'devices.html', access: 'devices:read' },
];

export function registerPages(app: FastifyInstance): void {
  const dir = publicDir();
  // Read once at start: the pages are small and never change while the hub runs.
  const files = new Map<string, string>();
  const load = (name: string): string => {
    let body = files.get(name);
    if (body === undefined) {
      body = readFileSync(`${dir}${name}`, 'utf8');
      files.set(name, body);
    }
    return body;
  };
  const send = (reply: FastifyReply, name: string): FastifyReply => {
    const ext = name.slice(name.lastIndexOf('.') + 1);
    return reply
      .headers(PAGE_HEADERS)
      .type(CONTENT_TYPES[ext] ?? 'application/octet-stream')
      .send(load(name));
  };

  for (const page of PAGES) {
    app.get(
      page.url,
      { config: { access: page.access, page: true }, schema: { hide: true } },
      async (request, reply) => {
        if (page.url === '/login' && request.principal) return reply.redirect(LANDING[request.principal.role]);
        return send(reply, page.file);
      },
    );
  }

  app.get('/', { config: { access: 'login', page: true }, schema: { hide: true } }, async (request, reply) =>
    reply.redirect(LANDING[principalOf(request).role]),
  );

  app.get<{ Params: { file: string } }>(
    '/assets/:file',
    { config: { access: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      const { file } = request.params;
      if (!/^[a-z0-9-]+\.(js|css|svg)$/.test(file) || !existsSync(`${dir}${file}`)) {
        throw new DashboardError('NOT_FOUND', `No asset '${file}'`);
      }
      return send(reply, file);
    },
  );
}
