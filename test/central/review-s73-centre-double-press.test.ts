// Acknowledge or Resolve pressed twice on the centre's console (review, session 73; the hub's console since session 63:
// test/dashboard/review-s63-double-press.test.ts). A double-click on Acknowledge (or a second press when the first
// seemed not to take, on a slow link) sent two acknowledgements to the hub; the hub applied the first and answered the
// second "already done", and the card, the newest command's line, said "Acknowledgement: the hub had it already
// (acknowledged)": the operator could not tell whether hers had counted. Resolve pressed twice sent two resolutions.
// Debian's chromium at 360 px, the real console, PostgreSQL and nats-server, the stand-in hub answering the commands.
import { describe, expect, it } from 'vitest';
import { hubAlert, logInAt, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable("the centre's console, a double press");
const WAIT = { timeout: 20_000, interval: 20 };

describe.skipIf(!runnable)("review s73: the centre's console, a double press", () => {
  const stage = centreConsoleInChromium();

  it('sends an acknowledgement and a resolution once each, and says the acknowledgement was applied', async () => {
    const at = new Date().toISOString();
    await storeHub(stage.env.pool, 'hub-a', { status: 'online', lastSeenAt: new Date() });
    const press = hubAlert('s73-double', {
      homeId: 'flat-1',
      kind: 'pendant',
      severity: 'critical',
      raisedAt: at,
      lastSeenAt: at,
    });
    await storeAlert(stage.env.pool, 'hub-a', press);
    const context = await stage.newContext({ viewport: { width: 360, height: 800 }, locale: 'en-GB' });
    const page = await context.newPage();
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().includes('/api/alerts/'))
        sent.push(request.url().split('/').pop()!);
    });
    await logInAt(page, stage.env);
    await page.getByText('Live: connected').waitFor(WAIT);
    const card = page.locator('#alerts > li[data-alert="s73-double"]');
    // The commands the hub was sent (each once per command: the centre resends one until the hub's answer is stored).
    const received = (): string[] => {
      const commands = new Map<string, string>();
      for (const r of stage.env.hub.received.filter((r) => r.alertId === 's73-double'))
        commands.set(String(r.body.commandId), String(r.body.action));
      return [...commands.values()];
    };

    await card.getByRole('button', { name: /^Acknowledge/ }).dblclick();
    await expect.poll(() => card.innerText(), WAIT).toMatch(/Acknowledgement applied by the hub \(acknowledged\)/);
    // Before: two sent, two received, and the card said "Acknowledgement: the hub had it already (acknowledged)".
    expect(sent).toEqual(['ack']);
    expect(received()).toEqual(['acknowledge']);
    expect(await card.innerText()).not.toMatch(/had it already/);

    await card.getByRole('button', { name: /^Resolve…/ }).click();
    await card.getByLabel('Outcome').selectOption({ label: 'False alarm' });
    await card.getByLabel('Note').fill('Pressed by mistake, she is fine');
    await card.getByRole('button', { name: 'Resolve', exact: true }).dblclick();
    await page.locator('#closed li', { hasText: 'Pressed by mistake, she is fine' }).waitFor(WAIT);
    expect(sent).toEqual(['ack', 'resolve']);
    expect(received()).toEqual(['acknowledge', 'resolve']);

    // By keyboard: Enter twice on the next call's Acknowledge sends one, opens nothing, and the keyboard stays on the
    // card. Before: the keyboard went to Resolve… while the first waited, and the second Enter opened the form.
    const other = hubAlert('s73-keys', {
      homeId: 'flat-2',
      kind: 'pendant',
      severity: 'critical',
      raisedAt: at,
      lastSeenAt: at,
    });
    await storeAlert(stage.env.pool, 'hub-a', other);
    const next = page.locator('#alerts > li[data-alert="s73-keys"]');
    // The acknowledgement held on its way until both presses are in: answered between them (a loaded machine), the
    // keyboard had rightly moved on to Resolve…, and the second Enter opened its form (failed once in CI).
    let letThrough: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (letThrough = resolve));
    await page.route('**/api/alerts/*/s73-keys/ack', async (route) => {
      await held;
      await route.continue();
    });
    await next.getByRole('button', { name: /^Acknowledge/ }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => sent.length, WAIT).toBe(3);
    await page.keyboard.press('Enter');
    expect(await next.locator('form').count()).toBe(0);
    letThrough();
    await expect.poll(() => next.innerText(), WAIT).toMatch(/Acknowledgement applied by the hub/);
    expect(sent).toEqual(['ack', 'resolve', 'ack']);
    expect(await next.locator('form').count()).toBe(0);
    expect(
      await page.evaluate(
        `document.querySelector('#alerts > li[data-alert="s73-keys"]').contains(document.activeElement)`,
      ),
    ).toBe(true);
  }, 120_000);
});
