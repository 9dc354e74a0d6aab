// Review, session 61: two boxes configured with the same HUB_ID (a copied SD card, or an old box left plugged in after
// its replacement was given the id) take turns on the centre's MQTT gateway (one client id: each connection closes the
// other's) and their alerts and heartbeats interleave under one hub. The centre noticed nothing: the hub list said
// online, and a command for one home's alert could reach the other box. Now a heartbeat from a box that started before
// the current one (`at - uptimeS`, which a hub only ever moves on by restarting) raises `hub-duplicate-id`. Real hubs
// over the gateway of a real 3-node cluster, a worker process, PostgreSQL; and heartbeats stored through `ingest` and
// `ingestBatch` for what a single hub restarting looks like.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingest, ingestBatch, type Incoming } from '../../central/ingest.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';
import { centreMissing, centreUplink, startTestCentre, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the duplicate HUB_ID tests: ${missing}`);

let centre: TestCentre;
const boxes: RunningHub[] = [];
const dirs = [tempDir('s61-dup-a'), tempDir('s61-dup-b')];
const centreDir = tempDir('s61-dup-centre');

function startBox(dir: string): Promise<RunningHub> {
  return startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
    uplink: centreUplink(centre, 'hub1', { heartbeatMs: 300 }),
  });
}

async function duplicateAlerts(hubId: string): Promise<{ state: string; detail: Record<string, unknown> }[]> {
  const rows = await centre.pool.query<{ state: string; alert: { detail: Record<string, unknown> } }>(
    `SELECT state, alert FROM central_alerts WHERE hub_id = $1 AND origin = 'centre' AND type = $2 ORDER BY raised_at`,
    [hubId, 'hub-duplicate-id'],
  );
  return rows.rows.map((r) => ({ state: r.state, detail: r.alert.detail }));
}

/** A heartbeat of a hub that started at `startMs`, sent at `atMs`, stored by the gateway at `atMs` too. */
let seq = 0;
function heartbeat(hubId: string, startMs: number, atMs: number): Incoming {
  const body = { hubId, at: new Date(atMs).toISOString(), uptimeS: Math.round((atMs - startMs) / 1000), queue: 0 };
  return {
    subject: `telecare-up.${hubId}.heartbeat`,
    data: Buffer.from(JSON.stringify(body)),
    receivedAt: new Date(atMs),
    streamSeq: ++seq,
  };
}

describe.skipIf(missing !== undefined)('two boxes with one HUB_ID', () => {
  beforeAll(async () => {
    centre = await startTestCentre(centreDir, ['hub1']);
    await centre.startWorkers(1);
  }, 180_000);

  afterAll(async () => {
    for (const box of boxes) await box.stop();
    await centre?.stop();
    for (const dir of [...dirs, centreDir]) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('tells the operators when a second box sends under a hub id that one box already uses', async () => {
    boxes.push(await startBox(dirs[0]!));
    await vi.waitFor(
      async () => {
        const rows = await centre.pool.query(
          `SELECT 1 FROM central_hubs WHERE hub_id = 'hub1' AND last_heartbeat IS NOT NULL`,
        );
        expect(rows.rowCount).toBe(1);
      },
      { timeout: 60_000, interval: 50 },
    );
    expect(await duplicateAlerts('hub1')).toEqual([]);
    // The copy is plugged in elsewhere (a second later at least, so that the two starts differ).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    boxes.push(await startBox(dirs[1]!));
    await vi.waitFor(async () => expect(await duplicateAlerts('hub1')).toHaveLength(1), {
      timeout: 60_000,
      interval: 50,
    });
    const [alert] = await duplicateAlerts('hub1');
    expect(alert?.state).toBe('raised');
    const starts = (alert?.detail.starts as string[]).map((s) => Date.parse(s));
    expect(Math.abs(starts[0]! - starts[1]!)).toBeGreaterThan(2_000);
  }, 180_000);

  it('does not take a hub restarting for a second box, in one message or in batches', async () => {
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    const client = await centre.pool.connect();
    try {
      const one = async (m: Incoming): Promise<void> => {
        expect(await ingest(client, m)).toMatchObject({ kind: 'heartbeat', stored: true });
      };
      // Started at t0, restarted at t0+100 s and again at t0+200 s: each start newer than the one before.
      await one(heartbeat('hub2', t0, t0 + 30_000));
      await one(heartbeat('hub2', t0, t0 + 60_000));
      await one(heartbeat('hub2', t0 + 100_000, t0 + 130_000));
      await ingestBatch(client, [heartbeat('hub2', t0 + 100_000, t0 + 160_000), heartbeat('hub3', t0, t0 + 160_000)]);
      await one(heartbeat('hub2', t0 + 200_000, t0 + 230_000));
      // A heartbeat older than the stored one (another worker's, late) changes nothing.
      expect(await ingest(client, heartbeat('hub2', t0 + 100_000, t0 + 190_000))).toMatchObject({ stored: false });
      await one(heartbeat('hub2', t0 + 200_000, t0 + 260_000));
      expect(await duplicateAlerts('hub2')).toEqual([]);
      // Then the box that started at t0+100 s speaks again: a second box under this id.
      await ingestBatch(client, [heartbeat('hub2', t0 + 100_000, t0 + 290_000)]);
      expect(await duplicateAlerts('hub2')).toMatchObject([
        {
          state: 'raised',
          detail: { starts: [new Date(t0 + 200_000).toISOString(), new Date(t0 + 100_000).toISOString()] },
        },
      ]);
      // Taking turns goes on: still one open alert.
      await one(heartbeat('hub2', t0 + 200_000, t0 + 320_000));
      await one(heartbeat('hub2', t0 + 100_000, t0 + 350_000));
      expect(await duplicateAlerts('hub2')).toHaveLength(1);
      expect(await duplicateAlerts('hub3')).toEqual([]);
    } finally {
      client.release();
    }
  }, 60_000);
});
