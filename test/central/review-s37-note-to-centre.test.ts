// Review, session 37: a responder's resolve note must reach the alarm receiving centre. PostgreSQL's jsonb refuses a
// `\u0000` and a lone surrogate, so a resolution whose note held one was dropped at the centre as `refused-by-database`
// (never sent again): the centre kept showing the alert open. A real hub (its dashboard over HTTP, a responder's API
// token), its uplink through the centre's NATS MQTT gateway, worker processes and PostgreSQL.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connect } from 'nats';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { MAX_NOTE_CHARS } from '../../hub/alerts/lifecycle.js';
import { adminSession, createApiToken, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from '../hub/helpers.js';
import { centreMissing, centreUplink, hubPassword, startTestCentre, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the note-to-centre tests: ${missing}`);

const eventually = (check: () => void | Promise<void>, timeout = 60_000): Promise<void> =>
  vi.waitFor(check, { timeout, interval: 50 });

let centre: TestCentre;
let hub: RunningHub;
let sensor: MqttClient;
let token: string;
const hubDir = tempDir('s37-note-hub');
const centreDir = tempDir('s37-note-centre');

describe.skipIf(missing !== undefined)('a resolve note on its way to the centre', () => {
  beforeAll(async () => {
    centre = await startTestCentre(centreDir, ['hub1']);
    await centre.startWorkers(1);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), hubDir, {
      uplink: centreUplink(centre),
    });
    sensor = await mqttClient(hub.ports.mqtt!);
    token = await createApiToken(hub, await adminSession(hub), 'phone', 'responder');
  }, 180_000);

  afterAll(async () => {
    await sensor?.endAsync(true).catch(() => undefined);
    await hub?.stop();
    await centre?.stop();
    fs.rmSync(hubDir, { recursive: true, force: true });
    fs.rmSync(centreDir, { recursive: true, force: true });
  }, 60_000);

  /** A pendant press; the alert's id once the centre holds its first version. */
  async function pressAtCentre(): Promise<string> {
    const before = new Set(hub.alerts.list({ limit: 1000 }).map((a) => a.id));
    await sensor.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type: 'pendant', value: true }), {
      qos: 1,
    });
    let id = '';
    await eventually(() => {
      const fresh = hub.alerts.list({ state: 'open' }).find((a) => a.kind === 'pendant' && !before.has(a.id));
      expect(fresh).toBeDefined();
      id = fresh!.id;
    });
    await eventually(async () => {
      const rows = await centre.pool.query(`SELECT 1 FROM central_alerts WHERE hub_id = 'hub1' AND alert_id = $1`, [
        id,
      ]);
      expect(rows.rowCount).toBe(1);
    });
    return id;
  }

  const resolve = (id: string, note: string): Promise<Response> =>
    fetch(`${dashboardUrl(hub)}/api/alerts/${id}/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ outcome: 'no-action-needed', note }),
    });

  const atCentre = async (id: string): Promise<{ state: string; note: unknown }> => {
    const rows = await centre.pool.query<{ state: string; alert: { note: unknown } }>(
      `SELECT state, alert FROM central_alerts WHERE hub_id = 'hub1' AND alert_id = $1`,
      [id],
    );
    return { state: rows.rows[0]?.state ?? 'missing', note: rows.rows[0]?.alert.note };
  };

  it('a long note ending in an emoji is kept whole to the limit, and the resolution reaches the centre', async () => {
    const id = await pressAtCentre();
    // The dashboard takes 2000 characters (code points): here 2001 UTF-16 units. The hub kept the first 2000 units,
    // half of the emoji, and the centre refused the version.
    const note = 'x'.repeat(MAX_NOTE_CHARS - 1) + '\u{1F600}';
    const answer = await resolve(id, note);
    expect(answer.status).toBe(200);
    const kept = ((await answer.json()) as { note: string }).note;
    // The harm first: before, the centre never took this version (its worker counted it `refused-by-database`).
    await eventually(async () => expect(await atCentre(id)).toEqual({ state: 'resolved', note: kept }));
    expect(kept).toBe('x'.repeat(MAX_NOTE_CHARS - 1));
  }, 180_000);

  it('a note with a NUL or a lone surrogate is refused with a clear error; the alert stays open, then resolves', async () => {
    const id = await pressAtCentre();
    for (const note of ['called her\u0000', 'called \ud83d her']) {
      const answer = await resolve(id, note);
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { error: string }).error).toBe('BAD_NOTE');
    }
    expect(hub.alerts.get(id)?.state).toBe('raised');
    const fine = await resolve(id, 'called her: she is fine\nline two');
    expect(fine.status).toBe(200);
    await eventually(async () =>
      expect(await atCentre(id)).toEqual({ state: 'resolved', note: 'called her: she is fine\nline two' }),
    );
  }, 180_000);

  it('a version from an older hub with a NUL in its note is stored at the centre, the NUL replaced, not dropped', async () => {
    // A hub before session 37 kept such a note and sent its resolution: the centre's worker dropped it as
    // refused-by-database (PostgreSQL's jsonb refuses \u0000), and showed the alert open for ever.
    const old = await mqttClient(centre.cluster.layout.nodes[0]?.mqtt ?? 0, {
      username: 'hub1',
      password: hubPassword('hub1'),
      clientId: 's37-older-hub1',
      protocolVersion: 4,
    });
    try {
      const alert = {
        id: 'old-1',
        homeId: 'h1',
        kind: 'pendant',
        severity: 'critical',
        state: 'resolved',
        raisedAt: new Date().toISOString(),
        outcome: 'no-action-needed',
        note: 'rang her\u0000',
      };
      const body = { hubId: 'hub1', alertId: 'old-1', version: 3, alert };
      await old.publishAsync('telecare-up/hub1/alerts/old-1', JSON.stringify(body), { qos: 1 });
      await eventually(async () =>
        expect(await atCentre('old-1')).toEqual({ state: 'resolved', note: 'rang her\ufffd' }),
      );
    } finally {
      await old.endAsync(true);
    }
  }, 180_000);

  it("a centre operator's long note with emoji (2,000 characters, more UTF-16 units) resolves the hub's alert", async () => {
    const id = await pressAtCentre();
    const note = 'x'.repeat(MAX_NOTE_CHARS - 11) + '\u{1F600}'.repeat(11);
    const nc = await connect({ servers: centre.cluster.natsUrls, user: 'centre', pass: centre.centrePassword });
    try {
      // As the console sends it (central/console/commands.ts), which takes 2,000 characters.
      const command = { action: 'resolve', outcome: 'no-action-needed', note, operator: 'olive', commandId: 'c-s37' };
      nc.publish(`telecare-down.hub1.alerts.${id}.ack`, JSON.stringify(command));
      await nc.flush();
      // Before, the hub's parser counted UTF-16 units, dropped the command unanswered, and the alert stayed raised.
      await eventually(() => expect(hub.alerts.get(id)?.state).toBe('resolved'));
      expect(hub.alerts.get(id)?.note).toBe('x'.repeat(MAX_NOTE_CHARS - 11) + '\u{1F600}'.repeat(5));
      await eventually(async () => expect((await atCentre(id)).state).toBe('resolved'));
    } finally {
      await nc.close();
    }
  }, 180_000);

  it('a command the hub cannot apply is answered with the reason, not left to time out', async () => {
    const id = await pressAtCentre();
    const nc = await connect({ servers: centre.cluster.natsUrls, user: 'centre', pass: centre.centrePassword });
    try {
      // A console newer than the hub (an action it does not know): before, dropped unanswered, and the console
      // waited 60 s before telling the operator that the hub never answered.
      const command = { action: 'silence', operator: 'olive', commandId: 'c-s37-unknown' };
      nc.publish(`telecare-down.hub1.alerts.${id}.ack`, JSON.stringify(command));
      await nc.flush();
      await eventually(async () => {
        const rows = await centre.pool.query<{ payload: Record<string, unknown> }>(
          `SELECT payload FROM central_command_results WHERE hub_id = 'hub1' AND command_id = 'c-s37-unknown'`,
        );
        expect(rows.rows[0]?.payload).toMatchObject({ alertId: id, ok: false, code: 'bad-command' });
      });
      expect(hub.alerts.get(id)?.state).toBe('raised');
    } finally {
      await nc.close();
    }
  }, 180_000);
});
