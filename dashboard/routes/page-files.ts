// Serving the pages and assets of the hub's dashboard and of the centre's console: one document head, one header,
// one set of security headers; each page file holds only its <main>.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';

export const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

// Everything comes from the server itself; no inline script, so an injected string cannot run.
export const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** The names an asset may have: no path, no dot files. */
export const ASSET_NAME = /^[a-z0-9-]+\.(js|css|svg)$/;

/** The first of `candidates` (relative to `base`, a module's `import.meta.url`) that holds `probe`. */
export function findDir(base: string, candidates: string[], probe: string, what: string): string {
  const dirs = candidates.map((rel) => fileURLToPath(new URL(rel, base)));
  const found = dirs.find((dir) => existsSync(`${dir}${probe}`));
  if (!found) throw new Error(`${what} not found in ${dirs.join(' or ')}`);
  return found;
}

/** The hub dashboard's public folder (pages, scripts, style), beside its source or found from dist. */
export function dashboardPublicDir(): string {
  return findDir(import.meta.url, ['../public/', '../../../dashboard/public/'], 'style.css', 'dashboard pages');
}

export interface PageSpec {
  /** The file in its folder holding the page's <main>. */
  file: string;
  /** The page's name in the title ("Alerts · Telecare hub"). */
  title: string;
  /** The header's words after the product, when not the title. */
  heading?: string;
  /** The page's module script, from /assets/. */
  script: string;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** The whole document: the shared head and header around the page's own <main>; a skip link first for keyboards. */
export function pageDocument(product: string, page: PageSpec, main: string): string {
  const title = escapeHtml(`${page.title} · ${product}`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <link rel="icon" href="/assets/icon.svg" />
    <link rel="stylesheet" href="/assets/style.css" />
    <script type="module" src="/assets/${escapeHtml(page.script)}"></script>
  </head>
  <body>
    <a class="skip-link" href="#main">Skip to the page's content</a>
    <header class="bar"><h1>${escapeHtml(`${product} · ${page.heading ?? page.title}`)}</h1></header>
    <main id="main" tabindex="-1">
${main}
    </main>
  </body>
</html>
`;
}

/**
 * Sends pages and assets, each read once (they are small and never change while the server runs), with the page
 * headers. `product` names the server in every title and header ("Telecare hub", "Telecare centre").
 */
export class PageFiles {
  private readonly cache = new Map<string, string>();

  constructor(private readonly product: string) {}

  page(reply: FastifyReply, dir: string, page: PageSpec): FastifyReply {
    const key = `page:${dir}${page.file}`;
    let body = this.cache.get(key);
    if (body === undefined) {
      body = pageDocument(this.product, page, readFileSync(`${dir}${page.file}`, 'utf8'));
      this.cache.set(key, body);
    }
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body);
  }

  /** An asset from the first of `dirs` that has it; undefined when none has (or the name is not an asset's). */
  asset(reply: FastifyReply, dirs: string[], file: string): FastifyReply | undefined {
    if (!ASSET_NAME.test(file)) return undefined;
    const dir = dirs.find((d) => existsSync(`${d}${file}`));
    if (dir === undefined) return undefined;
    const key = `asset:${dir}${file}`;
    let body = this.cache.get(key);
    if (body === undefined) {
      body = readFileSync(`${dir}${file}`, 'utf8');
      this.cache.set(key, body);
    }
    const ext = file.slice(file.lastIndexOf('.') + 1);
    return reply
      .headers(PAGE_HEADERS)
      .type(CONTENT_TYPES[ext] ?? 'application/octet-stream')
      .send(body);
  }
}
