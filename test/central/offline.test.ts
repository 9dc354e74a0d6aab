// The hub list (SPEC 10): last contact, hub-offline after a silence (clock injected), flagged at once by the hub's
// last will, one open alert per hub with several workers, resolved with a new version when the hub speaks again.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ingest, type Incoming } from '../../central/ingest.js';
import { actOnCentreAlert } from '../../central/console/alerts.js';
import { DEFAULT_WILL_GRACE_MS, sweepSilentHubs } from '../../central/offline.js';
import { HUB_QUARANTINED, recordUsage } from '../../central/quarantine.js';
import { postgresBinDir, startLocalPostgres, type LocalPostgres } from '../../central/postgres.js';
import { seedPostgresData } from '../support/pg-template.js';
import { ALERT_CHANNEL, HUB_CHANNEL, migrateCentral } from '../../central/schema.js';
import { freePort, tempDir } from '../hub/helpers.js';

let missing: string | undefined;
try {
  postgresBinDir();
} catch (err) {
  missing = err instanceof Error ? err.message : String(err);
  console.warn(`skipping the hub list tests: ${missing}`);
}

const SILENCE_MS = 60_000;
const T0 = Date.parse('2026-11-30T10:00:00Z');
const at = (ms: number): Date => new Date(T0 + ms);

let postgres: LocalPostgres;
let dir: string;
let pool: pg.Pool;
let seq = 0;

function message(subject: string, payload: string | object, receivedAtMs: number): Incoming {
  seq += 1;
  return {
    subject,
    data: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    receivedAt: at(receivedAtMs),
    streamSeq: seq,
  };
}

const heartbeat = (hubId: string, ms: number): Incoming =>
  message(
    `telecare-up.${hubId}.heartbeat`,
    { hubId, at: at(ms).toISOString(), uptimeS: 1, queue: 0, openAlerts: 0 },
    ms,
  );

async function store(msg: Incoming): Promise<void> {
  const client = await pool.connect();
  try {
    await ingest(client, msg);
  } finally {
    client.release();
  }
}

async function sweep(nowMs: number): Promise<string[]> {
  const client = await pool.connect();
  try {
    return await sweepSilentHubs(client, at(nowMs), SILENCE_MS);
  } finally {
    client.release();
  }
}

interface OfflineAlert {
  alert_id: string;
  version: number;
  state: string;
  origin: string;
  alert: { detail: { reason: string }; outcome: string | null };
}

async function offlineAlerts(hubId: string): Promise<OfflineAlert[]> {
  const result = await pool.query<OfflineAlert>(
    `SELECT alert_id, version, state, origin, alert FROM central_alerts WHERE hub_id = $1 AND type = 'hub-offline'
     ORDER BY raised_at`,
    [hubId],
  );
  return result.rows;
}

async function hubRow(hubId: string): Promise<{ status: string; reported_status: string | null; last_seen_at: Date }> {
  const result = await pool.query<{ status: string; reported_status: string | null; last_seen_at: Date }>(
    'SELECT status, reported_status, last_seen_at FROM central_hubs WHERE hub_id = $1',
    [hubId],
  );
  return result.rows[0]!;
}

describe.skipIf(missing !== undefined)('hub list and hub-offline', () => {
  beforeAll(async () => {
    dir = tempDir('central-offline');
    await seedPostgresData(path.join(dir, 'pg'));
    postgres = await startLocalPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), unsafeFast: true });
    pool = new pg.Pool({ connectionString: postgres.url, max: 6 });
    // A pooled connection still closing when PostgreSQL stops reports it on the pool: expected at teardown.
    pool.on('error', () => undefined);
    const client = await pool.connect();
    await migrateCentral(client);
    client.release();
  }, 60_000);

  afterAll(async () => {
    await pool.end();
    await postgres.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await pool.query('TRUNCATE central_hubs, central_alerts, central_alert_versions');
  });

  it('raises one hub-offline alert after the silence, and resolves it with a new version when the hub speaks', async () => {
    await store(heartbeat('hub1', 0));
    await store(heartbeat('hub2', 0));
    await store(heartbeat('hub2', 50_000));
    expect(await sweep(SILENCE_MS - 1)).toEqual([]);
    expect(await sweep(SILENCE_MS + 1)).toEqual(['hub1']);
    expect((await hubRow('hub1')).status).toBe('offline');
    expect((await hubRow('hub2')).status).toBe('online');
    // Later sweeps raise nothing more while it stays silent.
    expect(await sweep(SILENCE_MS * 3)).toEqual(['hub2']);
    expect(await sweep(SILENCE_MS * 4)).toEqual([]);
    const [raised] = await offlineAlerts('hub1');
    expect(raised).toMatchObject({
      version: 1,
      state: 'raised',
      origin: 'centre',
      alert: { detail: { reason: 'silent' } },
    });

    // A message stamped before the flag (a late delivery) does not bring it back; a new one does.
    await store(heartbeat('hub1', SILENCE_MS));
    expect((await hubRow('hub1')).status).toBe('offline');
    await store(heartbeat('hub1', SILENCE_MS * 5));
    expect((await hubRow('hub1')).status).toBe('online');
    const [resolved] = await offlineAlerts('hub1');
    expect(resolved).toMatchObject({ alert_id: raised!.alert_id, version: 2, state: 'resolved' });
    expect(resolved!.alert.outcome).toBe('no-action-needed');
    const versions = await pool.query('SELECT version FROM central_alert_versions WHERE alert_id = $1 ORDER BY 1', [
      raised!.alert_id,
    ]);
    expect(versions.rows).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it("flags a hub on its retained 'offline' (last will) after the grace, once, and resolves it when it is back", async () => {
    const listener = new pg.Client({ connectionString: postgres.url });
    await listener.connect();
    const hubEvents: string[] = [];
    listener.on('notification', (n) => hubEvents.push(n.payload ?? ''));
    await listener.query(`LISTEN ${HUB_CHANNEL}`);
    await store(message('telecare-up.hub3.status', 'online', 0));
    await store(message('telecare-up.hub3.status', 'offline', 1_000));
    expect(await hubRow('hub3')).toMatchObject({ status: 'online', reported_status: 'offline' });
    expect(await sweep(1_000 + DEFAULT_WILL_GRACE_MS - 1)).toEqual([]);
    expect(await sweep(1_000 + DEFAULT_WILL_GRACE_MS + 1)).toEqual(['hub3']);
    expect(await hubRow('hub3')).toMatchObject({ status: 'offline', reported_status: 'offline' });
    await store(message('telecare-up.hub3.status', 'offline', 1_000));
    expect(await sweep(1_000 + DEFAULT_WILL_GRACE_MS * 2)).toEqual([]);
    const alerts = await offlineAlerts('hub3');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: 'raised', alert: { detail: { reason: 'last-will' } } });
    // An 'online' older than the will (out of order between workers) changes nothing; a newer one resolves.
    await store(message('telecare-up.hub3.status', 'online', 500));
    expect((await hubRow('hub3')).status).toBe('offline');
    await store(message('telecare-up.hub3.status', 'online', DEFAULT_WILL_GRACE_MS * 3));
    expect(await hubRow('hub3')).toMatchObject({ status: 'online', reported_status: 'online' });
    expect((await offlineAlerts('hub3'))[0]).toMatchObject({ state: 'resolved', version: 2 });
    await vi.waitFor(
      () =>
        expect(hubEvents.map((p) => (JSON.parse(p) as { status: string }).status)).toEqual([
          'online',
          'offline',
          'online',
        ]),
      { timeout: 15_000, interval: 20 },
    );
    await listener.end();
  });

  it('raises nothing when a NATS node that died publishes the will of a hub that reconnected elsewhere', async () => {
    await store(message('telecare-up.hub4.status', 'online', 0));
    await store(heartbeat('hub4', 20_000));
    // Its node dies: the will, then the hub on another gateway says 'online' again (or only its next heartbeat, when
    // the will came late).
    await store(message('telecare-up.hub4.status', 'offline', 30_000));
    await store(message('telecare-up.hub4.status', 'online', 32_000));
    await store(message('telecare-up.hub5.status', 'online', 0));
    await store(message('telecare-up.hub5.status', 'offline', 30_000));
    await store(heartbeat('hub5', 50_000));
    expect(await sweep(30_000 + DEFAULT_WILL_GRACE_MS + 1)).toEqual([]);
    expect(await offlineAlerts('hub4')).toEqual([]);
    expect(await offlineAlerts('hub5')).toEqual([]);
    expect((await hubRow('hub4')).status).toBe('online');
    expect((await hubRow('hub5')).status).toBe('online');
  });

  it('calls no quarantined hub offline (its silence and will are the quarantine); after the lift, silent from the lift', async () => {
    // hubq: shut out for its flood at 10 s (central/quarantine.ts), its connection closed: its will at 11 s, silence.
    await store(message('telecare-up.hubq.status', 'online', 0));
    await store(heartbeat('hubq', 10_000));
    await store(heartbeat('hubp', 10_000));
    const client = await pool.connect();
    try {
      expect(await recordUsage(client, [{ hubId: 'hubq', bytes: 2_000, atMs: T0 + 10_000 }], 1_000, 3_600_000)).toEqual(
        ['hubq'],
      );
    } finally {
      client.release();
    }
    await store(message('telecare-up.hubq.status', 'offline', 11_000));
    // hubp, not quarantined, silent as long: flagged as before; hubq is not, by its will nor by its silence.
    expect(await sweep(11_000 + DEFAULT_WILL_GRACE_MS + 1)).toEqual([]);
    expect(await sweep(10_000 + SILENCE_MS + 1)).toEqual(['hubp']);
    expect(await sweep(10_000 + SILENCE_MS * 5)).toEqual([]);
    expect(await offlineAlerts('hubq')).toEqual([]);
    expect((await hubRow('hubq')).status).toBe('online');
    // The operator lifts it at 400 s: it may now connect, and has the silence's whole length to be heard from.
    const quarantine = await pool.query<{ alert_id: string }>(
      `SELECT alert_id FROM central_alerts WHERE hub_id = 'hubq' AND type = $1`,
      [HUB_QUARANTINED],
    );
    const lifted = await actOnCentreAlert(
      pool,
      'hubq',
      quarantine.rows[0]!.alert_id,
      { action: 'resolve', operator: 'op', outcome: 'no-action-needed', note: 'hub fixed' },
      at(400_000),
    );
    expect(lifted.ok).toBe(true);
    expect(await sweep(400_000 + SILENCE_MS - 1)).toEqual([]);
    // It never came back: offline, once, a silence after the lift.
    expect(await sweep(400_000 + SILENCE_MS + 1)).toEqual(['hubq']);
    expect(await offlineAlerts('hubq')).toHaveLength(1);
  });

  it('keeps one open hub-offline per hub when several workers sweep at once', async () => {
    for (let i = 0; i < 20; i++) await store(heartbeat(`hub-${String(i)}`, 0));
    const flagged = (await Promise.all(Array.from({ length: 5 }, () => sweep(SILENCE_MS * 2)))).flat();
    expect(flagged.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `hub-${String(i)}`).sort());
    const open = await pool.query<{ hub_id: string; n: string }>(
      `SELECT hub_id, count(*) AS n FROM central_alerts WHERE type = 'hub-offline' AND state = 'raised' GROUP BY hub_id`,
    );
    expect(open.rows).toHaveLength(20);
    expect(open.rows.every((r) => r.n === '1')).toBe(true);
    // The index refuses a second open one even from a path that skips the status check.
    await expect(
      pool.query(
        `INSERT INTO central_alerts (hub_id, alert_id, origin, version, type, severity, state, raised_at, alert)
         VALUES ('hub-0', 'other', 'centre', 1, 'hub-offline', 'high', 'raised', now(), '{}')`,
      ),
    ).rejects.toThrow(/central_alerts_one_hub_offline/);
  });

  it('flags a regional outage (300 silent hubs, one by its will) in a few statements, each hub once, with its NOTIFYs', async () => {
    const hubs = Array.from({ length: 300 }, (_, i) => `out-${String(i).padStart(3, '0')}`);
    for (const hubId of hubs) await store(heartbeat(hubId, 0));
    await store(message('telecare-up.out-007.status', 'offline', 1_000));
    await store(heartbeat('alive', SILENCE_MS));
    // Another worker's open hub-offline for one of them (raised a moment ago): not raised twice.
    await pool.query(
      `INSERT INTO central_alerts (hub_id, alert_id, origin, version, type, severity, state, raised_at, alert)
       VALUES ('out-100', 'other', 'centre', 1, 'hub-offline', 'high', 'raised', now(), '{}')`,
    );
    // Listening from here: only the sweep's NOTIFYs.
    const listener = new pg.Client({ connectionString: postgres.url });
    await listener.connect();
    const events: string[] = [];
    listener.on('notification', (n) => events.push(`${n.channel} ${n.payload ?? ''}`));
    await listener.query(`LISTEN ${HUB_CHANNEL}`);
    await listener.query(`LISTEN ${ALERT_CHANNEL}`);
    const client = await pool.connect();
    let statements = 0;
    // The same client, counting its statements (the hubs' rows stay locked, holding the workers, until COMMIT).
    const counting = new Proxy(client, {
      get(target, prop, receiver): unknown {
        if (prop === 'query') {
          const query = target.query.bind(target) as (...args: unknown[]) => Promise<unknown>;
          return (...args: unknown[]): Promise<unknown> => {
            statements += 1;
            return query(...args);
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const flagged = await sweepSilentHubs(counting, at(SILENCE_MS + 1), SILENCE_MS);
    client.release();
    expect(flagged.sort()).toEqual(hubs);
    expect(statements).toBeLessThan(10);

    const rows = await pool.query<{ hub_id: string; status: string; offline_since: Date }>(
      `SELECT hub_id, status, offline_since FROM central_hubs ORDER BY hub_id`,
    );
    expect(rows.rows.filter((r) => r.status === 'offline').map((r) => r.hub_id)).toEqual(hubs);
    expect(
      rows.rows.filter((r) => r.status === 'offline').every((r) => r.offline_since.getTime() === T0 + SILENCE_MS + 1),
    ).toBe(true);
    const raised = await pool.query<{ hub_id: string; alert_id: string; reason: string; payload: { alert: unknown } }>(
      `SELECT a.hub_id, a.alert_id, a.alert->'detail'->>'reason' AS reason, v.payload FROM central_alerts a
       JOIN central_alert_versions v USING (hub_id, alert_id, version) WHERE a.type = 'hub-offline' ORDER BY a.hub_id`,
    );
    const expectedHubs = hubs.filter((h) => h !== 'out-100');
    expect(raised.rows.map((r) => r.hub_id)).toEqual(expectedHubs);
    expect(raised.rows.filter((r) => r.reason === 'last-will').map((r) => r.hub_id)).toEqual(['out-007']);
    const one = await offlineAlerts('out-001');
    expect(raised.rows[1]?.payload.alert).toEqual(one[0]?.alert);
    expect(one).toMatchObject([{ version: 1, state: 'raised', origin: 'centre' }]);
    expect(await offlineAlerts('out-100')).toHaveLength(1);
    // One 'offline' per hub, one alert NOTIFY per alert raised (none for the hub whose alert was already open).
    await vi.waitFor(() => expect(events).toHaveLength(hubs.length + expectedHubs.length), {
      timeout: 15_000,
      interval: 20,
    });
    const parsed = events.map((e) => e.split(' ', 2) as [string, string]);
    expect(
      parsed
        .filter(([c]) => c === HUB_CHANNEL)
        .map(([, p]) => JSON.parse(p) as { hubId: string; status: string })
        .every((p) => p.status === 'offline'),
    ).toBe(true);
    expect(
      parsed
        .filter(([c]) => c === ALERT_CHANNEL)
        .map(([, p]) => (JSON.parse(p) as { hubId: string }).hubId)
        .sort(),
    ).toEqual(expectedHubs);
    await listener.end();
  });

  it('drops what it cannot use, counting it, and keeps what it had', async () => {
    await store(heartbeat('hub5', 0));
    const client = await pool.connect();
    try {
      expect(await ingest(client, message('telecare-up.hub5.alerts.a1', 'not json', 1))).toMatchObject({
        kind: 'dropped',
        reason: 'bad-json',
      });
      expect(await ingest(client, message('telecare-up.hub5.alerts.a1', { hubId: 'hub6' }, 2))).toMatchObject({
        kind: 'dropped',
        reason: 'wrong-hub',
      });
      expect(await ingest(client, message('telecare-up.hub5.nonsense', {}, 3))).toMatchObject({
        kind: 'dropped',
        reason: 'bad-subject',
      });
      expect(
        await ingest(client, message('telecare-up.hub5.alerts.a1', { hubId: 'hub5', alertId: 'a1', version: 0 }, 4)),
      ).toMatchObject({ kind: 'dropped', reason: 'bad-payload' });
    } finally {
      client.release();
    }
    expect(await hubRow('hub5')).toMatchObject({ status: 'online' });
  });
});
