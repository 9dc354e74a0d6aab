// The uplink to an alarm receiving centre (SPEC 10), in-process hub against a real mosquitto as the centre's broker.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queryAlertAudit } from '../../hub/alerts/query.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { createLogger } from '../../hub/logger.js';
import type { UplinkHealth, UplinkOptions } from '../../hub/uplink.js';
import { startBroker } from '../alerts/helpers.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { selfSignedPair } from '../support/tls.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';
import {
  HUB_ID,
  alertItems,
  centreConsole,
  persistenceFile,
  startCentre,
  uplinkOptions,
  versionsOf,
  type Centre,
  type Received,
} from './uplink-centre.js';

let dir: string;
let centre: Centre | undefined;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

const eventually = (check: () => void | Promise<void>, timeout = 15_000): Promise<void> =>
  vi.waitFor(check, { timeout, interval: 20 });

async function start(options: UplinkOptions, logger = createLogger({ level: 'silent' })): Promise<RunningHub> {
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { uplink: options, logger });
  return hub;
}

/** Publish a native event on the hub's own broker, as a sensor in the home would. */
async function sensorEvent(running: RunningHub, deviceId: string, event: object): Promise<void> {
  const sensor = await mqttClient(running.ports.mqtt!);
  await sensor.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify(event), { qos: 1 });
  await sensor.endAsync();
}

/** The id of the open alert of `kind` once the hub has raised it. */
async function openAlert(running: RunningHub, kind: string): Promise<string> {
  let id: string | undefined;
  await eventually(() => {
    id = running.alerts.list({ state: 'open' }).find((a) => a.kind === kind)?.id;
    expect(id).toBeDefined();
  });
  return id!;
}

const sessions = new WeakMap<RunningHub, string>();

/** The uplink's part of /api/health (details are shown to a logged-in user only). */
async function uplinkHealth(running: RunningHub): Promise<UplinkHealth> {
  let cookie = sessions.get(running);
  if (cookie === undefined) {
    cookie = await adminSession(running);
    sessions.set(running, cookie);
  }
  const response = await fetch(`${dashboardUrl(running)}/api/health`, { headers: { cookie } });
  return ((await response.json()) as { uplink: UplinkHealth }).uplink;
}

async function metricValue(running: RunningHub, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = running.metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const match = values.find((v) =>
    Object.entries(labels).every(([k, value]) => (v.labels as Record<string, unknown>)[k] === value),
  );
  return match?.value ?? 0;
}

function statusMessages(received: readonly Received[]): string[] {
  return received.filter((m) => m.topic === `telecare-up/${HUB_ID}/status`).map((m) => m.payload);
}

/**
 * A centre's broker with a console listening, the hub online on it, a pendant alert open, and a centre operator's
 * client connected to send commands down.
 */
async function pendantWithCentreConsole(): Promise<{
  running: RunningHub;
  received: Received[];
  id: string;
  client: MqttClient;
}> {
  centre = await startCentre(dir);
  const received = await console_(centre.port);
  const running = await start(uplinkOptions(centre.port));
  await eventually(() => expect(statusMessages(received)).toContain('online'));
  await sensorEvent(running, 'p1', { type: 'pendant', value: true });
  const id = await openAlert(running, 'pendant');
  const { client } = await centreConsole(centre.port);
  clients.push(client);
  return { running, received, id, client };
}

async function console_(port: number): Promise<Received[]> {
  const { client, received } = await centreConsole(port);
  clients.push(client);
  return received;
}

beforeEach(() => {
  dir = tempDir('uplink');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await centre?.kill();
  centre = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the uplink to an alarm receiving centre', () => {
  it('forwards every version of a pendant alert in order, says online, and sends heartbeats', async () => {
    centre = await startCentre(dir);
    const received = await console_(centre.port);
    const running = await start(uplinkOptions(centre.port, { heartbeatMs: 200 }));
    await eventually(() => expect(statusMessages(received)).toContain('online'));

    await sensorEvent(running, 'p1', { type: 'pendant', value: true });
    const id = await openAlert(running, 'pendant');
    expect(running.alerts.acknowledge(id, 'responder-1').ok).toBe(true);
    expect(running.alerts.resolve(id, 'assisted-at-home', 'helped up', 'responder-1').ok).toBe(true);

    await eventually(() => expect(versionsOf(received, id)).toEqual([1, 2, 3]));
    const last = alertItems(received).find((item) => item.alertId === id && item.version === 3);
    expect(last).toMatchObject({
      hubId: HUB_ID,
      alertId: id,
      version: 3,
      alert: { id, state: 'resolved', outcome: 'assisted-at-home', acknowledgedBy: 'responder-1', version: 3 },
    });
    await eventually(() => {
      const beats = received.filter((m) => m.topic === `telecare-up/${HUB_ID}/heartbeat`);
      expect(beats.length).toBeGreaterThanOrEqual(2);
      expect(JSON.parse(beats.at(-1)!.payload)).toMatchObject({ hubId: HUB_ID, openAlerts: 0 });
    });
    // Deleted from the queue once the centre's broker acknowledged them.
    await eventually(async () => expect(await uplinkHealth(running)).toMatchObject({ connected: true, queue: 0 }));
    expect(await metricValue(running, 'telecare_uplink_sent_total', { kind: 'alert' })).toBe(3);
    expect(await metricValue(running, 'telecare_uplink_connected')).toBe(1);
  });

  it('loses nothing while the centre broker is killed: queued versions arrive in order once it is back', async () => {
    centre = await startCentre(dir, { persistence: true });
    const received = await console_(centre.port);
    // The console's session (its subscription) must be saved before the kill, or the restarted broker forgets it.
    const savedAfter = Date.now();
    await eventually(() => expect(fs.statSync(persistenceFile(centre!)).mtimeMs).toBeGreaterThan(savedAfter + 1000));
    const running = await start(uplinkOptions(centre.port));
    await sensorEvent(running, 'p1', { type: 'pendant', value: true });
    const pendant = await openAlert(running, 'pendant');
    await eventually(() => expect(versionsOf(received, pendant)).toEqual([1]));

    await centre.kill();
    await eventually(async () => expect((await uplinkHealth(running)).connected).toBe(false));
    expect(running.alerts.acknowledge(pendant, 'responder-1').ok).toBe(true);
    await sensorEvent(running, 'front', { type: 'tamper', value: true });
    const tamper = await openAlert(running, 'tamper');
    expect(running.alerts.acknowledge(tamper, 'responder-2').ok).toBe(true);
    expect(running.alerts.resolve(pendant, 'carer-visit', null, 'responder-1').ok).toBe(true);
    expect(running.alerts.resolve(tamper, 'false-alarm', null, 'responder-2').ok).toBe(true);
    // The local alert path went on as usual; the uplink queued everything.
    expect((await uplinkHealth(running)).queue).toBe(5);

    await centre.restart();
    await eventually(() => {
      expect(versionsOf(received, pendant)).toEqual([1, 2, 3]);
      expect(versionsOf(received, tamper)).toEqual([1, 2, 3]);
    }, 30_000);
    await eventually(async () => expect((await uplinkHealth(running)).queue).toBe(0));
  }, 90_000);

  it("keeps an item until the centre's broker has acknowledged it (PUBACK), even across a restart", async () => {
    // A broker that takes the hub's alert items and never acknowledges them.
    const silent = await startBroker();
    const held: string[] = [];
    silent.broker.authorizePublish = (_client, packet, callback) => {
      if (packet.topic.startsWith(`telecare-up/${HUB_ID}/alerts/`)) held.push(packet.topic);
      else callback(null);
    };
    let running: RunningHub;
    try {
      running = await start(uplinkOptions(silent.port, { username: undefined, password: undefined }));
      await sensorEvent(running, 'p1', { type: 'pendant', value: true });
      const id = await openAlert(running, 'pendant');
      await eventually(() => expect(held).toEqual([`telecare-up/${HUB_ID}/alerts/${id}`]));
      expect((await uplinkHealth(running)).queue).toBe(1);
      await hub!.stop();
      hub = undefined;
    } finally {
      await silent.close();
    }

    centre = await startCentre(dir);
    const received = await console_(centre.port);
    running = await start(uplinkOptions(centre.port));
    const id = running.alerts.list({ state: 'open' })[0]!.id;
    await eventually(() => expect(versionsOf(received, id)).toEqual([1]));
  });

  it('applies a resolution from the centre through the alert service, audited with the centre as actor, once', async () => {
    const { running, received, id, client } = await pendantWithCentreConsole();
    const command = JSON.stringify({
      action: 'resolve',
      outcome: 'carer-visit',
      note: 'son called in',
      operator: 'op-7',
    });
    await client.publishAsync(`telecare-down/${HUB_ID}/alerts/${id}/ack`, command, { qos: 1 });

    await eventually(() => expect(running.alerts.get(id)).toMatchObject({ state: 'resolved', outcome: 'carer-visit' }));
    const audit = queryAlertAudit(running.db, { alertId: id, actions: ['resolve'] });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'centre:op-7' });
    const results = (): Received[] =>
      received.filter((m) => m.topic === `telecare-up/${HUB_ID}/alerts/${id}/ack/result`);
    await eventually(() => expect(results()).toHaveLength(1));
    expect(JSON.parse(results()[0]!.payload)).toMatchObject({ ok: true, state: 'resolved', version: 2 });
    // The resolution's version goes up like any other.
    await eventually(() => expect(versionsOf(received, id)).toEqual([1, 2]));

    // The centre sending it again changes nothing: answered as already done.
    await client.publishAsync(`telecare-down/${HUB_ID}/alerts/${id}/ack`, command, { qos: 1 });
    await eventually(() => expect(results()).toHaveLength(2));
    expect(JSON.parse(results()[1]!.payload)).toMatchObject({ ok: true, alreadyDone: true, version: 2 });
    expect(running.alerts.get(id)?.version).toBe(2);
    expect(queryAlertAudit(running.db, { alertId: id, actions: ['resolve'] })).toHaveLength(1);
  });

  it('counts and drops bad commands from the centre, and never reads another hub’s commands', async () => {
    const { running, id, client } = await pendantWithCentreConsole();
    const down = `telecare-down/${HUB_ID}/alerts/${id}/ack`;
    // Another hub's command for the same alert id: hub1 may not read it (ACL) and does not subscribe to it.
    await client.publishAsync(`telecare-down/hub2/alerts/${id}/ack`, '{"action":"acknowledge"}', { qos: 1 });
    await client.publishAsync(down, 'not json', { qos: 1 });
    await client.publishAsync(down, '{"action":"explode"}', { qos: 1 });
    await client.publishAsync(down, '{"action":"resolve","outcome":"teleported"}', { qos: 1 });
    await client.publishAsync(down, JSON.stringify({ action: 'acknowledge', operator: 'x'.repeat(5000) }), { qos: 1 });
    await client.publishAsync(`telecare-down/${HUB_ID}/alerts/${id}`, '{"action":"acknowledge"}', { qos: 1 });

    await eventually(async () => {
      expect(await metricValue(running, 'telecare_uplink_down_rejected_total', { reason: 'bad-json' })).toBe(1);
      expect(await metricValue(running, 'telecare_uplink_down_rejected_total', { reason: 'bad-command' })).toBe(2);
      expect(await metricValue(running, 'telecare_uplink_down_rejected_total', { reason: 'too-large' })).toBe(1);
      expect(await metricValue(running, 'telecare_uplink_down_rejected_total', { reason: 'bad-topic' })).toBe(1);
    });
    expect(running.alerts.get(id)).toMatchObject({ state: 'raised', version: 1 });
    // The hub carries on: a good command still works.
    await client.publishAsync(down, '{"action":"acknowledge","operator":"op-2"}', { qos: 1 });
    await eventually(() =>
      expect(running.alerts.get(id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'centre:op-2' }),
    );
  });

  it('keeps alerting locally and queueing when the centre refuses its password, and never logs the password', async () => {
    centre = await startCentre(dir);
    const received = await console_(centre.port);
    const logLines = new PassThrough();
    let log = '';
    logLines.on('data', (d: Buffer) => (log += d.toString()));
    const wrong = 'wrong-password-never-logged';
    const running = await start(
      uplinkOptions(centre.port, { password: wrong }),
      createLogger({ level: 'debug', destination: logLines }),
    );
    const local = await mqttClient(running.ports.mqtt!);
    clients.push(local);
    await local.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    const localAlert = new Promise<string>((resolve) => local.once('message', (_t, p) => resolve(p.toString())));
    await sensorEvent(running, 'p1', { type: 'pendant', value: true });
    expect(JSON.parse(await localAlert)).toMatchObject({ kind: 'pendant', state: 'raised' });

    await eventually(async () => {
      expect(await uplinkHealth(running)).toMatchObject({ connected: false, queue: 1, lastError: 'not-authorised' });
      expect(await metricValue(running, 'telecare_uplink_refused_total', { reason: 'not-authorised' })).toBeGreaterThan(
        0,
      );
    });
    await hub!.stop();
    hub = undefined;
    expect(log).toContain('uplink connection refused');
    expect(log).not.toContain(wrong);

    // The right password at the next start: what was queued goes up.
    const fixed = await start(uplinkOptions(centre.port));
    const id = fixed.alerts.list({ state: 'open' })[0]!.id;
    await eventually(() => expect(versionsOf(received, id)).toEqual([1]));
    await eventually(async () => expect((await uplinkHealth(fixed)).queue).toBe(0));
  });

  it('connects over TLS with the centre CA given (HUB_UPLINK_CA)', async () => {
    const pair = selfSignedPair(dir);
    centre = await startCentre(dir, { tls: pair });
    const received = await console_(centre.port);
    const running = await start(
      uplinkOptions(centre.tlsPort!, { url: `mqtts://127.0.0.1:${centre.tlsPort}`, ca: pair.cert }),
    );
    await sensorEvent(running, 'p1', { type: 'pendant', value: true });
    const id = await openAlert(running, 'pendant');
    await eventually(() => expect(versionsOf(received, id)).toEqual([1]));
    expect((await uplinkHealth(running)).url).toBe(`mqtts://127.0.0.1:${centre.tlsPort}`);
  });

  it('refuses a centre whose certificate the CA does not vouch for, and says why in /api/health', async () => {
    const pair = selfSignedPair(dir);
    centre = await startCentre(dir, { tls: pair });
    const running = await start(uplinkOptions(centre.tlsPort!, { url: `mqtts://127.0.0.1:${centre.tlsPort}` }));
    await eventually(async () =>
      expect(await uplinkHealth(running)).toMatchObject({
        connected: false,
        lastError: expect.stringMatching(/certificate/),
      }),
    );
  });

  it("sends each completed day's features under the council key's pseudonym, with nothing that names the home", async () => {
    centre = await startCentre(dir);
    const received = await console_(centre.port);
    const councilKey = 'council-key-for-tests-0123456789abcdef';
    const running = await start(
      uplinkOptions(centre.port, { councilKey, featuresFirstRunMs: 200, featuresEveryMs: 200 }),
    );
    // A day two days back (noon UTC: the same date in London), as a bridge flushing its buffer would send it.
    const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const sensor = await mqttClient(running.ports.mqtt!);
    clients.push(sensor);
    for (const [deviceId, time] of [
      ['hall-pir', '09:10'],
      ['kitchen-pir', '09:20'],
      ['hall-pir', '12:00'],
      ['kitchen-pir', '18:30'],
    ] as const) {
      const event = { type: 'motion', value: true, ts: `${day}T${time}:00.000Z` };
      await sensor.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify(event), { qos: 1 });
    }
    const pseudonym = createHmac('sha256', councilKey).update('home\u0000h1').digest('hex').slice(0, 16);
    const topic = `telecare-up/${HUB_ID}/features/${pseudonym}/${day}`;
    await eventually(() => expect(received.map((m) => m.topic)).toContain(topic), 30_000);
    const message = received.find((m) => m.topic === topic)!;
    const body = JSON.parse(message.payload) as { home: string; date: string; features: Record<string, unknown> };
    expect(body).toMatchObject({ hubId: HUB_ID, home: pseudonym, date: day });
    expect(body.features.roomTransitions).toBeGreaterThan(0);
    for (const personal of ['h1', 'r1', 'hall-pir', 'kitchen-pir', 'Europe/London', 'homeId']) {
      expect(message.payload).not.toContain(personal);
    }
    // Each day goes once: the queue is empty and the day remembered.
    await eventually(async () => expect((await uplinkHealth(running)).queue).toBe(0));
    expect(running.db.prepare('SELECT COUNT(*) AS n FROM uplink_feature_days WHERE date = ?').get(day)).toEqual({
      n: 1,
    });
  }, 60_000);
});
