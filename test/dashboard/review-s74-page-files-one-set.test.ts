// Review, session 74: the pages and assets of the hub's dashboard and the centre's console (dashboard/routes/
// page-files.ts) were each read when first asked for, then kept. Files replaced while the server ran (a `git pull` or an
// upgrade before the restart) gave a console mixing old and new modules: the page and the modules it had loaded from the
// old set, the ones first asked for after from the new, and the console stuck on "Connecting…" (`cards.tabTitle is
// not a function`, found in session 73's console review). Now a folder is read whole the first time a file of it is
// asked for, and a running server serves that one set until it is restarted. Fastify with the real PageFiles on a
// folder of this test's.
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { PageFiles } from '../../dashboard/routes/page-files.js';
import { tempDir } from '../hub/helpers.js';

let dir: string;
let app: FastifyInstance | undefined;

beforeEach(() => {
  dir = `${tempDir('review-s74-page-files')}/`;
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The folder's set, `version` in every file. */
function writeSet(version: string): void {
  fs.writeFileSync(path.join(dir, 'console.html'), `<p>page ${version}</p>`);
  fs.writeFileSync(path.join(dir, 'console.js'), `import { tabTitle } from '/assets/cards.js'; // ${version}`);
  fs.writeFileSync(path.join(dir, 'cards.js'), `export const tabTitle = '${version}';`);
  fs.writeFileSync(path.join(dir, 'style.css'), `/* ${version} */`);
}

it('serves the set it first read, whole, after its files are replaced on disk', async () => {
  writeSet('v1');
  const files = new PageFiles('Telecare hub');
  app = Fastify();
  app.get('/', (_req, reply) =>
    files.page(reply, dir, { file: 'console.html', title: 'Alerts', script: 'console.js' }),
  );
  app.get<{ Params: { file: string } }>('/assets/:file', (req, reply) => {
    const sent = files.asset(reply, [dir], req.params.file);
    return sent ?? reply.code(404).send('not found');
  });
  // The console's page and its first module, from the set as it was.
  const page = await app.inject('/');
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('<p>page v1</p>');
  expect((await app.inject('/assets/console.js')).body).toContain('// v1');
  // An upgrade replaces every file while the server runs.
  writeSet('v2');
  fs.writeFileSync(path.join(dir, 'new-module.js'), 'export {};');
  // Before: the module first asked for now came from the new set ("v2"): the page's v1 script imported a v2 module.
  const cards = await app.inject('/assets/cards.js');
  expect({ status: cards.statusCode, body: cards.body }).toEqual({
    status: 200,
    body: "export const tabTitle = 'v1';",
  });
  expect((await app.inject('/assets/style.css')).body).toBe('/* v1 */');
  expect((await app.inject('/')).body).toContain('<p>page v1</p>');
  // A file the set did not have is not served from the new one either.
  expect((await app.inject('/assets/new-module.js')).statusCode).toBe(404);
  // A server started after the upgrade serves the new set.
  const restarted = new PageFiles('Telecare hub');
  const again = Fastify();
  again.get('/assets/:file', (req, reply) => restarted.asset(reply, [dir], (req.params as { file: string }).file));
  expect((await again.inject('/assets/cards.js')).body).toBe("export const tabTitle = 'v2';");
  await again.close();
});
