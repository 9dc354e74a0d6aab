// Review, session 68: one centre serving two councils gave each council's analyst the other's figures. The centre's
// `analyst` (session 67) read the council report over every hub on the cluster: a North council officer's weekly falls,
// calls and homes monitored included South's homes, and a figure of South's a North officer should never see could be
// had by difference. Now an admin assigns an analyst a council, a supervisor assigns each hub its council, and the
// analyst's report counts that council's hubs only; an analyst with no council is refused the report (least privilege:
// nothing until assigned). Supervisors and admins still read the report over every hub. Real console, PostgreSQL and
// nats-server; alert versions and days stored as the workers store them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ADMIN_PASSWORD,
  ConsoleClient,
  hubAlert,
  missingForConsole,
  numberedHomes,
  startConsoleEnv,
  storeAlert,
  storeDays,
  storeHub,
  type ConsoleEnv,
  type Json,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the council analyst test: ${missing}`);

const PASSWORD = 'a-long-password-1';
const NORTH = ['s68-north-1', 's68-north-2'];
const SOUTH = ['s68-south-1'];
const WEEK = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'];

describe.skipIf(missing !== undefined)('review s68: an analyst reads the figures of their own council', () => {
  let env: ConsoleEnv;
  let admin: ConsoleClient;
  const clock = new FakeClock(Date.UTC(2026, 11, 16, 10, 0, 0));

  beforeAll(async () => {
    env = await startConsoleEnv({ clock });
    admin = new ConsoleClient(env.url);
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    // North: two scheme hubs of 10 flats each, a pendant call from each flat. South: one hub of 30 flats, a fall in each.
    const hubs = [...NORTH.map((h) => [h, 10, 'pendant'] as const), ...SOUTH.map((h) => [h, 30, 'fall'] as const)];
    for (const [hubId, flats, kind] of hubs) {
      await storeDays(env.pool, hubId, numberedHomes(hubId, flats), WEEK);
      for (let i = 0; i < flats; i++) {
        await storeAlert(
          env.pool,
          hubId,
          hubAlert(`mq${String(i)}-${kind}`, {
            kind,
            severity: 'critical',
            homeId: `flat-${String(i)}`,
            raisedAt: '2026-11-17T09:00:00.000Z',
            lastSeenAt: '2026-11-17T09:00:00.000Z',
          }),
        );
      }
      await storeHub(env.pool, hubId, { status: 'online', lastSeenAt: new Date('2026-11-22T10:00:00Z') });
    }
  });

  afterAll(async () => {
    await env?.stop();
  });

  const report = async (client: ConsoleClient): Promise<{ status: number; body: Json }> =>
    client.json('GET', '/api/reports/council?from=2026-11-16&to=2026-11-22');

  it("gives a North analyst North's homes only, and an analyst with no council nothing", async () => {
    // The admin makes two analysts: one for North, one not yet assigned; a supervisor's work: each hub's council.
    const made = await admin.json('POST', '/api/operators', {
      username: 'nora',
      role: 'analyst',
      password: PASSWORD,
      council: 'North',
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ username: 'nora', role: 'analyst', council: 'North' });
    expect(
      (await admin.json('POST', '/api/operators', { username: 'una', role: 'analyst', password: PASSWORD })).status,
    ).toBe(201);
    for (const hubId of NORTH) {
      expect((await admin.json('PUT', `/api/hubs/${hubId}/council`, { council: 'North' })).status).toBe(200);
    }
    expect((await admin.json('PUT', `/api/hubs/${SOUTH[0]}/council`, { council: 'South' })).status).toBe(200);
    const hubs = (await admin.json('GET', '/api/hubs')).body as Json[];
    expect(hubs.map((h: Json) => [h.hubId, h.council]).sort()).toEqual([
      ['s68-north-1', 'North'],
      ['s68-north-2', 'North'],
      ['s68-south-1', 'South'],
    ]);

    const nora = new ConsoleClient(env.url);
    expect((await nora.login('nora', PASSWORD)).status).toBe(200);
    const north = await report(nora);
    expect(north.status).toBe(200);
    // 20 North flats and their 20 pendant calls; no South fall. Before: 50 homes, 50 alerts, 30 falls.
    expect(north.body.council).toBe('North');
    expect(north.body.total.homesMonitored).toBe(20);
    expect(north.body.total.alerts.total).toBe(20);
    expect(north.body.total.falls.total).toBe(0);
    expect(north.body.hubs).toBe('*');

    // Not assigned yet: refused, with what to do.
    const una = new ConsoleClient(env.url);
    expect((await una.login('una', PASSWORD)).status).toBe(200);
    const none = await report(una);
    expect(none.status).toBe(403);
    expect(none.body.error).toBe('NO_COUNCIL');
    // Assigned South by the admin, at once (no new login).
    expect((await admin.json('PUT', '/api/operators/una/council', { council: 'South' })).status).toBe(200);
    const south = await report(una);
    expect(south.status).toBe(200);
    expect(south.body.total).toMatchObject({ homesMonitored: 30, alerts: { total: 30 }, falls: { total: 30 } });
    const listed = (await admin.json('GET', '/api/operators')).body as Json[];
    expect(listed.find((o: Json) => o.username === 'una')).toMatchObject({ role: 'analyst', council: 'South' });

    // Supervisors and admins: every hub, as before.
    const all = await report(admin);
    expect(all.body.council).toBeNull();
    expect(all.body.total).toMatchObject({ homesMonitored: 50, alerts: { total: 50 }, falls: { total: 30 } });
  });

  it('lets no analyst assign a council, and no council to an operator who is not an analyst', async () => {
    const nora = new ConsoleClient(env.url);
    expect((await nora.login('nora', PASSWORD)).status).toBe(200);
    const res = await nora.request('PUT', '/api/operators/nora/council', { council: 'South' }, { origin: env.url });
    expect(res.status).toBe(403);
    const hub = await nora.request('PUT', `/api/hubs/${SOUTH[0]}/council`, { council: 'North' }, { origin: env.url });
    expect(hub.status).toBe(403);
    const sam = await admin.json('POST', '/api/operators', {
      username: 'sam',
      role: 'supervisor',
      password: PASSWORD,
      council: 'North',
    });
    expect(sam.status).toBe(400);
    expect(sam.body.error).toBe('COUNCIL_FOR_ANALYSTS');
    expect((await admin.json('PUT', '/api/hubs/no-such-hub/council', { council: 'North' })).status).toBe(404);
  });
});
