// Review, session 67: the resident's pre-alert during an outage of the external broker (HUB_MQTT_URL). Each change of a
// home's retained pre-alert (telecare/<home>/prealert) is an outbox row, written over in place while it is still pending
// (session 66). With the broker away, the row's publish waits in the MQTT client for the reconnection: it is on its way,
// so the next window's change could not take its place and made a row of its own, and so on, one row (and one message
// queued in the client) per 100 ms window per home as long as the outage lasted. Late-stamped exit-door events (a spool
// flushed) change every home's pre-alert at each one. The real hub in-process on a fake clock, a real Mosquitto killed
// and started again, events over real HTTP, SQLite in a temp folder; rows counted in alert_outbox.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { freePort, mqttClient, tempDir } from './helpers.js';

/** Monday 5 January 2026, 14:00 in London (GMT): day-time silences, 4 h before inactivity (cold start). */
const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
const MINUTE = 60_000;
const HOMES = Array.from({ length: 20 }, (_, i) => `h${i + 1}`);

let dir: string;
let brokerPort: number;
let mosquitto: Mosquitto | undefined;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(async () => {
  dir = tempDir('review-s67-prealert-outage');
  brokerPort = await freePort();
  mosquitto = await startMosquitto(dir, { port: brokerPort });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  await hub?.stop();
  hub = undefined;
  await mosquitto?.kill();
  mosquitto = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A flat whose one call-out of a silence is inactivity's (possible-fall pushed past the 12 h cap). */
function flat(id: string) {
  return {
    id,
    timezone: 'Europe/London',
    residents: [{ id: `r-${id}` }],
    devices: [
      { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
      { id: 'front', kind: 'exit-door', room: 'entrance' },
    ],
    rules: {
      possibleFall: {
        floorMinutes: 720,
        coldStartDayMinutes: 720,
        coldStartNightMinutes: 720,
        afterActivityPercent: 0,
      },
    },
  };
}

const outboxRows = (): number => (hub!.db.prepare('SELECT COUNT(*) AS n FROM alert_outbox').get() as { n: number }).n;
const pendingRows = (): number =>
  (hub!.db.prepare("SELECT COUNT(*) AS n FROM alert_outbox WHERE status = 'pending'").get() as { n: number }).n;

describe('the external broker away for 10 minutes, 20 homes, late-stamped exit-door events', () => {
  it("writes each home's pre-alert over in place, and the broker gets the newest once back", async () => {
    const clock = new FakeClock(T0);
    hub = await startTestHub(parseHubConfig({ homes: HOMES.map(flat) }), dir, {
      clock,
      mqttUrl: `mqtt://127.0.0.1:${brokerPort}`,
    });
    const running = hub;
    const cookie = await adminSession(running);
    const post = async (homeId: string, body: object): Promise<void> => {
      const answer = await fetch(`${dashboardUrl(running)}/api/events`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin: dashboardUrl(running) },
        body: JSON.stringify({ homeId, ...body }),
      });
      expect(answer.status).toBe(202);
    };
    const connected = async (): Promise<boolean> =>
      (
        (await (await fetch(`${dashboardUrl(running)}/api/health`, { headers: { cookie } })).json()) as {
          mqtt: { connected: boolean };
        }
      ).mqtt.connected;
    await mosquitto!.kill();
    const deadline = Date.now() + 20_000;
    while (await connected()) {
      if (Date.now() > deadline) throw new Error('the hub never saw the broker go');
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = outboxRows();

    // Ten minutes of the hub's clock, in every home each 30 s a passage through the front door and the kitchen PIR just
    // after, stamped 3 h 55 min before the hub's clock (a bridge's spool flushed): activity at its own stamp, whose
    // pre-alert (4 h of silence by day, less 10 min) is due at once: cancelled and started again each time.
    const windows = 20;
    let lastStamp = 0;
    for (let k = 0; k < windows; k++) {
      clock.advanceBy(30_000);
      const stamp = clock.now() - 235 * MINUTE;
      for (const id of HOMES) {
        await post(id, { deviceId: 'front', type: 'contact', value: k % 2 === 0, ts: stamp });
        await post(id, { deviceId: 'kitchen-pir', type: 'motion', value: true, ts: stamp + 1_000 });
      }
      lastStamp = stamp + 1_000;
      clock.advanceBy(200);
    }
    const during = outboxRows() - before;
    // Before the fix: a row per home and window (400 here). Now at most two a home (40 here): the one on its way, the
    // newest written over in place.
    expect(during).toBeLessThanOrEqual(2 * HOMES.length);

    // The broker back: each home's retained pre-alert is the newest warning, and nothing is left to send.
    mosquitto = await startMosquitto(dir, { port: brokerPort });
    const back = Date.now() + 30_000;
    while (!(await connected())) {
      if (Date.now() > back) throw new Error('the hub never reconnected');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Retries (a publish refused while the client reconnected) wait on the hub's clock.
    const drained = Date.now() + 30_000;
    while (pendingRows() > 0) {
      if (Date.now() > drained) throw new Error(`the outbox never drained: ${pendingRows()} rows pending`);
      clock.advanceBy(1_000);
      await new Promise((r) => setTimeout(r, 50));
    }
    const raiseAt = new Date(lastStamp + 240 * MINUTE).toISOString();
    const unit = await mqttClient(brokerPort);
    clients.push(unit);
    const retained = new Map<string, unknown>();
    unit.on('message', (topic, payload) => retained.set(topic, JSON.parse(payload.toString())));
    await unit.subscribeAsync('telecare/+/prealert', { qos: 1 });
    const told = Date.now() + 10_000;
    while (retained.size < HOMES.length && Date.now() < told) await new Promise((r) => setTimeout(r, 50));
    expect(retained).toEqual(new Map(HOMES.map((id) => [`telecare/${id}/prealert`, { kind: 'inactivity', raiseAt }])));
  }, 180_000);
});
