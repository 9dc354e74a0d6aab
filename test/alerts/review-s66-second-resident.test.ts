// Review, session 66: two residents of one flat press their pendants. A home has one open alert per kind (SPEC 5), so
// the second press is merged into the first's alert, naming the second pendant and its resident (`otherDevices`,
// session 60): MQTT and the consoles show it at once. The call centre reached by webhook did not: while the ladder
// runs a repeat is sent to no group ("the ladder tells the next group in time"), right for the same pendant pressed
// again but not for a second person calling for help, whom the first group's platform never showed while its call
// rang. A repeat that names a device the alert did not name yet (a second resident's pendant, a second smoke
// detector), high or critical, is now sent to the groups told so far at once. The same pendant pressed again is still
// not. The real hub in-process on a fake clock, its embedded broker, a real MQTT client, SQLite in a temp folder, a
// real HTTP receiver as the call centre.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import type { Alert } from '../../hub/alerts/api.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { mqttClient, ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';
import { waitFor, webhookReceiver, type WebhookReceiver } from './helpers.js';

const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
const GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;

let dir: string;
let hub: RunningHub | undefined;
let callCentre: WebhookReceiver | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('review-s66-second-resident');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  await callCentre?.close();
  callCentre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startCouple(clock: FakeClock): Promise<(deviceId: string) => Promise<void>> {
  callCentre = await webhookReceiver();
  const home = ONE_HOME_CONFIG.homes[0]!;
  hub = await startTestHub(
    parseHubConfig({
      homes: [
        {
          ...home,
          residents: [{ id: 'r1' }, { id: 'r2' }],
          devices: [
            ...home.devices.filter((d) => d.id !== 'p1'),
            { id: 'p1', kind: 'pendant', room: 'living', residentId: 'r1' },
            { id: 'p2', kind: 'pendant', room: 'bedroom', residentId: 'r2' },
          ],
        },
      ],
      responders: [
        {
          id: 'cc',
          group: 'first',
          webhook: { url: callCentre.url, secret: 'call-centre-secret-for-tests', allowPrivateNetwork: true },
        },
      ],
    }),
    dir,
    { clock },
  );
  const client = await mqttClient(hub.ports.mqtt!);
  clients.push(client);
  clock.advanceTo(T0);
  return async (deviceId) => {
    await client.publishAsync(
      `telecare/h1/devices/${deviceId}/events`,
      JSON.stringify({ type: 'pendant', value: true }),
      {
        qos: 1,
      },
    );
    await hub!.alerts.settled();
  };
}

/** The alerts the call centre accepted, in order. */
function received(): (Alert & { version: number })[] {
  return callCentre!.accepted().map((r) => (JSON.parse(r.body) as { alert: Alert & { version: number } }).alert);
}

describe('two residents press their pendants while the first call rings', () => {
  it("the call centre is sent the second resident's press at once", async () => {
    const clock = new FakeClock(T0 - GRACE_MS);
    const press = await startCouple(clock);
    await press('p1');
    await waitFor(() => received().length === 1, 'the raise at the call centre');
    clock.advanceBy(10_000);
    await press('p2');
    // Before the fix: nothing more until someone acknowledged or the ladder stepped (none here: one group).
    await waitFor(() => received().length >= 2, "the second resident's press at the call centre");
    const [raised, again] = received();
    expect(raised).toMatchObject({ kind: 'pendant', state: 'raised', residentId: 'r1', version: 1 });
    expect(again).toMatchObject({
      id: raised!.id,
      state: 'raised',
      count: 2,
      detail: { deviceId: 'p1', otherDevices: [{ deviceId: 'p2', residentId: 'r2', room: 'bedroom' }] },
    });
  }, 60_000);

  it('the same pendant pressed again while the call rings is still not sent again', async () => {
    const clock = new FakeClock(T0 - GRACE_MS);
    const press = await startCouple(clock);
    await press('p1');
    await waitFor(() => received().length === 1, 'the raise at the call centre');
    clock.advanceBy(10_000);
    await press('p1');
    // Then p2: its webhook comes after anything the repeat of p1 would have caused (one receiver, in version order).
    clock.advanceBy(10_000);
    await press('p2');
    await waitFor(() => received().length >= 2, "the second resident's press at the call centre");
    expect(received().map((a) => [a.version, a.count])).toEqual([
      [1, 1],
      [3, 3],
    ]);
  }, 60_000);
});
