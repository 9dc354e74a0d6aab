// The centre through a PostgreSQL restart (SPEC 10, 11): what hubs sent meanwhile is stored once, and no hub is
// judged silent on contact that was waiting in the workers' hands when the database came back.
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalPostgres, type LocalPostgres } from '../../central/postgres.js';
import { startWorker, type RunningWorker } from '../../central/worker.js';
import { silentLogger } from '../../hub/logger.js';
import { tempDir } from '../hub/helpers.js';
import { centreMissing, hubPassword, startTestCentre, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the centre's outage tests: ${missing}`);

const SILENCE_MS = 3_000;
/** Longer than the silence threshold: what the hub sent meanwhile is all that says it is up. */
const OUTAGE_MS = 6_000;
const HEARTBEAT_MS = 300;

let centre: TestCentre;
/** The server started again on the same folder and port (the centre's own stop() knows only the first). */
let restarted: LocalPostgres | undefined;
let skewed: RunningWorker | undefined;
const clients: MqttClient[] = [];

describe.skipIf(missing !== undefined)('centre through a PostgreSQL restart', () => {
  beforeAll(async () => {
    centre = await startTestCentre(tempDir('central-outage'), ['hub-r', 'hub-s'], {
      silenceMs: SILENCE_MS,
      sweepEveryMs: 100,
    });
    await centre.startWorkers(1);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await centre.workers?.stop();
    await skewed?.stop();
    await restarted?.stop();
    await centre.stop();
  }, 60_000);

  it('stores every version sent while PostgreSQL was down, once, and raises no hub-offline for a hub that kept talking (and does once it stops)', async () => {
    const port = centre.cluster.layout.nodes[0]?.mqtt ?? 0;
    const hub = await mqtt.connectAsync({
      host: '127.0.0.1',
      port,
      username: 'hub-r',
      password: hubPassword('hub-r'),
      clientId: 'telecare-uplink-hub-r',
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 200,
    });
    clients.push(hub);
    await hub.publishAsync('telecare-up/hub-r/status', 'online', { qos: 1, retain: true });
    let sending = true;
    const beats = (async () => {
      while (sending) {
        await hub.publishAsync(
          'telecare-up/hub-r/heartbeat',
          JSON.stringify({ hubId: 'hub-r', at: new Date().toISOString(), uptimeS: 1, queue: 0, openAlerts: 0 }),
          { qos: 1 },
        );
        await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS));
      }
    })();
    const sendVersion = (alertId: string, version: number): Promise<unknown> => {
      const at = new Date().toISOString();
      const alert = { id: alertId, homeId: 'h1', kind: 'pendant', severity: 'critical', state: 'raised' };
      return hub.publishAsync(
        `telecare-up/hub-r/alerts/${alertId}`,
        JSON.stringify({ hubId: 'hub-r', queuedAt: at, alertId, version, alert: { ...alert, raisedAt: at, version } }),
        { qos: 1 },
      );
    };
    await sendVersion('before', 1);
    await vi.waitFor(
      async () => {
        const stored = await centre.pool.query(`SELECT 1 FROM central_alert_versions WHERE alert_id = 'before'`);
        expect(stored.rowCount).toBe(1);
      },
      { timeout: 30_000, interval: 50 },
    );

    await centre.postgres.stop();
    // The outage itself is the scenario (longer than the silence threshold); the hub goes on meanwhile.
    for (let i = 1; i <= 5; i++) {
      await sendVersion(`during-${String(i)}`, 1);
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 5));
    }
    restarted = await startLocalPostgres({
      dir: path.dirname(centre.postgres.dataDir),
      port: centre.postgres.port,
      unsafeFast: true,
    });

    const expected = ['before', 'during-1', 'during-2', 'during-3', 'during-4', 'during-5'];
    await vi.waitFor(
      async () => {
        const rows = await centre.pool.query<{ alert_id: string }>(
          `SELECT alert_id FROM central_alert_versions WHERE hub_id = 'hub-r' AND alert_id NOT LIKE 'centre-%'
           ORDER BY alert_id`,
        );
        expect(rows.rows.map((r) => r.alert_id)).toEqual(expected);
      },
      { timeout: 30_000, interval: 100 },
    );
    // Several sweeps (every 100 ms) have run on the stored contact by now; the hub talked all along.
    await vi.waitFor(
      async () => {
        const hubRow = await centre.pool.query<{ fresh: boolean }>(
          `SELECT last_seen_at > now() - interval '1 second' AS fresh FROM central_hubs WHERE hub_id = 'hub-r'`,
        );
        expect(hubRow.rows[0]?.fresh).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    sending = false;
    await beats;
    const offline = await centre.pool.query(`SELECT alert_id FROM central_alerts WHERE type = 'hub-offline'`);
    expect(offline.rows).toEqual([]);
    const status = await centre.pool.query<{ status: string }>(
      `SELECT status FROM central_hubs WHERE hub_id = 'hub-r'`,
    );
    expect(status.rows[0]?.status).toBe('online');
    // No worker died on the way (a connection in use when PostgreSQL went used to end the worker process).
    expect(centre.workers?.restarts()).toBe(0);
    // The check still runs: now that the hub is silent, it is flagged.
    await vi.waitFor(
      async () => {
        const flagged = await centre.pool.query<{ reason: string }>(
          `SELECT alert->'detail'->>'reason' AS reason FROM central_alerts WHERE type = 'hub-offline'`,
        );
        expect(flagged.rows).toEqual([{ reason: 'silent' }]);
      },
      { timeout: 30_000, interval: 100 },
    );
  }, 120_000);

  it("judges silence by JetStream's clock: a worker whose clock runs 10 minutes ahead flags no hub that talks", async () => {
    await centre.workers?.stop();
    skewed = await startWorker({
      ...centre.workerSettings,
      silenceMs: SILENCE_MS,
      sweepEveryMs: 100,
      now: () => new Date(Date.now() + 600_000),
      log: silentLogger,
    });
    const hub = await mqtt.connectAsync({
      host: '127.0.0.1',
      port: centre.cluster.layout.nodes[1]?.mqtt ?? 0,
      username: 'hub-s',
      password: hubPassword('hub-s'),
      clientId: 'telecare-uplink-hub-s',
      clean: false,
      protocolVersion: 4,
    });
    clients.push(hub);
    let sending = true;
    const beats = (async () => {
      while (sending) {
        await hub.publishAsync(
          'telecare-up/hub-s/heartbeat',
          JSON.stringify({ hubId: 'hub-s', at: new Date().toISOString(), uptimeS: 1, queue: 0, openAlerts: 0 }),
          { qos: 1 },
        );
        await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS));
      }
    })();
    // Talking for longer than the threshold, with the worker's sweeps (every 100 ms) judging it all along.
    await vi.waitFor(
      async () => {
        const talked = await centre.pool.query<{ ms: string }>(
          `SELECT extract(epoch FROM last_seen_at - first_seen_at) * 1000 AS ms FROM central_hubs WHERE hub_id = 'hub-s'`,
        );
        expect(Number(talked.rows[0]?.ms ?? 0)).toBeGreaterThan(SILENCE_MS * 1.5);
      },
      { timeout: 30_000, interval: 100 },
    );
    const hubOffline = async (): Promise<{ reason: string }[]> =>
      (
        await centre.pool.query<{ reason: string }>(
          `SELECT alert->'detail'->>'reason' AS reason FROM central_alerts WHERE type = 'hub-offline' AND hub_id = 'hub-s'`,
        )
      ).rows;
    expect(await hubOffline()).toEqual([]);
    sending = false;
    await beats;
    await vi.waitFor(async () => expect(await hubOffline()).toEqual([{ reason: 'silent' }]), {
      timeout: 30_000,
      interval: 100,
    });
  }, 120_000);
});
