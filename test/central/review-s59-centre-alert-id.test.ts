// Review, session 59: a hub could close the centre's own alerts about it. The centre keeps its alerts about a hub
// (`hub-quarantined`, `hub-offline`, origin `centre`) in `central_alerts` under the hub's id, keyed (hub, alert) like
// the hub's own; the workers stored a hub's alert version under whatever alert id its topic named, and moved the row
// to any higher version. So a hub (a stolen hub credential, the one the centre had just shut out for its flood)
// publishing `telecare-up/<hub>/alerts/centre-hub-quarantined-<ms>` with version 2, state resolved, closed the
// quarantine: `quarantinedHubs` no longer named it, the workers let it connect again, and the operators' high alert
// left their screen with nobody having resolved it. A hub's alert ids are its own (`hub/alerts/ids.ts`: time in base
// 36, then random hex); the centre's start with `centre-`. Real PostgreSQL; both the one-message path (`ingest`, an
// offline hub's or a batch that failed) and the batch path (`ingestBatch`).
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ingest, ingestBatch, type Incoming } from '../../central/ingest.js';
import { HUB_QUARANTINED, quarantinedHubs, recordUsage } from '../../central/quarantine.js';
import { postgresBinDir, startLocalPostgres, type LocalPostgres } from '../../central/postgres.js';
import { migrateCentral } from '../../central/schema.js';
import { seedPostgresData } from '../support/pg-template.js';
import { freePort, tempDir } from '../hub/helpers.js';

let missing: string | undefined;
try {
  postgresBinDir();
} catch (err) {
  missing = err instanceof Error ? err.message : String(err);
  console.warn(`skipping the centre alert id test: ${missing}`);
}

const T0 = Date.parse('2026-12-05T10:00:00Z');
const at = (ms: number): Date => new Date(T0 + ms);

let postgres: LocalPostgres;
let dir: string;
let pool: pg.Pool;
let seq = 0;

function message(subject: string, payload: object, receivedAtMs: number): Incoming {
  seq += 1;
  return { subject, data: Buffer.from(JSON.stringify(payload)), receivedAt: at(receivedAtMs), streamSeq: seq };
}

/** A hub's alert version under `alertId`, as the uplink sends it. */
function alertVersion(hubId: string, alertId: string, version: number, state: string, ms: number): Incoming {
  return message(
    `telecare-up.${hubId}.alerts.${alertId}`,
    {
      hubId,
      alertId,
      version,
      alert: {
        id: alertId,
        kind: HUB_QUARANTINED,
        severity: 'high',
        state,
        raisedAt: at(10_000).toISOString(),
        resolvedAt: state === 'resolved' ? at(ms).toISOString() : null,
        outcome: state === 'resolved' ? 'no-action-needed' : null,
        homeId: null,
        version,
      },
    },
    ms,
  );
}

async function withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

/** Shuts `hubId` out for a flood counted at 10 s; the centre's alert id. */
async function quarantine(hubId: string): Promise<string> {
  await withClient((c) => ingest(c, message(`telecare-up.${hubId}.heartbeat`, { hubId, at: at(0).toISOString() }, 0)));
  const raised = await withClient((c) => recordUsage(c, [{ hubId, bytes: 2_000, atMs: T0 + 10_000 }], 1_000));
  expect(raised).toEqual([hubId]);
  const row = await pool.query<{ alert_id: string }>(
    `SELECT alert_id FROM central_alerts WHERE hub_id = $1 AND origin = 'centre' AND type = $2`,
    [hubId, HUB_QUARANTINED],
  );
  return row.rows[0]!.alert_id;
}

async function centreAlert(hubId: string, alertId: string): Promise<{ version: number; state: string } | undefined> {
  const row = await pool.query<{ version: number; state: string }>(
    'SELECT version, state FROM central_alerts WHERE hub_id = $1 AND alert_id = $2',
    [hubId, alertId],
  );
  return row.rows[0];
}

async function versions(hubId: string, alertId: string): Promise<number[]> {
  const rows = await pool.query<{ version: number }>(
    'SELECT version FROM central_alert_versions WHERE hub_id = $1 AND alert_id = $2 ORDER BY version',
    [hubId, alertId],
  );
  return rows.rows.map((r) => r.version);
}

describe.skipIf(missing !== undefined)('review s59: a hub cannot touch the centre’s own alerts about it', () => {
  beforeAll(async () => {
    dir = tempDir('central-s59-alert-id');
    await seedPostgresData(path.join(dir, 'pg'));
    postgres = await startLocalPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), unsafeFast: true });
    pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
    pool.on('error', () => undefined);
    await withClient((c) => migrateCentral(c));
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await postgres?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await pool.query('TRUNCATE central_hubs, central_alerts, central_alert_versions, central_hub_usage');
  });

  it('keeps a quarantine open when the hub sends, one message at a time, a resolution under the centre’s alert id', async () => {
    const alertId = await quarantine('hubq');
    const result = await withClient((c) => ingest(c, alertVersion('hubq', alertId, 2, 'resolved', 12_000)));
    expect(await quarantinedHubs(pool)).toEqual(['hubq']);
    expect(await centreAlert('hubq', alertId)).toEqual({ version: 1, state: 'raised' });
    expect(await versions('hubq', alertId)).toEqual([1]);
    expect(result).toMatchObject({ kind: 'dropped', reason: 'bad-payload', hubId: 'hubq' });
  });

  it('keeps a quarantine open when the resolution comes in a batch with the hub’s other messages', async () => {
    const alertId = await quarantine('hubq');
    const own = '0mhy3k2a0-0123456789';
    const results = await withClient((c) =>
      ingestBatch(c, [
        alertVersion('hubq', own, 1, 'raised', 12_000),
        alertVersion('hubq', alertId, 2, 'resolved', 12_001),
        alertVersion('hubq', alertId, 3, 'resolved', 12_002),
      ]),
    );
    expect(await quarantinedHubs(pool)).toEqual(['hubq']);
    expect(await centreAlert('hubq', alertId)).toEqual({ version: 1, state: 'raised' });
    expect(await versions('hubq', alertId)).toEqual([1]);
    expect(results.map((r) => r.kind)).toEqual(['alert', 'dropped', 'dropped']);
    // The hub's own alert is stored as ever.
    expect(await centreAlert('hubq', own)).toEqual({ version: 1, state: 'raised' });
  });

  it('lets no hub take the id of a centre alert not yet raised (the centre’s alert then could not be stored)', async () => {
    // The hub guesses the id of its next hub-offline alert (the sweep's time in ms) and sends it first.
    const guessed = `centre-hub-offline-${String(T0 + 200_000)}`;
    const result = await withClient((c) => ingest(c, alertVersion('hubx', guessed, 1, 'resolved', 5_000)));
    expect(await centreAlert('hubx', guessed)).toBeUndefined();
    expect(result).toMatchObject({ kind: 'dropped', reason: 'bad-payload' });
  });
});
