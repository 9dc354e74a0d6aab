// Review, session 75: a publish the centre refuses was counted as sent. The uplink spoke MQTT 3.1.1, whose PUBACK has
// no reason code: mosquitto 2.0.11 PUBACKs a QoS 1 publish its ACL refuses, and NATS's MQTT gateway (2.9.10) does the
// same, so a hub whose credential may not write its own id's topics (HUB_ID changed, HUB_UPLINK_USER not) deleted each
// alert version as sent and the centre never had it. Now the uplink speaks MQTT 5 where the broker does (mosquitto
// answers such a publish with reason code 0x87 Not authorized): the item stays queued, is counted, said once in the log
// and in /api/health (`degraded`), and tried again with a backoff; under 3.1.1 (NATS's gateway refuses 5 at the
// CONNACK) nothing is sent while the centre refuses this hub's own command topic, the one refusal 3.1.1 shows.
// Real brokers: mosquitto with users and the least-privilege ACL (uplink-centre.ts), a three-node NATS cluster with the
// centre's users (central/nats-config.ts); in-process hubs on one data folder.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { connect as natsConnect } from 'nats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLayout, NATS_SERVER, startCluster, withHubs, type NatsCluster } from '../../central/nats-cluster.js';
import { hashPassword } from '../../central/nats-config.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { createLogger } from '../../hub/logger.js';
import type { UplinkOptions } from '../../hub/uplink.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { alertItems, centreConsole, eventually, startCentre, uplinkOptions, type Centre } from './uplink-centre.js';

let dir: string;
let centre: Centre | undefined;
let cluster: NatsCluster | undefined;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];
const closers: (() => Promise<void>)[] = [];

beforeEach(() => {
  dir = tempDir('s75-refused');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true).catch(() => undefined);
  for (const close of closers.splice(0)) await close().catch(() => undefined);
  await hub?.stop();
  hub = undefined;
  await centre?.kill();
  centre = undefined;
  await cluster?.stop();
  cluster = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `/api/health`, logged in as the admin. */
async function health(running: RunningHub): Promise<{ status?: string; uplink: Record<string, unknown> }> {
  const cookie = await adminSession(running);
  const response = await fetch(`${dashboardUrl(running)}/api/health`, { headers: { cookie } });
  return (await response.json()) as { status?: string; uplink: Record<string, unknown> };
}

async function metricValue(running: RunningHub, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = running.metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, value]) => (v.labels as Record<string, unknown>)[k] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

/** A hub on `dir` with `uplink`, its log lines kept in `lines`. */
async function startHub(uplink: UplinkOptions, lines: string[]): Promise<RunningHub> {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
    uplink,
    logger: createLogger({ level: 'info', destination }),
  });
}

/** A pendant press at the hub, and the id of the open call once raised. */
async function pressPendant(running: RunningHub): Promise<string> {
  const sensor = await mqttClient(running.ports.mqtt!);
  clients.push(sensor);
  await sensor.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
  let id = '';
  await eventually(() => {
    id = running.alerts.list({ state: 'open' })[0]?.id ?? '';
    expect(id).not.toBe('');
  });
  return id;
}

/** Alert publishes the centre has answered: acknowledged as sent, or refused (session 75's metric). */
async function answered(running: RunningHub): Promise<number> {
  return (
    (await metricValue(running, 'telecare_uplink_sent_total', { kind: 'alert' })) +
    (await metricValue(running, 'telecare_uplink_publish_refused_total', { kind: 'alert' }))
  );
}

const logged = (lines: readonly string[], text: string): number => lines.filter((l) => l.includes(text)).length;

describe('a publish the centre refuses', () => {
  it('stays queued, is said in health and once in the log, and goes once the centre takes it (mosquitto, MQTT 5)', async () => {
    // HUB_ID changed to hub2, HUB_UPLINK_USER still hub1: the centre's ACL lets hub1 write telecare-up/hub1/# only.
    centre = await startCentre(dir, { hubs: ['hub1', 'hub2'], persistence: true });
    const { client, received } = await centreConsole(centre.port, 'telecare-up/#');
    clients.push(client);
    const lines: string[] = [];
    hub = await startHub(uplinkOptions(centre.port, { hubId: 'hub2', username: 'hub1' }), lines);
    const running = hub;
    const id = await pressPendant(running);
    // The centre has answered the publish: acknowledged it as sent (before the fix) or refused it.
    await eventually(async () => expect(await answered(running)).toBeGreaterThan(0));
    // Before the fix: PUBACKed under 3.1.1, deleted as sent (queue 0, sent 1), nothing at the centre.
    const refused = await health(running);
    expect(refused.uplink).toMatchObject({ queue: 1 });
    expect(await metricValue(running, 'telecare_uplink_sent_total', { kind: 'alert' })).toBe(0);
    expect(refused.uplink).toMatchObject({ mqttVersion: '5' });
    expect(logged(lines, 'HUB_UPLINK_USER (hub1) is not HUB_ID (hub2)')).toBe(1);
    expect(refused.status).toBe('degraded');
    expect(refused.uplink.refusing).toMatchObject({ kinds: ['alert'], topic: `telecare-up/hub2/alerts/${id}` });
    expect(String(refused.uplink.lastError)).toContain('not-authorized (0x87)');
    // The backoff's second round (5 s, then 10 s): refused again, still said once.
    await eventually(async () => expect((await health(running)).uplink.publishesRefused).toBe(2), 20_000);
    expect(logged(lines, 'the centre refused a publish on')).toBe(1);
    expect(alertItems(received)).toEqual([]);

    // The centre fixes its ACL (hub1 may write hub2's topics too) and restarts its broker: delivered, no hub restart.
    const acl = path.join(path.dirname(centre.broker.process.spawnargs.at(-1) ?? ''), 'acl');
    fs.appendFileSync(acl, 'user hub1\ntopic write telecare-up/hub2/#\n');
    await centre.kill();
    await centre.restart();
    await eventually(() => {
      expect(alertItems(received).map((a) => `${a.hubId}:${a.alertId}@${a.version}`)).toContain(`hub2:${id}@1`);
    }, 40_000);
    await eventually(async () => {
      const after = await health(running);
      expect(after.uplink).toMatchObject({ queue: 0 });
      expect(after.uplink.refusing).toBeUndefined();
      expect(after.status).not.toBe('degraded');
    });
    expect(logged(lines, 'the centre takes what this hub sends again')).toBe(1);
  }, 90_000);

  it('is kept and sent once the hub runs with its right credential (mosquitto, MQTT 5)', async () => {
    centre = await startCentre(dir, { hubs: ['hub1', 'hub2'], persistence: true });
    const { client, received } = await centreConsole(centre.port, 'telecare-up/#');
    clients.push(client);
    hub = await startHub(uplinkOptions(centre.port, { hubId: 'hub2', username: 'hub1' }), []);
    const running = hub;
    const id = await pressPendant(running);
    expect(running.alerts.acknowledge(id, 'warden-1').ok).toBe(true);
    await eventually(async () => expect(await answered(running)).toBeGreaterThanOrEqual(2));
    expect((await health(running)).uplink.queue).toBe(2);
    await hub.stop();
    hub = await startHub(uplinkOptions(centre.port, { hubId: 'hub2', username: 'hub2' }), []);
    const second = hub;
    await eventually(async () => expect((await health(second)).uplink.queue).toBe(0));
    // Both versions, from the queue, in order (version 2 restated too, as at every start).
    const seen = alertItems(received).map((a) => `${a.hubId}:${a.version}`);
    expect([...new Set(seen)]).toEqual(['hub2:1', 'hub2:2']);
  }, 60_000);
});

describe.skipIf(!fs.existsSync(NATS_SERVER))("a centre on NATS's MQTT gateway (MQTT 3.1.1 only)", () => {
  it('sends nothing while the gateway refuses this hub its own command topic, and all once it grants it', async () => {
    const { layout, centrePassword } = await createLayout({ dir: path.join(dir, 'nats'), bcryptCost: 4 });
    cluster = await startCluster(
      withHubs(layout, [
        { hubId: 'hub1', passwordHash: hashPassword('password-of-hub1', 4) },
        { hubId: 'hub2', passwordHash: hashPassword('password-of-hub2', 4) },
      ]),
    );
    const port = cluster.layout.nodes[0]!.mqtt;
    // The centre's side: everything hubs send, as NATS subjects.
    const nc = await natsConnect({ servers: cluster.natsUrls, user: 'centre', pass: centrePassword });
    closers.push(() => nc.close());
    const subjects: string[] = [];
    const sub = nc.subscribe('telecare-up.>');
    void (async () => {
      for await (const m of sub) subjects.push(m.subject);
    })();
    await nc.flush();

    const lines: string[] = [];
    const wrongUser = { hubId: 'hub2', username: 'hub1', password: 'password-of-hub1' };
    hub = await startHub({ ...uplinkOptions(port), ...wrongUser }, lines);
    const running = hub;
    const id = await pressPendant(running);
    // Connected, and the centre has answered: acknowledged the publish (before the fix) or refused the command topic.
    await eventually(async () => {
      const up = (await health(running)).uplink;
      expect((await answered(running)) > 0 || up.refusing !== undefined).toBe(true);
    }, 20_000);
    // Before the fix: the gateway PUBACKed the refused publish, the hub deleted it (queue 0, sent 1).
    expect((await health(running)).uplink.queue).toBe(1);
    expect(await metricValue(running, 'telecare_uplink_sent_total', { kind: 'alert' })).toBe(0);
    await eventually(async () => {
      const refused = await health(running);
      expect(refused.uplink).toMatchObject({ mqttVersion: '3.1.1', queue: 1 });
      expect(refused.uplink.refusing).toMatchObject({ kinds: ['all'], topic: 'telecare-down/hub2/#' });
      expect(refused.status).toBe('degraded');
    }, 20_000);
    expect(logged(lines, "the centre refuses this hub's command topic")).toBe(1);
    expect(logged(lines, 'does not speak MQTT 5')).toBe(1);
    expect(subjects.filter((s) => s.includes('alerts'))).toEqual([]);

    await hub.stop();
    hub = await startHub({ ...uplinkOptions(port), hubId: 'hub2', username: 'hub2', password: 'password-of-hub2' }, []);
    const second = hub;
    await eventually(async () => expect((await health(second)).uplink).toMatchObject({ queue: 0 }), 30_000);
    await eventually(() => expect(subjects).toContain(`telecare-up.hub2.alerts.${id}`));
    expect((await health(second)).uplink.refusing).toBeUndefined();
  }, 120_000);
});
