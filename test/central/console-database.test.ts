// The centre's console while its PostgreSQL is down: a 503 with what is true (not a generic 500), shown on the page,
// and the page carries on live once the database is back. Real PostgreSQL stopped and started again, Debian's chromium.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../central/console/index.js';
import { hubAlert, storeAlert, logInAt } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the console database test');

const WAIT = { timeout: 30_000 };
const PASSWORD = 'a-long-password-1';
const DOWN_TEXT = "The centre's database cannot be reached";

describe.skipIf(!runnable)('central console when PostgreSQL is down', () => {
  const stage = centreConsoleInChromium();

  beforeAll(async () => {
    await createOperator(stage.env.pool, { username: 'olive', role: 'operator', password: PASSWORD });
  });

  /** What the API answers, asked from the logged-in page (its cookie, its origin). */
  async function ask(
    page: Page,
    path: string,
    method = 'GET',
  ): Promise<{ status: number; retryAfter: string | null; body: { error?: string; message?: string } }> {
    return page.evaluate(
      async ([p, m]) => {
        const res = await fetch(p, {
          method: m,
          headers: { 'content-type': 'application/json' },
          body: m === 'GET' ? undefined : '{}',
        });
        return {
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          body: (await res.json()) as { error?: string; message?: string },
        };
      },
      [path, method] as const,
    );
  }

  async function logIn(): Promise<Page> {
    const page = await stage.browser.newPage();
    await logInAt(page, stage.env, 'olive', PASSWORD);
    return page;
  }

  it('answers 503 with what still works, shows it on the page, and goes on live when the database is back', async () => {
    const page = await logIn();
    await page.getByText('Live: connected').waitFor(WAIT);
    await storeAlert(stage.env.pool, 'hub-a', hubAlert('before-outage'));
    await page.locator('li[data-key="hub-a before-outage"]').waitFor(WAIT);
    // A second page whose live stream is asked for only once the database is down (held until then): a browser
    // reconnecting during the outage.
    const session = await page.context().storageState();
    const reconnecting = await stage.browser.newPage({ storageState: session });
    let release: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      release = resolve;
    });
    let asked: () => void = () => undefined;
    const streamAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    await reconnecting.route('**/api/alerts/stream', async (route) => {
      asked();
      await stopped;
      await route.continue();
    });
    await reconnecting.goto(`${stage.env.url}/alerts`);
    await streamAsked;

    await stage.env.postgres.stop();
    release();

    // The open page says so (its stream stays open; the console's LISTEN connection was lost).
    await page.locator('#connection').getByText(DOWN_TEXT).waitFor(WAIT);
    // The stream refused: the page names the database, not "no connection to the centre".
    await reconnecting.locator('#connection').getByText(DOWN_TEXT).waitFor(WAIT);
    // Reading and acting: 503 DATABASE_UNAVAILABLE, the same words, and when to try again.
    for (const [path, method] of [
      ['/api/alerts', 'GET'],
      ['/api/me', 'GET'],
      ['/api/alerts/hub-a/before-outage/ack', 'POST'],
    ] as const) {
      const answer = await ask(page, path, method);
      expect(answer.status, path).toBe(503);
      expect(answer.retryAfter).toBe('5');
      expect(answer.body.error).toBe('DATABASE_UNAVAILABLE');
      expect(answer.body.message).toContain(DOWN_TEXT);
      expect(answer.body.message).toContain("each hub's own responders");
    }
    // A page opened meanwhile is a readable page that tries again by itself, not a JSON error.
    const opened = await stage.browser.newPage({ storageState: session });
    const response = await opened.goto(`${stage.env.url}/alerts`);
    expect(response?.status()).toBe(503);
    await opened.getByRole('alert').getByText(DOWN_TEXT).waitFor(WAIT);

    await stage.env.restartPostgres();

    // Back: every page goes on live by itself (the open one, the one whose stream was refused, and the one opened
    // during the outage), lists what is open, and shows what is stored now.
    await storeAlert(stage.env.pool, 'hub-a', hubAlert('after-outage', { severity: 'critical', kind: 'pendant' }));
    for (const p of [page, reconnecting, opened]) {
      await p.getByText('Live: connected').waitFor(WAIT);
      await p.locator('li[data-key="hub-a before-outage"]').waitFor(WAIT);
      await p.locator('li[data-key="hub-a after-outage"]').waitFor(WAIT);
    }
    expect((await ask(page, '/api/alerts')).status).toBe(200);
  });
});
