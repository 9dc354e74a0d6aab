// Review, session 69: a hub restored from a backup forked its alerts' versions, and the centre kept the dead branch.
// An alert open when the backup was made carries on from the backup's version at the restored hub, but the centre
// already held those version numbers (stored once per hub, alert and version): the restored hub's new versions up to
// the highest the centre had were dropped as repeats. What an operator saw: a call the restored hub had open again and
// was escalating stayed "resolved" at the centre (off every screen) until the hub's versions passed the centre's. Now a
// version stored already with another content, received later, is the hub's new branch: it replaces the stored one,
// the dead branch's later versions are dropped, the alert shows the hub's state, and the consoles list afresh (each
// kept an alert's highest version and took no lower one: a card "acknowledged by jane" stayed so on the screen). Real
// NATS (MQTT gateway, JetStream), a worker, PostgreSQL and the console's alert stream over HTTP; the hub's versions
// published over MQTT as its uplink publishes them.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startConsole, type RunningConsole } from '../../central/console/index.js';
import { silentLogger } from '../../hub/logger.js';
import { tempDir } from '../hub/helpers.js';
import { centreMissing, centreWithWorker, type CentreWithWorker } from './centre.js';
import { ADMIN_PASSWORD, ConsoleClient, type Json } from './console-env.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the restored hub test: ${missing}`);

const HUB = 'hub1';
const dir = tempDir('s69-restored-hub');
let env: CentreWithWorker;
let running: RunningConsole;

const eventually = (check: () => void | Promise<void>): Promise<void> =>
  vi.waitFor(check, { timeout: 30_000, interval: 50 });

/** One version of alert `alertId`, as the hub's uplink publishes it (QoS 1). */
async function publish(alertId: string, version: number, alert: Record<string, unknown>): Promise<void> {
  const full = {
    id: alertId,
    homeId: 'flat-3',
    residentId: null,
    kind: 'inactivity',
    severity: 'critical',
    state: 'raised',
    raisedAt: '2026-12-06T09:00:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    outcome: null,
    note: null,
    escalationLevel: 0,
    room: 'bathroom',
    detail: {},
    count: 1,
    lastSeenAt: '2026-12-06T09:00:00.000Z',
    version,
    ...alert,
  };
  await env.hub.publishAsync(
    `telecare-up/${HUB}/alerts/${alertId}`,
    JSON.stringify({ hubId: HUB, alertId, version, alert: full }),
    { qos: 1 },
  );
}

async function atCentre(alertId: string): Promise<{ version: number; state: string; level: unknown } | undefined> {
  const row = (
    await env.centre.pool.query<{ version: number; state: string; level: unknown }>(
      `SELECT version, state, alert->'escalationLevel' AS level FROM central_alerts WHERE hub_id = $1 AND alert_id = $2`,
      [HUB, alertId],
    )
  ).rows[0];
  return row;
}

/** Publishes a new call and waits for it at the centre: everything the hub published before it has been taken. */
let marks = 0;
async function settled(): Promise<void> {
  marks += 1;
  const id = `mark-${String(marks)}`;
  await publish(id, 1, { kind: 'pendant' });
  await eventually(async () => expect(await atCentre(id)).toBeDefined());
}

describe.skipIf(missing !== undefined)('review s69: a hub restored from a backup', () => {
  beforeAll(async () => {
    env = await centreWithWorker(dir, HUB);
    running = await startConsole({
      pool: env.centre.pool,
      nc: env.nc,
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      adminPassword: ADMIN_PASSWORD,
      sseHeartbeatSeconds: 1,
    });
  }, 120_000);

  afterAll(async () => {
    await running?.close();
    await env?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("shows the restored hub's alerts as the hub has them, not the branch the backup lost", async () => {
    const operator = new ConsoleClient(running.url);
    expect((await operator.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    const stream = await operator.stream();
    // Before the disk failed: two calls raised, escalated and acknowledged by the hub's responder; the first resolved,
    // the second seen again while acknowledged.
    const acknowledged = { state: 'acknowledged', acknowledgedAt: '2026-12-06T09:12:00.000Z', acknowledgedBy: 'jane' };
    const before = async (alertId: string, last: Record<string, unknown>, state: string): Promise<void> => {
      await publish(alertId, 1, {});
      await publish(alertId, 2, { escalationLevel: 1, lastSeenAt: '2026-12-06T09:10:00.000Z' });
      await publish(alertId, 3, { escalationLevel: 1, ...acknowledged });
      await publish(alertId, 4, { escalationLevel: 1, ...acknowledged, ...last });
      await eventually(async () => expect(await atCentre(alertId)).toMatchObject({ version: 4, state }));
    };
    await before(
      'a1',
      { state: 'resolved', resolvedAt: '2026-12-06T09:20:00.000Z', outcome: 'false-alarm' },
      'resolved',
    );
    await before('a2', { count: 2, lastSeenAt: '2026-12-06T09:30:00.000Z' }, 'acknowledged');
    const shown = (alertId: string): Json =>
      stream.events.filter((e) => e.event === 'alert' && e.data.alertId === alertId).at(-1)?.data;
    await eventually(() => expect(shown('a2')).toMatchObject({ version: 4, state: 'acknowledged' }));
    // The box was off while its disk was replaced: the silence check marked it offline (its first message back is
    // taken on its own, the rest in batches).
    await env.centre.pool.query(
      `UPDATE central_hubs SET status = 'offline', offline_since = now() - interval '1 hour' WHERE hub_id = $1`,
      [HUB],
    );

    // The hub restored from the backup made at version 2: both calls are open there, and it escalates them again.
    const escalated = { escalationLevel: 2, lastSeenAt: '2026-12-06T10:30:00.000Z' };
    await publish('a1', 3, escalated);
    await settled();
    await publish('a2', 3, escalated);
    await settled();
    // Before the fix: still version 4, resolved for one (off the operators' screens) and acknowledged by jane for the
    // other, while the hub escalates both.
    // Waited for, not read once: the mark after a2's version may be taken by another of the worker's batches, stored
    // before it (session 74: once in CI, at load 11, a2 read version 4 a moment before its fork was applied).
    await eventually(async () => expect(await atCentre('a1')).toMatchObject({ version: 3, state: 'raised', level: 2 }));
    await eventually(async () => expect(await atCentre('a2')).toMatchObject({ version: 3, state: 'raised', level: 2 }));
    // The operator's stream says so too: without the consoles listing afresh, version 3 after 4 was not sent.
    await eventually(() => expect(shown('a1')).toMatchObject({ version: 3, state: 'raised' }));
    await eventually(() => expect(shown('a2')).toMatchObject({ version: 3, state: 'raised' }));

    // The hub's next version is taken too (before: dropped as a repeat of the lost branch's version 4).
    await publish('a1', 4, {
      escalationLevel: 2,
      state: 'acknowledged',
      acknowledgedAt: '2026-12-06T10:32:00.000Z',
      acknowledgedBy: 'centre:olga',
    });
    await eventually(async () => expect(await atCentre('a1')).toMatchObject({ version: 4, state: 'acknowledged' }));

    // A version sent again as it was (a resend) changes nothing, and the stored versions are the hub's branch.
    await publish('a1', 3, escalated);
    await settled();
    expect(await atCentre('a1')).toMatchObject({ version: 4, state: 'acknowledged' });
    const versions = await env.centre.pool.query<{ alert_id: string; version: number; state: string }>(
      `SELECT alert_id, version, payload->'alert'->>'state' AS state FROM central_alert_versions
       WHERE hub_id = $1 AND alert_id IN ('a1', 'a2') ORDER BY alert_id, version`,
      [HUB],
    );
    stream.close();
    expect(versions.rows).toEqual([
      { alert_id: 'a1', version: 1, state: 'raised' },
      { alert_id: 'a1', version: 2, state: 'raised' },
      { alert_id: 'a1', version: 3, state: 'raised' },
      { alert_id: 'a1', version: 4, state: 'acknowledged' },
      { alert_id: 'a2', version: 1, state: 'raised' },
      { alert_id: 'a2', version: 2, state: 'raised' },
      { alert_id: 'a2', version: 3, state: 'raised' },
    ]);
  });
});
