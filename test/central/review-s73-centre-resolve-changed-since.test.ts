// Review, session 73: at the alarm centre, an operator opened the resolve form of a pendant alert and chose "False
// alarm"; the resident pressed again meanwhile. Her resolve went down to the hub without the version she had looked at,
// and the hub closed the new press as a false alarm. Now the console sends the version her form was opened on, the
// command carries it down, and when the hub refuses (`changed-since`, its words) the card says so, her form opens
// again with her outcome and note, and her next Resolve carries the version she now sees. Debian's chromium, the real
// console, PostgreSQL and nats-server; the hub's side of the command is the stand-in hub of console-env.ts, its first
// answer the hub's refusal as hub/uplink.ts sends it (the hub's own refusal over a real broker:
// test/hub/review-s73-centre-resolve-changed-since.test.ts).
import { describe, expect, it } from 'vitest';
import { COMMAND_RESULT_CHANNEL } from '../../central/schema.js';
import { hubAlert, storeAlert, storeHub } from './console-env.js';
import { centreConsoleInChromium, consoleInChromiumRunnable } from './console-in-chromium.js';

const runnable = consoleInChromiumRunnable('the centre resolve changed-since test');

const WAIT = { timeout: 15_000, interval: 20 };
const REFUSAL = 'Not resolved: pressed again at 03:12 since you opened it (version 1, now 2): look again, then resolve';

describe.skipIf(!runnable)("review s73: the centre's resolve of an alert pressed again since", () => {
  const stage = centreConsoleInChromium();

  it("shows the hub's refusal on the card, keeps her outcome and note, and sends the version she now sees", async () => {
    const { pool, hub } = stage.env;
    await storeHub(pool, 'hub-7', { status: 'online', lastSeenAt: new Date() });
    const page = await stage.consoleWithSound();
    const at = new Date().toISOString();
    const press = {
      kind: 'pendant',
      severity: 'critical',
      raisedAt: at,
      lastSeenAt: at,
      room: 'living',
      detail: { eventType: 'pendant', deviceId: 'p1', eventAt: at },
    };
    await storeAlert(pool, 'hub-7', hubAlert('a1', press));
    const card = page.locator('li[data-hub="hub-7"][data-alert="a1"]');
    await card.waitFor(WAIT);
    await card.getByRole('button', { name: 'Resolve…' }).click();
    await card.getByLabel('Outcome').selectOption('false-alarm');
    await card.getByLabel('Note').fill('Spoke to her: pressed by mistake');

    // Pressed again while her form is open.
    await storeAlert(pool, 'hub-7', hubAlert('a1', { ...press, count: 2, version: 2 }));
    await expect.poll(() => card.innerText(), WAIT).toMatch(/2 times/);
    hub.ignore.set('a1', 1);
    await card.getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect.poll(() => hub.received.filter((c) => c.alertId === 'a1').length, WAIT).toBe(1);
    const first = hub.received[0]!.body;
    // Before the fix: no version; the hub took the resolve for the alert as it was (pressed twice).
    expect(first).toMatchObject({ action: 'resolve', outcome: 'false-alarm', version: 1 });

    // The hub refuses it, as hub/uplink.ts answers.
    const refusal = {
      hubId: 'hub-7',
      alertId: 'a1',
      action: 'resolve',
      commandId: first.commandId,
      ok: false,
      code: 'changed-since',
      message: REFUSAL,
    };
    await pool.query(
      'INSERT INTO central_command_results (hub_id, alert_id, command_id, payload) VALUES ($1, $2, $3, $4)',
      ['hub-7', 'a1', first.commandId, refusal],
    );
    await pool.query('SELECT pg_notify($1, $2)', [
      COMMAND_RESULT_CHANNEL,
      JSON.stringify({ hubId: 'hub-7', alertId: 'a1', commandId: first.commandId }),
    ]);
    await card.getByText(`Resolution refused by the hub: ${REFUSAL}`).waitFor(WAIT);
    // Her form again, with what she chose and wrote.
    await card.getByLabel('Outcome').waitFor(WAIT);
    expect(await card.getByLabel('Outcome').inputValue()).toBe('false-alarm');
    expect(await card.getByLabel('Note').inputValue()).toBe('Spoke to her: pressed by mistake');

    // She has looked again: her Resolve carries version 2 and is taken.
    await card.getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect.poll(() => hub.received.filter((c) => c.alertId === 'a1').length, WAIT).toBe(2);
    expect(hub.received[1]!.body).toMatchObject({
      action: 'resolve',
      outcome: 'false-alarm',
      note: 'Spoke to her: pressed by mistake',
      version: 2,
    });
    await card.waitFor({ state: 'detached', ...WAIT });
  });
});
