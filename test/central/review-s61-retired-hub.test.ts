// Review, session 61: a hub taken out of a home for good (or replaced by a box with another HUB_ID) could not be
// retired at the centre: `telecare central hub` had only `add`. Its open alerts stayed on every operator's console for
// ever (acknowledge and resolve are commands down to a hub that will never answer), its hub-offline alert with them,
// and its NATS credential stayed valid. Now `telecare central hub remove <hubId> --by <name>`. A real 3-node cluster
// (the hub over its MQTT gateway), a worker process, PostgreSQL, and the command as an installer runs it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { ingest } from '../../central/ingest.js';
import { loadLayout } from '../../central/nats-cluster.js';
import { sweepSilentHubs } from '../../central/offline.js';
import { cliPath, mqttClient, tempDir } from '../hub/helpers.js';
import { centreMissing, hubPassword, startTestCentre, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the retired hub tests: ${missing}`);

const eventually = (check: () => void | Promise<void>, timeout = 60_000): Promise<void> =>
  vi.waitFor(check, { timeout, interval: 50 });

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: process.env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let centre: TestCentre;
let oldHub: MqttClient | undefined;
const centreDir = tempDir('s61-retired-centre');
const SILENCE_MS = 180_000;

function alertBody(hubId: string, alertId: string, version: number, state: string): Record<string, unknown> {
  return {
    hubId,
    alertId,
    version,
    alert: {
      id: alertId,
      homeId: 'h1',
      kind: 'pendant',
      severity: 'critical',
      state,
      raisedAt: new Date().toISOString(),
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      outcome: null,
      note: null,
      version,
    },
  };
}

async function alertsOf(
  hubId: string,
): Promise<{ alert_id: string; origin: string; state: string; alert: Record<string, unknown> }[]> {
  const rows = await centre.pool.query<{
    alert_id: string;
    origin: string;
    state: string;
    alert: Record<string, unknown>;
  }>('SELECT alert_id, origin, state, alert FROM central_alerts WHERE hub_id = $1 ORDER BY origin, alert_id', [hubId]);
  return rows.rows;
}

describe.skipIf(missing !== undefined)('retiring a hub at the centre', () => {
  beforeAll(async () => {
    centre = await startTestCentre(centreDir, ['hub-old', 'hub-new']);
    await centre.startWorkers(1);
  }, 180_000);

  afterAll(async () => {
    await oldHub?.endAsync(true).catch(() => undefined);
    await centre?.stop();
    fs.rmSync(centreDir, { recursive: true, force: true });
  }, 60_000);

  it('closes its open alerts, audits who did it, revokes its credential, and never flags it offline again', async () => {
    const clusterDir = centre.cluster.layout.dir;
    const gateway = centre.cluster.layout.nodes[0]!.mqtt;
    oldHub = await mqttClient(gateway, {
      username: 'hub-old',
      password: hubPassword('hub-old'),
      clientId: 'hub-old',
      protocolVersion: 4,
    });
    await oldHub.publishAsync(
      'telecare-up/hub-old/alerts/a-pendant',
      JSON.stringify(alertBody('hub-old', 'a-pendant', 1, 'raised')),
      {
        qos: 1,
      },
    );
    await eventually(async () => expect((await alertsOf('hub-old')).map((a) => a.state)).toEqual(['raised']));
    // The box is unplugged: silent, the centre flags it (its own clock injected: far past the threshold).
    const later = new Date(Date.now() + 10 * SILENCE_MS);
    const client = await centre.pool.connect();
    try {
      expect(await sweepSilentHubs(client, later, SILENCE_MS)).toContain('hub-old');
    } finally {
      client.release();
    }
    expect((await alertsOf('hub-old')).map((a) => [a.origin, a.state])).toEqual([
      ['centre', 'raised'],
      ['hub', 'raised'],
    ]);
    const closed = new Promise<void>((resolve) => oldHub!.once('close', () => resolve()));

    // The installer retires it.
    const removed = cli([
      'central',
      'hub',
      'remove',
      'hub-old',
      '--cluster-dir',
      clusterDir,
      '--database',
      centre.postgres.url,
      '--by',
      'installer-ann',
    ]);
    expect(removed.stderr).toBe('');
    expect(removed.status).toBe(0);
    expect(removed.stdout).toMatch(/Hub hub-old retired by installer-ann: 2 open alerts closed/);

    // Both cards leave every console: cancelled at the centre, saying who retired it and why.
    const after = await alertsOf('hub-old');
    expect(after.map((a) => [a.origin, a.state])).toEqual([
      ['centre', 'cancelled'],
      ['hub', 'cancelled'],
    ]);
    for (const a of after) {
      expect(a.alert.closedAtCentre).toMatchObject({ by: 'centre:installer-ann', reason: 'hub-retired' });
    }
    const audit = await centre.pool.query<{ operator: string; hub_id: string }>(
      `SELECT operator, hub_id FROM console_audit WHERE action = 'hub-retire'`,
    );
    expect(audit.rows).toEqual([{ operator: 'installer-ann', hub_id: 'hub-old' }]);
    // What it stored stays (the council report reads it).
    const stored = await centre.pool.query(`SELECT 1 FROM central_alert_versions WHERE hub_id = 'hub-old'`);
    expect(stored.rowCount).toBeGreaterThanOrEqual(2);

    // Its credential is gone: the reload closed its connection, and it is refused as any unknown hub.
    await closed;
    expect(loadLayout(clusterDir).hubs.map((h) => h.hubId)).toEqual(['hub-new']);
    await expect(
      mqttClient(gateway, {
        username: 'hub-old',
        password: hubPassword('hub-old'),
        clientId: 'hub-old-again',
        protocolVersion: 4,
      }),
    ).rejects.toThrow();
    // The other hub is untouched.
    const other = await mqttClient(gateway, {
      username: 'hub-new',
      password: hubPassword('hub-new'),
      clientId: 'hub-new',
      protocolVersion: 4,
    });
    await other.endAsync();

    // Whatever still comes under its id (left in the stream, its last will) reopens nothing, and it is never flagged.
    // Since session 64 an alert version it sent before is kept, closed at the centre (review-s64-retired-late.test.ts).
    const late = await centre.pool.connect();
    try {
      const result = await ingest(late, {
        subject: 'telecare-up.hub-old.alerts.a-pendant',
        data: Buffer.from(JSON.stringify(alertBody('hub-old', 'a-pendant', 3, 'raised'))),
        receivedAt: new Date(),
        streamSeq: 1_000_000,
      });
      expect(result).toEqual({ kind: 'alert', hubId: 'hub-old', stored: true });
      const will = await ingest(late, {
        subject: 'telecare-up.hub-old.status',
        data: Buffer.from('offline'),
        receivedAt: new Date(),
        streamSeq: 1_000_001,
      });
      expect(will).toEqual({ kind: 'dropped', reason: 'retired-hub', hubId: 'hub-old' });
      expect(await sweepSilentHubs(late, new Date(later.getTime() + 10 * SILENCE_MS), SILENCE_MS)).not.toContain(
        'hub-old',
      );
    } finally {
      late.release();
    }
    expect((await alertsOf('hub-old')).every((a) => a.state === 'cancelled')).toBe(true);

    // A retired HUB_ID is not given out again.
    const again = cli(['central', 'hub', 'add', 'hub-old', '--cluster-dir', clusterDir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/hub-old was retired .* by installer-ann/);
    // Retiring again changes nothing and says so.
    const twice = cli([
      'central',
      'hub',
      'remove',
      'hub-old',
      '--cluster-dir',
      clusterDir,
      '--database',
      centre.postgres.url,
      '--by',
      'installer-ann',
    ]);
    expect(twice.status).toBe(0);
    expect(twice.stdout).toMatch(/retired already/);
    // A hub this centre never knew is refused with a clear error.
    const unknown = cli([
      'central',
      'hub',
      'remove',
      'hub-none',
      '--cluster-dir',
      clusterDir,
      '--database',
      centre.postgres.url,
      '--by',
      'installer-ann',
    ]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no hub hub-none/);
  }, 180_000);
});
