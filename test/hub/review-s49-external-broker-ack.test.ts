// An acknowledgement sent over MQTT through an external broker (HUB_MQTT_URL, a real mosquitto): the hub cannot tell
// who sent it, so it refuses it; the answer says why and what to do instead (it used to say only "acknowledge needs an
// authenticated user", although the responder had logged in to the broker).
import fs from 'node:fs';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { ONE_HOME_CONFIG, mqttClient, nextMessage, tempDir } from './helpers.js';

let dir: string;
let mosquitto: Mosquitto | undefined;
let hub: RunningHub | undefined;

beforeEach(async () => {
  dir = tempDir('s49-extack');
  mosquitto = await startMosquitto(dir);
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  await mosquitto?.kill();
  mosquitto = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

it('refuses an ack through an external broker saying the broker does not name the sender and to use the dashboard or API', async () => {
  const port = mosquitto!.port;
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { mqttUrl: `mqtt://127.0.0.1:${port}` });
  const responder = await mqttClient(port);
  const online = nextMessage(responder, (t) => t === 'telecare/hub/status');
  await responder.subscribeAsync(['telecare/hub/status', 'telecare/+/alerts/#'], { qos: 1 });
  expect((await online).payload.toString()).toBe('online');

  const raised = nextMessage(responder, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t));
  await responder.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
  const alertId = (JSON.parse((await raised).payload.toString()) as { id: string }).id;

  const answer = nextMessage(responder, (t) => t === `telecare/h1/alerts/${alertId}/ack/result`);
  await responder.publishAsync(`telecare/h1/alerts/${alertId}/ack`, '{}', { qos: 1 });
  const body = JSON.parse((await answer).payload.toString()) as Record<string, unknown>;
  expect(body).toMatchObject({ alertId, ok: false, action: 'acknowledge', code: 'forbidden' });
  expect(body.message).toMatch(/external broker \(HUB_MQTT_URL\)/);
  expect(body.message).toMatch(/does not tell the hub who sent/);
  expect(body.message).toMatch(/dashboard/);
  expect(body.message).toMatch(/POST \/api\/alerts\/<alertId>\/ack/);
  expect(body.message).not.toMatch(/needs an authenticated user/);

  // Nothing changed, and the refusal is counted.
  expect(hub.alerts.list({ state: 'open' }).map((a) => [a.id, a.state])).toEqual([[alertId, 'raised']]);
  await vi.waitFor(async () =>
    expect(await hub!.metrics.metrics()).toMatch(
      /^telecare_alert_actions_rejected_total\{code="forbidden",via="mqtt"\} 1$/m,
    ),
  );
  await responder.endAsync();
});
