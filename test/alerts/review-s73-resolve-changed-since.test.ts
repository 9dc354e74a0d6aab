// Review, session 73: a resolve carried no alert version, so it applied to the alert as it was at the hub when it
// arrived. A responder opened the resolve form of a pendant alert and chose "False alarm"; meanwhile the resident
// pressed again (merged into the open alert: a new version, count 2); the resolve then closed an emergency the
// responder never saw. Now `POST /api/alerts/:id/resolve` takes the `version` acted on and is refused (409
// CHANGED_SINCE, in words what happened and when) when a high or critical repeat came since; a low repeat (a second
// device offline) does not refuse, an acknowledgement never does, and a body without `version` is taken as before.
// The real hub in-process on a fake clock, its dashboard over real HTTP, SQLite in a temp folder.
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { Alert } from '../../hub/alerts/api.js';
import {
  adminSession,
  dashboardUrl,
  heartbeatSender,
  hubPerTest,
  pressOverHttp,
  startTestHub,
} from '../support/in-process-hub.js';
import { mqttClient, ONE_HOME_CONFIG } from '../hub/helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

/** Monday 23 November 2026, 03:12 in London (GMT). */
const AT_0312 = Date.UTC(2026, 10, 23, 3, 12, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const t = hubPerTest('review-s73-resolve-changed-since');

async function post(
  cookie: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const base = dashboardUrl(t.hub!);
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, cookie },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function pendantHub(): Promise<{ clock: FakeClock; cookie: string }> {
  const clock = new FakeClock(AT_0312 - 2 * MINUTE);
  t.hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), t.dir, { clock });
  return { clock, cookie: await adminSession(t.hub) };
}

describe('a resolve of an alert pressed again since the responder opened it', () => {
  it('is refused with what happened and when; resolved once the responder acts on the version as it is', async () => {
    const { clock, cookie } = await pendantHub();
    const opened = await pressOverHttp(t.hub!, cookie, 'h1', 'p1');
    expect(opened).toMatchObject({ count: 1, version: 1 });

    // 03:12: pressed again while the responder has the form open on version 1.
    clock.advanceTo(AT_0312);
    const again = await pressOverHttp(t.hub!, cookie, 'h1', 'p1');
    await expect.poll(() => t.hub!.alerts.get(opened.id)?.count).toBe(2);

    const stale = await post(cookie, `/api/alerts/${opened.id}/resolve`, {
      outcome: 'false-alarm',
      note: 'pressed by mistake',
      version: opened.version,
    });
    // Before the fix: 200, the alert resolved as a false alarm with the second press unseen.
    expect(stale.status).toBe(409);
    expect(stale.body.error).toBe('CHANGED_SINCE');
    expect(stale.body.message).toMatch(
      /^Not resolved: pressed again at 03:12 since you opened it \(version 1, now \d+\)/,
    );
    expect(stale.body.message).toContain('look again, then resolve');
    expect(t.hub!.alerts.get(again.id)).toMatchObject({ state: 'raised', outcome: null, count: 2 });

    // She looks again (version 2) and resolves: taken.
    const seen = t.hub!.alerts.get(opened.id)!;
    const fresh = await post(cookie, `/api/alerts/${opened.id}/resolve`, {
      outcome: 'assisted-at-home',
      version: seen.version,
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body as unknown as Alert).toMatchObject({ state: 'resolved', outcome: 'assisted-at-home', count: 2 });
  }, 60_000);

  it('counts every press since, and names the last one', async () => {
    const { clock, cookie } = await pendantHub();
    const opened = await pressOverHttp(t.hub!, cookie, 'h1', 'p1');
    clock.advanceTo(AT_0312 - MINUTE);
    await pressOverHttp(t.hub!, cookie, 'h1', 'p1');
    clock.advanceTo(AT_0312);
    await pressOverHttp(t.hub!, cookie, 'h1', 'p1');
    await expect.poll(() => t.hub!.alerts.get(opened.id)?.count).toBe(3);
    const stale = await post(cookie, `/api/alerts/${opened.id}/resolve`, { outcome: 'false-alarm', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/^Not resolved: pressed again 2 times, the last at 03:12 since you opened it/);
  }, 60_000);

  it('is taken as before without a version, and an acknowledgement of an older version is taken', async () => {
    const { clock, cookie } = await pendantHub();
    const opened = await pressOverHttp(t.hub!, cookie, 'h1', 'p1');
    clock.advanceTo(AT_0312);
    await pressOverHttp(t.hub!, cookie, 'h1', 'p1');
    await expect.poll(() => t.hub!.alerts.get(opened.id)?.count).toBe(2);

    const ack = await post(cookie, `/api/alerts/${opened.id}/ack`, { version: 1 });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ state: 'acknowledged', count: 2 });

    const resolved = await post(cookie, `/api/alerts/${opened.id}/resolve`, { outcome: 'assisted-at-home' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ state: 'resolved', outcome: 'assisted-at-home' });
  }, 60_000);

  it('is refused when the version given is not a version number', async () => {
    const { cookie } = await pendantHub();
    const opened = await pressOverHttp(t.hub!, cookie, 'h1', 'p1');
    const bad = await post(cookie, `/api/alerts/${opened.id}/resolve`, { outcome: 'false-alarm', version: 'latest' });
    expect(bad.status).toBe(400);
    expect(t.hub!.alerts.get(opened.id)?.state).toBe('raised');
  }, 60_000);
});

describe('a resolve of an alert with a low repeat since', () => {
  it('is taken: a second device offline is not a reason to look again', async () => {
    const clock = new FakeClock(AT_0312 - 30 * HOUR);
    t.hub = await startTestHub(
      parseHubConfig({
        homes: [
          {
            id: 'h1',
            timezone: 'Europe/London',
            residents: [{ id: 'r1' }],
            devices: [
              { id: 'kitchen-smoke', kind: 'smoke', room: 'kitchen' },
              { id: 'bed-mat', kind: 'bed', room: 'bedroom' },
            ],
          },
        ],
      }),
      t.dir,
      { clock },
    );
    const client: MqttClient = await mqttClient(t.hub.ports.mqtt!);
    t.client = client;
    const heartbeat = heartbeatSender(client, t.hub);
    await heartbeat('kitchen-smoke');
    clock.advanceTo(AT_0312 - 28 * HOUR);
    await heartbeat('bed-mat');
    clock.advanceTo(AT_0312 - 30 * HOUR + 25 * HOUR + MINUTE);
    await t.hub.alerts.settled();
    const [first] = t.hub.alerts.list({ homeId: 'h1', state: 'open' }).filter((a) => a.kind === 'sensor-offline');
    expect(first).toMatchObject({ severity: 'low', count: 1 });
    clock.advanceTo(AT_0312 - 28 * HOUR + 25 * HOUR + MINUTE);
    await t.hub.alerts.settled();
    expect(t.hub.alerts.get(first!.id)).toMatchObject({ count: 2, state: 'raised' });

    // Logged in now: a session of 25 h ago has ended.
    const cookie = await adminSession(t.hub);
    const resolved = await post(cookie, `/api/alerts/${first!.id}/resolve`, {
      outcome: 'no-action-needed',
      version: first!.version,
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ state: 'resolved', count: 2 });
  }, 60_000);
});

describe('a resolve over MQTT (telecare/<homeId>/alerts/<alertId>/ack) for a version pressed again since', () => {
  it('is answered changed-since with what happened; taken for the version as it is', async () => {
    const clock = new FakeClock(AT_0312 - 2 * MINUTE);
    t.hub = await startTestHub(
      parseHubConfig({
        ...ONE_HOME_CONFIG,
        mqttUsers: [{ username: 'resp1', passwordHash: lowCostHash('responder-secret-1'), role: 'responder' }],
      }),
      t.dir,
      { clock },
    );
    const cookie = await adminSession(t.hub);
    const opened = await pressOverHttp(t.hub, cookie, 'h1', 'p1');
    clock.advanceTo(AT_0312);
    await pressOverHttp(t.hub, cookie, 'h1', 'p1');
    await expect.poll(() => t.hub!.alerts.get(opened.id)?.count).toBe(2);

    const responder = await mqttClient(t.hub.ports.mqtt!, { username: 'resp1', password: 'responder-secret-1' });
    t.client = responder;
    const answers: Record<string, unknown>[] = [];
    responder.on('message', (_topic, payload) =>
      answers.push(JSON.parse(payload.toString()) as Record<string, unknown>),
    );
    const topic = `telecare/h1/alerts/${opened.id}/ack`;
    await responder.subscribeAsync(`${topic}/result`, { qos: 1 });
    const resolve = { action: 'resolve', outcome: 'false-alarm' };
    await responder.publishAsync(topic, JSON.stringify({ ...resolve, version: opened.version }), { qos: 1 });
    await expect.poll(() => answers.length).toBe(1);
    // Before the fix: { ok: true, state: 'resolved' }.
    expect(answers[0]).toMatchObject({ ok: false, code: 'changed-since' });
    expect(answers[0]?.message).toMatch(/^Not resolved: pressed again at 03:12 since you opened it/);
    expect(t.hub.alerts.get(opened.id)?.state).toBe('raised');

    const now = t.hub.alerts.get(opened.id)!.version;
    await responder.publishAsync(topic, JSON.stringify({ ...resolve, version: now }), { qos: 1 });
    await expect.poll(() => answers.length).toBe(2);
    expect(answers[1]).toMatchObject({ ok: true, state: 'resolved' });
  }, 60_000);
});
