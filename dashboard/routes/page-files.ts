// Serving the pages and assets of the hub's dashboard and of the centre's console: one document head, one header,
// one set of security headers; each page file holds only its <main>.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** The names a page's file may have (its <main>), read with the folder's assets. */
const PAGE_FILE = /^[a-z0-9-]+\.html$/;

/**
 * Sends pages and assets with the page headers. `product` names the server in every title and header ("Telecare hub",
 * "Telecare centre"). Each folder is read whole, once, the first time a file of it is asked for: its pages and assets
 * are one set, kept while the server runs (review, session 74). Before, each file was read when first asked for: files
 * replaced while the hub ran (`git pull` or an upgrade before the restart) gave a console mixing old and new modules,
 * stuck on "Connecting…" (`cards.tabTitle is not a function`). Now a running server serves the set it started
 * serving until it is restarted; the folders are small (about 200 KB).
 */
export class PageFiles {
  /** Each folder's files (pages and assets), by folder then name, read together. */
  private readonly folders = new Map<string, Map<string, string>>();
  /** Each page's whole document, made once from its folder's file. */
  private readonly documents = new Map<string, string>();

  constructor(private readonly product: string) {}

  /** The files of `dir` that a page or an asset may name, read together the first time (a folder gone: none). */
  private folder(dir: string): Map<string, string> {
    let files = this.folders.get(dir);
    if (files === undefined) {
      files = new Map();
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        // No such folder: nothing in it to serve.
      }
      for (const name of names) {
        if (ASSET_NAME.test(name) || PAGE_FILE.test(name)) files.set(name, readFileSync(`${dir}${name}`, 'utf8'));
      }
      this.folders.set(dir, files);
    }
    return files;
  }

  page(reply: FastifyReply, dir: string, page: PageSpec): FastifyReply {
    const key = `${dir}${page.file}`;
    let body = this.documents.get(key);
    if (body === undefined) {
      const main = this.folder(dir).get(page.file);
      if (main === undefined) throw new Error(`page file ${key} not found`);
      body = pageDocument(this.product, page, main);
      this.documents.set(key, body);
    }
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body);
  }

  /** An asset from the first of `dirs` that has it; undefined when none has (or the name is not an asset's). */
  asset(reply: FastifyReply, dirs: string[], file: string): FastifyReply | undefined {
    if (!ASSET_NAME.test(file)) return undefined;
    const body = dirs.map((dir) => this.folder(dir).get(file)).find((b) => b !== undefined);
    if (body === undefined) return undefined;
    const ext = file.slice(file.lastIndexOf('.') + 1);
    return reply
      .headers(PAGE_HEADERS)
      .type(CONTENT_TYPES[ext] ?? 'application/octet-stream')
      .send(body);
  }
}
