// Review, session 38: one hub could fill the centre's message store for every hub. Every hub's QoS 1 messages are
// stored in one JetStream stream (`$MQTT_msgs`, limits retention: a message stays three days after the workers stored
// it); a hub in a loop, or a stolen hub credential, filled it, JetStream refused every hub's messages and the gateway
// withheld their PUBACKs: no alert from any hub reached the centre until the flood aged out. Now a hub over its byte
// budget is quarantined (central/quarantine.ts): the centre's alert `hub-quarantined` (the console shows it), its user
// left out of the nodes' configuration (its connection closed, it cannot connect), its stored messages purged from
// the stream. A real 3-node NATS cluster with its MQTT gateway, worker processes (the compiled centre), PostgreSQL.
//
// The store is made small here (the stream's `max_bytes` with discard-new: JetStream then refuses a message as it
// does when the nodes' 8 GB `max_file_store` is full) so that one hub fills it in a few MiB.
import fs from 'node:fs';
import path from 'node:path';
import { DiscardPolicy, connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { actOnCentreAlert } from '../../central/console/alerts.js';
import { loadLayout } from '../../central/nats-cluster.js';
import { nodeName } from '../../central/nats-config.js';
import { HUB_QUARANTINED, liftedUsage, recordUsage } from '../../central/quarantine.js';
import { STREAM } from '../../central/stream.js';
import { mqttClient, tempDir } from '../hub/helpers.js';
import { centreMissing, hubPassword, startTestCentre, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the hub quarantine test: ${missing}`);

/** The store's size in this test, and a hub's budget (a quarter of it). */
const STORE_BYTES = 4 * 1024 * 1024;
const BUDGET_BYTES = 1024 * 1024;
/** What the flooding hub sends: 64 KiB messages, up to four times the store. */
const FLOOD_MESSAGE_BYTES = 64 * 1024;
const FLOOD_MESSAGES = (4 * STORE_BYTES) / FLOOD_MESSAGE_BYTES;

let centre: TestCentre;
let nc: NatsConnection;

const eventually = (check: () => unknown, timeout = 90_000): Promise<unknown> =>
  vi.waitFor(check, { timeout, interval: 200 });

const alertBody = (hubId: string, alertId: string): object => ({
  hubId,
  alertId,
  version: 1,
  alert: {
    id: alertId,
    kind: 'pendant',
    severity: 'critical',
    state: 'raised',
    raisedAt: new Date().toISOString(),
    homeId: 'h1',
  },
});

/** One of the flood: a well-formed alert version (the workers store it) padded to `FLOOD_MESSAGE_BYTES`. */
function floodMessage(alertId: string): string {
  const body = alertBody('flood', alertId) as { alert: Record<string, unknown> };
  body.alert.detail = { pad: '' };
  const bare = JSON.stringify(body).length;
  body.alert.detail = { pad: 'x'.repeat(FLOOD_MESSAGE_BYTES - bare) };
  return JSON.stringify(body);
}

/**
 * Sends `count` messages as the hub `flood`, each as soon as the last was PUBACKed, until its connection is closed
 * (or refused), or the store refuses one (no PUBACK for 15 s: not a timing assertion, only where the flood stops).
 */
async function floodUntilStopped(
  port: number,
  count: number,
  message: (i: number) => { topic: string; payload: string },
): Promise<{ pubacked: number; end: 'closed' | 'refused' | 'sent' | 'no-connection' }> {
  let flood: Awaited<ReturnType<typeof mqttClient>>;
  try {
    flood = await mqttClient(port, {
      username: 'flood',
      password: hubPassword('flood'),
      clientId: 'flood',
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
  } catch {
    return { pubacked: 0, end: 'no-connection' };
  }
  const closed = new Promise<'closed'>((resolve) => flood.once('close', () => resolve('closed')));
  let pubacked = 0;
  try {
    for (let i = 0; i < count; i++) {
      let timer: NodeJS.Timeout | undefined;
      const refused = new Promise<'refused'>((resolve) => {
        timer = setTimeout(() => resolve('refused'), 15_000);
      });
      const { topic, payload } = message(i);
      const outcome = await Promise.race([
        flood.publishAsync(topic, payload, { qos: 1 }).then(() => 'pubacked' as const),
        closed,
        refused,
      ]);
      clearTimeout(timer);
      if (outcome !== 'pubacked') return { pubacked, end: outcome };
      pubacked += 1;
    }
    return { pubacked, end: 'sent' };
  } finally {
    await flood.endAsync(true);
  }
}

/** `promise`, or a failure saying `what` after 90 s (a wait that would otherwise hang to the test's own timeout). */
async function withinOrFail<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within 90 s`)), 90_000);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why the last probe of `connects` failed (its error), for a failure's message. */
let lastProbeError = '';

/** Whether a hub's credential gets a connection at the gateway now. */
async function connects(port: number, hubId: string): Promise<boolean> {
  try {
    const client = await mqttClient(port, {
      username: hubId,
      password: hubPassword(hubId),
      clientId: `${hubId}-probe`,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await client.endAsync(true);
    return true;
  } catch (err) {
    lastProbeError = err instanceof Error ? err.message : String(err);
    return false;
  }
}

/**
 * What a failed reconnection leaves to read (once seen in a whole run under load, session 47: the lifted hub not
 * connecting within 90 s): the probe's last error and the end of the first node's log (its reloads, its refusals).
 */
function reconnectionDiagnosis(): string {
  const log = path.join(centre.cluster.layout.dir, nodeName(0), 'nats.log');
  const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-40).join('\n') : '(no log)';
  const quarantined = JSON.stringify(loadLayout(centre.cluster.layout.dir).quarantined ?? []);
  return `last probe error: ${lastProbeError || 'none'}; layout: ${quarantined}; ${nodeName(0)} log:\n${tail}`;
}

describe.skipIf(missing !== undefined)("one hub's flood and the other hubs' alerts", () => {
  beforeAll(async () => {
    centre = await startTestCentre(tempDir('s38-quarantine'), ['flood', 'good']);
    centre.workerSettings.hubBudgetBytes = BUDGET_BYTES;
    centre.workerSettings.clusterDir = centre.cluster.layout.dir;
    centre.workerSettings.sweepEveryMs = 1_000;
    await centre.startWorkers(2);
    nc = await connect({ servers: centre.cluster.natsUrls, user: 'centre', pass: centre.centrePassword });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.update(STREAM, { max_bytes: STORE_BYTES, discard: DiscardPolicy.New });
  }, 180_000);

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await centre?.stop();
  }, 60_000);

  it("a hub flooding the store is quarantined and the operators told; another hub's alert still reaches the centre", async () => {
    const port = centre.cluster.layout.nodes[0]?.mqtt ?? 0;
    // A second connection of the flooding hub's credential, idle: the quarantine's reload closes it too.
    const idle = await mqttClient(port, {
      username: 'flood',
      password: hubPassword('flood'),
      clientId: 'flood-idle',
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    const idleClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    // The flooding hub: 64 KiB messages, then (reconnecting, if it still can) tiny ones until the store refuses
    // them too, as a hub in a loop would leave no room for any other hub's message.
    const large = await floodUntilStopped(port, FLOOD_MESSAGES, (i) => ({
      topic: `telecare-up/flood/alerts/loop${String(i)}`,
      payload: floodMessage(`loop${String(i)}`),
    }));
    // More than its budget went in before it was stopped (it was quarantined, not refused for its first message).
    expect(large.pubacked * FLOOD_MESSAGE_BYTES).toBeGreaterThan(BUDGET_BYTES);
    expect(large.end).not.toBe('sent');
    const small = await floodUntilStopped(port, 4_000, () => ({
      topic: 'telecare-up/flood/heartbeat',
      payload: JSON.stringify({ hubId: 'flood' }),
    }));
    expect(small.end).not.toBe('sent');

    // A well-behaved hub's alert, sent after the flood, reaches the centre's database: once. (Before session 38 it
    // never did: the store stayed full of the flood, whose messages the workers had stored but the stream keeps.)
    const good = await mqttClient(port, {
      username: 'good',
      password: hubPassword('good'),
      clientId: 'good',
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 500,
    });
    try {
      // Its PUBACK means stored; waited for after the database has it (before session 38 there was none, ever).
      const pubacked = good.publishAsync('telecare-up/good/alerts/a1', JSON.stringify(alertBody('good', 'a1')), {
        qos: 1,
      });
      pubacked.catch(() => undefined);
      await eventually(async () => {
        const rows = await centre.pool.query(
          `SELECT version FROM central_alert_versions WHERE hub_id = 'good' AND alert_id = 'a1'`,
        );
        expect(rows.rows).toEqual([{ version: 1 }]);
      });
      const alert = await centre.pool.query(
        `SELECT version, state FROM central_alerts WHERE hub_id = 'good' AND alert_id = 'a1'`,
      );
      expect(alert.rows).toEqual([{ version: 1, state: 'raised' }]);
      await withinOrFail(pubacked, "the good hub's PUBACK did not come");
    } finally {
      await good.endAsync(true);
    }
    // The operators are told: the centre's own alert about the flooding hub, open, on every console.
    await eventually(async () => {
      const open = await centre.pool.query<{
        alert_id: string;
        severity: string;
        alert: { detail: { bytes: number } };
      }>(
        `SELECT alert_id, severity, alert FROM central_alerts
         WHERE hub_id = 'flood' AND origin = 'centre' AND type = $1 AND state = 'raised'`,
        [HUB_QUARANTINED],
      );
      expect(open.rows).toHaveLength(1);
      expect(open.rows[0]?.severity).toBe('high');
      expect(open.rows[0]?.alert.detail.bytes).toBeGreaterThan(BUDGET_BYTES);
    });
    // Its user is out of the nodes' configuration: it cannot connect (it keeps what it has to send queued).
    await eventually(() => expect(loadLayout(centre.cluster.layout.dir).quarantined).toEqual(['flood']));
    await eventually(async () => expect(await connects(port, 'flood')).toBe(false));
    await withinOrFail(idleClosed, "the quarantined hub's idle connection was not closed");
    expect(await connects(port, 'good')).toBe(true);

    // The flooding hub's messages the workers stored are purged: the store has room again.
    const jsm = await nc.jetstreamManager();
    await eventually(async () => {
      const info = await jsm.streams.info(STREAM, { subjects_filter: '$MQTT.msgs.telecare-up.flood.>' });
      expect(info.state.bytes).toBeLessThan(BUDGET_BYTES);
    });

    // Resolving the alert on the console lifts the quarantine: the hub connects again, with a fresh budget (what it
    // sent before, which the workers may still be storing, counts no more: not quarantined again).
    const alertId = (
      await centre.pool.query<{ alert_id: string }>(
        `SELECT alert_id FROM central_alerts WHERE hub_id = 'flood' AND type = $1`,
        [HUB_QUARANTINED],
      )
    ).rows[0]?.alert_id;
    expect(alertId).toBeDefined();
    const resolved = await actOnCentreAlert(
      centre.pool,
      'flood',
      alertId ?? '',
      { action: 'resolve', operator: 'op', outcome: 'no-action-needed', note: 'hub fixed' },
      new Date(),
    );
    expect(resolved.ok).toBe(true);
    await eventually(() => expect(loadLayout(centre.cluster.layout.dir).quarantined).toEqual([]));
    await eventually(async () => expect(await connects(port, 'flood'), reconnectionDiagnosis()).toBe(true));
    const quarantines = await centre.pool.query(`SELECT 1 FROM central_alerts WHERE hub_id = 'flood' AND type = $1`, [
      HUB_QUARANTINED,
    ]);
    expect(quarantines.rows).toHaveLength(1);
  }, 600_000);

  it('counts a hub over its window and lifts with a fresh budget: what it sent before the lift counts nothing', async () => {
    const client = await centre.pool.connect();
    try {
      const t0 = Date.parse('2026-12-02T10:00:00Z');
      const row = (bytes: number, atMs: number): { hubId: string; bytes: number; atMs: number }[] => [
        { hubId: 'count', bytes, atMs },
      ];
      expect(await recordUsage(client, row(600, t0), 1_000, 3_600_000)).toEqual([]);
      // A new window an hour on: the 600 bytes before count no more.
      expect(await recordUsage(client, row(600, t0 + 3_600_000), 1_000, 3_600_000)).toEqual([]);
      expect(await recordUsage(client, row(600, t0 + 3_600_001), 1_000, 3_600_000)).toEqual(['count']);
      // Over again while its alert is open: no second alert.
      expect(await recordUsage(client, row(2_000, t0 + 3_600_002), 1_000, 3_600_000)).toEqual([]);
      const alertId = (
        await client.query<{ alert_id: string }>(
          `SELECT alert_id FROM central_alerts WHERE hub_id = 'count' AND type = $1`,
          [HUB_QUARANTINED],
        )
      ).rows[0]?.alert_id;
      await client.query(`UPDATE central_alerts SET state = 'resolved' WHERE hub_id = 'count' AND alert_id = $1`, [
        alertId,
      ]);
      await liftedUsage(client, 'count', new Date(t0 + 3_700_000));
      // Stored after the lift, sent before it: nothing counted. Sent after it: counted from zero.
      expect(await recordUsage(client, row(5_000, t0 + 3_650_000), 1_000, 3_600_000)).toEqual([]);
      expect(await recordUsage(client, row(900, t0 + 3_700_001), 1_000, 3_600_000)).toEqual([]);
      expect(await recordUsage(client, row(200, t0 + 3_700_002), 1_000, 3_600_000)).toEqual(['count']);
    } finally {
      client.release();
    }
  }, 60_000);
});
