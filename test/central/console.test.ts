// The centre's console over HTTP with a real PostgreSQL, a real nats-server and a stand-in hub on NATS.
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { createOperator, startConsole } from '../../central/console/index.js';
import { silentLogger } from '../../hub/logger.js';
import {
  ADMIN_PASSWORD,
  ConsoleClient,
  cutListen,
  hubAlert,
  listenBackends,
  missingForConsole,
  startConsoleEnv,
  storeAlert,
  storeHub,
  type ConsoleEnv,
  type Json,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the console tests: ${missing}`);

const WAIT = { timeout: 15_000, interval: 20 };
const PASSWORD = 'a-long-password-1';

describe.skipIf(missing !== undefined)('central console', () => {
  let env: ConsoleEnv;
  let admin: ConsoleClient;
  let operator: ConsoleClient;
  let supervisor: ConsoleClient;

  beforeAll(async () => {
    env = await startConsoleEnv();
    admin = new ConsoleClient(env.url);
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    await createOperator(env.pool, { username: 'olive', role: 'operator', password: PASSWORD });
    expect(
      (await admin.json('POST', '/api/operators', { username: 'sam', role: 'supervisor', password: PASSWORD })).status,
    ).toBe(201);
    operator = new ConsoleClient(env.url);
    expect((await operator.login('olive', PASSWORD)).status).toBe(200);
    supervisor = new ConsoleClient(env.url);
    expect((await supervisor.login('sam', PASSWORD)).status).toBe(200);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('creates the first admin from the given password and stores only scrypt hashes', async () => {
    const rows = await env.pool.query<{ username: string; password_hash: string }>(
      'SELECT username, password_hash FROM console_operators ORDER BY username',
    );
    expect(rows.rows.map((r) => r.username)).toEqual(expect.arrayContaining(['admin', 'olive', 'sam']));
    for (const row of rows.rows) {
      expect(row.password_hash).toMatch(/^scrypt\$/);
      expect(row.password_hash).not.toContain(PASSWORD);
    }
    expect((await new ConsoleClient(env.url).login('admin', 'wrong-password-x')).status).toBe(401);
  });

  it('gives each role only its pages: an operator cannot read the council report, the hubs or the operators', async () => {
    const report = '/api/reports/council?from=2026-11-01&to=2026-11-30';
    expect((await operator.json('GET', report)).status).toBe(403);
    expect((await operator.json('GET', '/api/hubs')).status).toBe(403);
    expect((await operator.json('GET', '/api/operators')).status).toBe(403);
    expect((await operator.json('GET', '/api/alerts')).status).toBe(200);
    expect((await supervisor.json('GET', report)).status).toBe(200);
    expect((await supervisor.json('GET', '/api/hubs')).status).toBe(200);
    expect((await supervisor.json('GET', '/api/operators')).status).toBe(403);
    expect((await admin.json('GET', '/api/operators')).status).toBe(200);
    expect((await new ConsoleClient(env.url).json('GET', '/api/alerts')).status).toBe(401);
    // Pages: a page the role may not see sends it home, not an error page.
    const page = await operator.request('GET', '/council');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/');
    const anonymous = await new ConsoleClient(env.url).request('GET', '/alerts');
    expect(anonymous.headers.get('location')).toBe('/login?next=%2Falerts');
  });

  it('lets an operator change their own password, ending their sessions', async () => {
    await createOperator(env.pool, { username: 'pat', role: 'operator', password: PASSWORD });
    const pat = new ConsoleClient(env.url);
    expect((await pat.login('pat', PASSWORD)).status).toBe(200);
    const change = (body: unknown): Promise<{ status: number }> => pat.json('POST', '/api/me/password', body);
    expect((await change({ currentPassword: 'not-it-at-all', newPassword: 'another-long-one' })).status).toBe(401);
    expect((await change({ currentPassword: PASSWORD, newPassword: 'short' })).status).toBe(400);
    expect((await change({ currentPassword: PASSWORD, newPassword: 'another-long-one' })).status).toBe(204);
    expect((await pat.json('GET', '/api/me')).status).toBe(401);
    expect((await pat.login('pat', PASSWORD)).status).toBe(401);
    expect((await pat.login('pat', 'another-long-one')).status).toBe(200);
  });

  it('throttles password guessing and refuses cross-site requests', async () => {
    const guesser = new ConsoleClient(env.url);
    // Every test logs in from 127.0.0.1: the address may have tries counted already, so guess until refused.
    let guesses = 0;
    let res = await guesser.login('olive', 'wrong-0-password');
    while (res.status === 401 && guesses < 8) res = await guesser.login('olive', `wrong-${++guesses}-password`);
    expect(res.status).toBe(429);
    expect(guesses).toBeLessThanOrEqual(4);
    // Refused before the password is even checked: the right one waits too.
    const throttled = await guesser.login('olive', PASSWORD);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    const crossSite = await operator.request('POST', '/api/alerts/hub1/x/ack', {}, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { error: string }).error).toBe('CROSS_SITE_REQUEST');
  });

  it("lists every hub's open alerts, most severe first then newest, with the hub's detail", async () => {
    await storeAlert(env.pool, 'list-a', hubAlert('l1', { severity: 'medium', raisedAt: '2026-11-30T05:00:00Z' }));
    await storeAlert(
      env.pool,
      'list-b',
      hubAlert('l2', { severity: 'critical', kind: 'pendant', raisedAt: '2026-11-30T01:00:00Z' }),
    );
    await storeAlert(
      env.pool,
      'list-b',
      hubAlert('l3', { severity: 'critical', kind: 'fall', raisedAt: '2026-11-30T02:00:00Z' }),
    );
    await storeAlert(env.pool, 'list-a', hubAlert('l4', { state: 'resolved', outcome: 'false-alarm' }));
    const { body } = await operator.json('GET', '/api/alerts');
    const mine = (body as { hubId: string; alertId: string }[]).filter((a) => a.hubId.startsWith('list-'));
    expect(mine.map((a) => a.alertId)).toEqual(['l3', 'l2', 'l1']);
    const first = (body as Record<string, Json>[]).find((a) => a.alertId === 'l1')!;
    expect(first).toMatchObject({
      hubId: 'list-a',
      type: 'inactivity',
      severity: 'medium',
      state: 'raised',
      origin: 'hub',
    });
    expect(first.alert.detail).toEqual({
      silenceMinutes: 190,
      thresholdMinutes: 180,
      thresholdSource: 'learned',
      lastRoom: 'bedroom',
    });
  });

  it('streams the current list, then alerts as they are NOTIFYed, to many browsers over one LISTEN connection', async () => {
    await storeAlert(env.pool, 'live-hub', hubAlert('s1'));
    const streams = await Promise.all([operator.stream(), operator.stream(), supervisor.stream()]);
    try {
      for (const s of streams) {
        await vi.waitFor(() => expect(s.events.some((e) => e.event === 'ready')).toBe(true), WAIT);
        expect(s.events.some((e) => e.event === 'alert' && e.data.alertId === 's1')).toBe(true);
      }
      await storeAlert(env.pool, 'live-hub', hubAlert('s2', { kind: 'pendant', severity: 'critical' }));
      for (const s of streams) {
        await vi.waitFor(
          () => expect(s.events.some((e) => e.event === 'alert' && e.data.alertId === 's2')).toBe(true),
          WAIT,
        );
      }
      // By the console's name for it (its last query is its `SELECT 1` every 5 s, not the LISTEN: session 68).
      expect(await listenBackends(env.pool)).toHaveLength(1);
    } finally {
      for (const s of streams) s.close();
    }
  });

  it('lists afresh to every stream when its LISTEN connection is lost, and goes on live', async () => {
    const stream = await operator.stream();
    try {
      await vi.waitFor(() => expect(stream.events.some((e) => e.event === 'ready')).toBe(true), WAIT);
      const listed = stream.events.length;
      const cut = await cutListen(env.pool);
      expect(cut).toHaveLength(1);
      // Stored while nobody listens: the fresh list after the reconnection carries it.
      await storeAlert(env.pool, 'lost-hub', hubAlert('r1'));
      // The console lists afresh only once it LISTENs again: the stream says it lost the live feed, then a fresh list.
      await vi.waitFor(() => expect(stream.events.slice(listed).some((e) => e.event === 'ready')).toBe(true), WAIT);
      const after = stream.events.slice(listed);
      const lost = after.findIndex((e) => e.event === 'unavailable');
      const fresh = after.findIndex((e) => e.event === 'snapshot');
      const ready = after.findIndex((e) => e.event === 'ready');
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(fresh).toBeGreaterThan(lost);
      expect(
        after.slice(fresh, ready).some((e) => e.event === 'alert' && e.data.alertId === 'r1'),
        'r1 in the fresh list',
      ).toBe(true);
      // One LISTEN connection again, a new one (the cut one may take a moment to leave pg_stat_activity).
      await vi.waitFor(async () => {
        const now = await listenBackends(env.pool);
        expect(now).toHaveLength(1);
        expect(cut).not.toContain(now[0]);
      }, WAIT);
      await storeAlert(env.pool, 'lost-hub', hubAlert('r2'));
      await vi.waitFor(
        () => expect(stream.events.some((e) => e.event === 'alert' && e.data.alertId === 'r2')).toBe(true),
        WAIT,
      );
    } finally {
      stream.close();
    }
  });

  it("acknowledges a hub's alert: the command on NATS, resent until the hub answers, then the hub's new version", async () => {
    await storeAlert(env.pool, 'hub-ack', hubAlert('a1'));
    // The hub misses the first two sends (at QoS 0 from NATS, a disconnected hub never gets them).
    env.hub.ignore.set('a1', 2);
    const stream = await operator.stream();
    try {
      await vi.waitFor(() => expect(stream.events.some((e) => e.event === 'ready')).toBe(true), WAIT);
      const answer = await operator.json('POST', '/api/alerts/hub-ack/a1/ack', {});
      expect(answer.status).toBe(202);
      expect(answer.body.command).toMatchObject({ state: 'sent', action: 'acknowledge', operator: 'olive' });
      const commandId = answer.body.command.commandId as string;
      await vi.waitFor(
        () =>
          expect(
            stream.events.some(
              (e) => e.event === 'command' && e.data.commandId === commandId && e.data.state === 'done',
            ),
          ).toBe(true),
        WAIT,
      );
      const sent = env.hub.received.filter((r) => r.alertId === 'a1');
      expect(sent.length).toBeGreaterThanOrEqual(3);
      for (const r of sent) {
        expect(r.subject).toBe('telecare-down.hub-ack.alerts.a1.ack');
        expect(r.body).toEqual({ action: 'acknowledge', operator: 'olive', commandId });
      }
      await vi.waitFor(
        () =>
          expect(
            stream.events.some(
              (e) => e.event === 'alert' && e.data.alertId === 'a1' && e.data.state === 'acknowledged',
            ),
          ).toBe(true),
        WAIT,
      );
      const card = await operator.json('GET', '/api/alerts/hub-ack/a1');
      expect(card.body.alert.acknowledgedBy).toBe('centre:olive');
      expect(card.body.command).toMatchObject({
        commandId,
        state: 'done',
        result: { ok: true, state: 'acknowledged' },
      });
      // The hub answers a repeat `alreadyDone`; the console shows it as done.
      const again = await operator.json('POST', '/api/alerts/hub-ack/a1/ack', {});
      await vi.waitFor(async () => {
        const view = await operator.json('GET', '/api/alerts/hub-ack/a1');
        expect(view.body.command).toMatchObject({
          commandId: again.body.command.commandId,
          state: 'done',
          result: { alreadyDone: true },
        });
      }, WAIT);
    } finally {
      stream.close();
    }
  });

  it('resolves with an outcome and a note, and refuses an unknown outcome', async () => {
    await storeAlert(env.pool, 'hub-res', hubAlert('v1'));
    expect((await operator.json('POST', '/api/alerts/hub-res/v1/resolve', { outcome: 'teleported' })).status).toBe(400);
    const answer = await operator.json('POST', '/api/alerts/hub-res/v1/resolve', {
      outcome: 'carer-visit',
      note: 'Daughter visited',
    });
    expect(answer.status).toBe(202);
    await vi.waitFor(() => {
      const sent = env.hub.received.find((r) => r.alertId === 'v1');
      expect(sent?.body).toMatchObject({
        action: 'resolve',
        outcome: 'carer-visit',
        note: 'Daughter visited',
        operator: 'olive',
      });
    }, WAIT);
    await vi.waitFor(
      async () => expect((await operator.json('GET', '/api/alerts/hub-res/v1')).body.state).toBe('resolved'),
      WAIT,
    );
    expect((await operator.json('POST', '/api/alerts/hub-res/v1/ack', {})).status).toBe(409);
    expect((await operator.json('POST', '/api/alerts/nohub/none/ack', {})).status).toBe(404);
  });

  it('tells the operator when a hub never answers a command', async () => {
    // A console of its own on the same database and NATS, giving up on a command after 1 s instead of the file's 5 s
    // (its other tests' hub answers need the margin): the same sender, resending every 150 ms (session 75: 5 -> 1 s).
    const quick = await startConsole({
      pool: env.pool,
      nc: env.nc,
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      adminPassword: ADMIN_PASSWORD,
      commands: { resendMs: 150, timeoutMs: 1_000 },
      sseHeartbeatSeconds: 1,
    });
    try {
      const olive = new ConsoleClient(quick.url);
      expect((await olive.login('olive', PASSWORD)).status).toBe(200);
      await storeAlert(env.pool, 'hub-mute', hubAlert('m1'));
      env.hub.ignore.set('m1', Infinity);
      const answer = await olive.json('POST', '/api/alerts/hub-mute/m1/ack', {});
      expect(answer.status).toBe(202);
      await vi.waitFor(
        async () => {
          const view = await olive.json('GET', '/api/alerts/hub-mute/m1');
          expect(view.body.command.state).toBe('timeout');
          expect(view.body.command.sends).toBeGreaterThan(1);
        },
        { timeout: 30_000, interval: 100 },
      );
      expect((await olive.json('GET', '/api/alerts/hub-mute/m1')).body.state).toBe('raised');
    } finally {
      await quick.close();
    }
  });

  it("acknowledges and resolves the centre's own hub-offline alert in PostgreSQL, with new versions", async () => {
    await storeHub(env.pool, 'hub-down', { status: 'offline', lastSeenAt: new Date('2026-11-30T02:00:00Z') });
    await storeAlert(
      env.pool,
      'hub-down',
      hubAlert('off1', { kind: 'hub-offline', severity: 'high', homeId: undefined, room: undefined, detail: {} }),
      'centre',
    );
    const before = env.hub.received.length;
    const ack = await operator.json('POST', '/api/alerts/hub-down/off1/ack', {});
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({
      origin: 'centre',
      ok: true,
      alreadyDone: false,
      version: 2,
      state: 'acknowledged',
    });
    expect((await operator.json('POST', '/api/alerts/hub-down/off1/ack', {})).body).toMatchObject({
      alreadyDone: true,
      version: 2,
    });
    const resolved = await operator.json('POST', '/api/alerts/hub-down/off1/resolve', { outcome: 'no-action-needed' });
    expect(resolved.body).toMatchObject({ ok: true, version: 3, state: 'resolved' });
    const versions = await env.pool.query<{ version: number }>(
      `SELECT version FROM central_alert_versions WHERE hub_id = 'hub-down' AND alert_id = 'off1' ORDER BY version`,
    );
    expect(versions.rows.map((r) => r.version)).toEqual([1, 2, 3]);
    const card = await operator.json('GET', '/api/alerts/hub-down/off1');
    expect(card.body.alert).toMatchObject({
      state: 'resolved',
      acknowledgedBy: 'centre:olive',
      outcome: 'no-action-needed',
    });
    // Nothing went to NATS for the centre's own alert.
    expect(env.hub.received.slice(before).some((r) => r.hubId === 'hub-down')).toBe(false);
  });

  it('tells a second operator who already handles an alert, and sends nothing for them', async () => {
    const commandsOf = async (alertId: string): Promise<string[]> =>
      (
        await env.pool.query<{ operator: string }>(
          `SELECT operator FROM console_commands WHERE alert_id = $1 ORDER BY created_at`,
          [alertId],
        )
      ).rows.map((r) => r.operator);
    // Olive's acknowledgement is under way (the hub has not answered): Sam is told, and nothing goes out for him.
    await storeAlert(env.pool, 'hub-two', hubAlert('c1'));
    env.hub.ignore.set('c1', Infinity);
    expect((await operator.json('POST', '/api/alerts/hub-two/c1/ack', {})).status).toBe(202);
    for (const [path, body] of [
      ['/api/alerts/hub-two/c1/ack', {}],
      ['/api/alerts/hub-two/c1/resolve', { outcome: 'false-alarm' }],
    ] as const) {
      const refused = await supervisor.json('POST', path, body);
      expect(refused.status, path).toBe(409);
      expect(refused.body.error).toBe('ALREADY_HANDLED');
      expect(refused.body.message).toContain('olive');
    }
    expect(await commandsOf('c1')).toEqual(['olive']);

    // Both press at the same moment: one command goes out, the other is told who has it.
    await storeAlert(env.pool, 'hub-two', hubAlert('c2'));
    env.hub.ignore.set('c2', Infinity);
    const both = await Promise.all([
      operator.json('POST', '/api/alerts/hub-two/c2/ack', {}),
      supervisor.json('POST', '/api/alerts/hub-two/c2/ack', {}),
    ]);
    expect(both.map((a) => a.status).sort()).toEqual([202, 409]);
    expect(await commandsOf('c2')).toHaveLength(1);

    // Acknowledged already, by the hub's own responder: not acknowledged again from the centre.
    await storeAlert(
      env.pool,
      'hub-two',
      hubAlert('c3', { state: 'acknowledged', acknowledgedBy: 'responder-1', acknowledgedAt: '2026-11-30T03:01:00Z' }),
    );
    const taken = await operator.json('POST', '/api/alerts/hub-two/c3/ack', {});
    expect(taken.status).toBe(409);
    expect(taken.body.message).toBe('Already acknowledged by responder-1');
    expect(await commandsOf('c3')).toEqual([]);

    // The centre's own alert, acknowledged by Olive: Sam is told so, not answered "done" as if it were his.
    await storeAlert(
      env.pool,
      'hub-two',
      hubAlert('off2', { kind: 'hub-offline', severity: 'high', homeId: undefined, room: undefined, detail: {} }),
      'centre',
    );
    expect((await operator.json('POST', '/api/alerts/hub-two/off2/ack', {})).status).toBe(200);
    const second = await supervisor.json('POST', '/api/alerts/hub-two/off2/ack', {});
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: 'ALREADY_HANDLED', message: 'Already acknowledged by centre:olive' });
    expect(
      (await supervisor.json('POST', '/api/alerts/hub-two/off2/resolve', { outcome: 'no-action-needed' })).status,
    ).toBe(200);
  });

  it('audits every action: who, when, what, and never the note', async () => {
    const { body } = await admin.json('GET', '/api/audit');
    const actions = (body as { operator: string; action: string; hubId: string | null }[]).map(
      (a) => `${a.operator} ${a.action} ${a.hubId ?? ''}`,
    );
    expect(actions).toContain('olive acknowledge hub-ack');
    expect(actions).toContain('olive resolve hub-res');
    expect(actions).toContain('olive resolve hub-down');
    expect(actions).toContain('admin operator-create ');
    expect(JSON.stringify(body)).not.toContain('Daughter visited');
  });

  it('lists the hubs, offline first, with the last heartbeat and open alerts', async () => {
    await storeHub(env.pool, 'aaa-online', {
      status: 'online',
      lastSeenAt: new Date(),
      heartbeat: { hubId: 'aaa-online', at: new Date().toISOString(), uptimeS: 3600, queue: 4, openAlerts: 1 },
    });
    const { status, body } = await supervisor.json('GET', '/api/hubs');
    expect(status).toBe(200);
    const hubs = body as { hubId: string; status: string; lastHeartbeat: Json; openAlerts: number }[];
    const firstOnline = hubs.findIndex((h) => h.status !== 'offline');
    expect(hubs.slice(0, firstOnline).every((h) => h.status === 'offline')).toBe(true);
    expect(hubs.slice(firstOnline).every((h) => h.status !== 'offline')).toBe(true);
    expect(hubs.find((h) => h.hubId === 'aaa-online')).toMatchObject({ lastHeartbeat: { queue: 4, uptimeS: 3600 } });
    expect(hubs.find((h) => h.hubId === 'list-b')?.openAlerts).toBe(2);
  });

  it('lists a quarantined hub as such, after the offline hubs, until its quarantine is lifted', async () => {
    await storeHub(env.pool, 'aab-shut-out', { status: 'online', lastSeenAt: new Date(Date.now() - 3_600_000) });
    const quarantine = hubAlert('q1', { kind: 'hub-quarantined', severity: 'high', homeId: undefined, detail: {} });
    await storeAlert(env.pool, 'aab-shut-out', quarantine, 'centre');
    const list = async (): Promise<{ hubId: string; status: string; quarantined: boolean }[]> =>
      (await supervisor.json('GET', '/api/hubs')).body as { hubId: string; status: string; quarantined: boolean }[];
    const hubs = await list();
    const at = hubs.findIndex((h) => h.hubId === 'aab-shut-out');
    expect(hubs[at]).toMatchObject({ status: 'online', quarantined: true });
    expect(hubs.slice(0, at).every((h) => h.status === 'offline' || h.quarantined)).toBe(true);
    expect(hubs.slice(at + 1).every((h) => h.status !== 'offline')).toBe(true);
    expect(hubs.filter((h) => h.hubId !== 'aab-shut-out').every((h) => !h.quarantined)).toBe(true);
    // Lifted (its alert resolved): an ordinary hub again.
    expect(
      (await supervisor.json('POST', '/api/alerts/aab-shut-out/q1/resolve', { outcome: 'no-action-needed' })).status,
    ).toBe(200);
    expect((await list()).find((h) => h.hubId === 'aab-shut-out')).toMatchObject({ quarantined: false });
  });
  it('lets no reader single out the one resident who fell in a council of two homes, whatever the period', async () => {
    for (const home of ['pa', 'pb']) {
      for (let i = 0; i < 10; i++) {
        const day = new Date(Date.parse('2026-10-05T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10);
        await env.pool.query(`INSERT INTO central_features (hub_id, home, day, features) VALUES ($1, $2, $3, $4)`, [
          'two-homes',
          home,
          day,
          { date: day, activeMinutes: 200, alerts: home === 'pa' && i === 3 ? 1 : 0 },
        ]);
      }
    }
    await storeAlert(
      env.pool,
      'two-homes',
      hubAlert('only-fall', {
        kind: 'fall',
        severity: 'critical',
        homeId: 'home-pa',
        residentId: 'resident-pa',
        raisedAt: '2026-10-08T02:10:00.000Z',
        state: 'resolved',
        acknowledgedAt: '2026-10-08T02:10:40.000Z',
        outcome: 'hospital-admission',
      }),
    );
    // Every number a reader sees is 0, a rounded count of 8 or more, a share of published counts, or a setting.
    const leaves = (value: Json, key = ''): [string, Json][] =>
      typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([k, v]) => leaves(v, k))
        : [[key, value]];
    for (const [from, to] of [
      ['2026-10-05', '2026-10-14'],
      ['2026-10-08', '2026-10-08'],
      ['2026-10-07', '2026-10-09'],
    ]) {
      const { status, body } = await supervisor.json('GET', `/api/reports/council?from=${from}&to=${to}`);
      expect(status).toBe(200);
      for (const [key, value] of leaves([body.weeks, body.total, body.hubs])) {
        if (typeof value !== 'number' || key.startsWith('share') || key === 'followUpDays') continue;
        expect(value === 0 || (value >= 10 && value % 5 === 0), `${from}..${to} ${key} = ${String(value)}`).toBe(true);
      }
      expect(body.total.falls).toMatchObject({ total: '*', fall: '*' });
      expect(body.total.acknowledgement.medianSeconds).toBe('*');
      const text =
        JSON.stringify(body) +
        (await (await supervisor.request('GET', `/api/reports/council?from=${from}&to=${to}&format=csv`)).text());
      expect(text).not.toMatch(/two-homes|home-pa|resident-pa|only-fall|"pa"|"pb"|,pa,|,pb,/);
    }
  });

  it("makes the council report over every hub by week, with the hub report's suppression, as JSON and CSV", async () => {
    const homes = (hub: string, names: string[], from: string, days: number): Promise<unknown>[] =>
      names.flatMap((home) =>
        Array.from({ length: days }, (_, i) => {
          const day = new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
          return env.pool.query(`INSERT INTO central_features (hub_id, home, day, features) VALUES ($1, $2, $3, $4)`, [
            hub,
            home,
            day,
            { date: day, activeMinutes: 300, alerts: 0 },
          ]);
        }),
      );
    // Week from Monday 2 November: 9 homes on two hubs (the same pseudonym on two hubs is two homes); the next: 3.
    await Promise.all([
      ...homes('rep-1', ['a1', 'a2', 'a3', 'a4', 'a5'], '2026-11-02', 7),
      ...homes('rep-2', ['a1', 'a2', 'a3', 'a4'], '2026-11-02', 7),
      ...homes('rep-2', ['b1', 'b2', 'b3'], '2026-11-09', 7),
    ]);
    // Ten pendant calls acknowledged within 30 s in the first week; one routine-change flag followed by a fall.
    for (let i = 0; i < 10; i++) {
      const raisedAt = `2026-11-0${3 + (i % 5)}T10:00:00.000Z`;
      await storeAlert(
        env.pool,
        'rep-1',
        hubAlert(`p${i}`, {
          kind: 'pendant',
          severity: 'critical',
          homeId: `h${i}`,
          raisedAt,
          state: 'resolved',
          acknowledgedAt: new Date(Date.parse(raisedAt) + 30_000).toISOString(),
          outcome: i < 8 ? 'false-alarm' : 'ambulance',
        }),
      );
    }
    await storeAlert(
      env.pool,
      'rep-2',
      hubAlert('rc', {
        kind: 'routine-change',
        severity: 'low',
        homeId: 'h1',
        raisedAt: '2026-11-10T08:00:00Z',
        detail: { feature: 'bathroomVisitsNight' },
      }),
    );
    await storeAlert(
      env.pool,
      'rep-2',
      hubAlert('fa', { kind: 'fall', severity: 'critical', homeId: 'h1', raisedAt: '2026-11-12T08:00:00Z' }),
    );
    // The centre's own alerts are about hubs, not people: never in the report.
    await storeAlert(
      env.pool,
      'rep-2',
      hubAlert('off', { kind: 'hub-offline', raisedAt: '2026-11-04T08:00:00Z' }),
      'centre',
    );

    const { status, body } = await supervisor.json('GET', '/api/reports/council?from=2026-11-04&to=2026-11-15');
    expect(status).toBe(200);
    expect(body.weeks.map((w: Json) => [w.from, w.to])).toEqual([
      ['2026-11-04', '2026-11-08'],
      ['2026-11-09', '2026-11-15'],
    ]);
    const [first, second] = body.weeks;
    expect(first.homesMonitored).toBe(10); // 9, rounded to 5
    expect(first.homeDays).toBe(50); // 9 homes × 5 days = 45, rounded to 25 (5 × 5 days; session 70)
    expect(first.alerts.total).toBe(10);
    expect(first.alerts.byKind).toMatchObject({ pendant: 10, fall: 0 });
    expect(first.acknowledgement).toMatchObject({ alerts: 10, within60s: 10, shareWithin60s: 1, medianSeconds: 30 });
    // Outcomes for the whole period only (session 72: a week's, set against its kinds, told what they hid).
    expect(first.outcomes).toBeNull();
    expect(body.total.outcomes).toMatchObject({ 'false-alarm': '*', ambulance: '*' });
    expect(second.homesMonitored).toBe('*'); // 3
    expect(second.falls).toMatchObject({ total: '*', fall: '*' });
    expect(second.routineChanges).toMatchObject({
      flags: '*',
      followedByFall: '*',
      byFeature: { bathroomVisitsNight: '*' },
    });
    expect(body.total.homesMonitored).toBe(10); // 12 homes
    expect(body.total.alerts.total).toBe(10); // 12 alerts
    expect(body.hubs).toBe('*');
    expect(JSON.stringify(body)).not.toMatch(/rep-1|rep-2|"a1"|"h1"/);

    const csv = await supervisor.request('GET', '/api/reports/council?from=2026-11-04&to=2026-11-15&format=csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('week,section,item,measure,value');
    expect(lines).toContain('2026-11-04,summary,homes,monitored,10');
    expect(lines).toContain('2026-11-09,summary,homes,monitored,*');
    expect(lines).toContain('all,alerts,all,count,10');
    expect((await supervisor.json('GET', '/api/reports/council?from=2026-11-15&to=2026-11-01')).status).toBe(400);
  });
  it('creates the first admin with a password shown once the console answers, again until first used, or from CENTRAL_ADMIN_PASSWORD', async () => {
    await env.pool.query('CREATE DATABASE fresh_console');
    await env.pool.query('CREATE DATABASE env_console');
    const base = new URL(env.postgres.url);
    const poolOf = (db: string): pg.Pool => {
      const url = new URL(base);
      url.pathname = `/${db}`;
      const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
      pool.on('error', () => undefined);
      return pool;
    };
    const fresh = poolOf('fresh_console');
    const shown: string[] = [];
    const options = {
      nc: env.nc,
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      announce: (l: string) => shown.push(l),
    };
    // A first start that cannot listen (the port is taken) shows no password it has no console for...
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as AddressInfo).port;
    await expect(startConsole({ ...options, port: takenPort, pool: fresh })).rejects.toThrow(/EADDRINUSE/);
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    expect(shown).toEqual([]);
    // ...and the next start shows one, with where to log in, until someone has logged in with it.
    let running = await startConsole({ ...options, pool: fresh });
    expect(shown).toHaveLength(1);
    expect(shown[0]).toContain(running.url);
    const unused = /password: (\S+) /.exec(shown[0]!)?.[1] ?? '';
    await running.close();
    running = await startConsole({ ...options, pool: fresh });
    expect(shown).toHaveLength(2);
    const password = /password: (\S+) /.exec(shown[1]!)?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(password).not.toBe(unused);
    expect((await new ConsoleClient(running.url).login('admin', unused)).status).toBe(401);
    expect((await new ConsoleClient(running.url).login('admin', password)).status).toBe(200);
    await running.close();
    // A restart shows nothing and keeps the password.
    running = await startConsole({ ...options, pool: fresh });
    expect(shown).toHaveLength(2);
    expect((await new ConsoleClient(running.url).login('admin', password)).status).toBe(200);
    await running.close();
    await fresh.end();

    const fromEnv = poolOf('env_console');
    process.env.CENTRAL_ADMIN_PASSWORD = 'from-the-environment';
    try {
      running = await startConsole({ ...options, pool: fromEnv });
    } finally {
      delete process.env.CENTRAL_ADMIN_PASSWORD;
    }
    expect(shown).toHaveLength(2);
    expect((await new ConsoleClient(running.url).login('admin', 'from-the-environment')).status).toBe(200);
    await running.close();
    await fromEnv.end();
  });

  it('ignores a notification that is not JSON or names no stored alert, and goes on live', async () => {
    const stream = await operator.stream();
    try {
      await vi.waitFor(() => expect(stream.events.some((e) => e.event === 'ready')).toBe(true), WAIT);
      await env.pool.query(
        `SELECT pg_notify('central_alert', 'not json'), pg_notify('central_alert', '{"hubId":"x","alertId":"nope","version":1}')`,
      );
      await storeAlert(env.pool, 'after-junk', hubAlert('j1'));
      await vi.waitFor(
        () => expect(stream.events.some((e) => e.event === 'alert' && e.data.alertId === 'j1')).toBe(true),
        WAIT,
      );
      expect(stream.events.some((e) => e.event === 'alert' && e.data.alertId === 'nope')).toBe(false);
    } finally {
      stream.close();
    }
  });
  it('ends the live stream of an operator who is removed', async () => {
    await createOperator(env.pool, { username: 'leaver', role: 'operator', password: PASSWORD });
    const leaver = new ConsoleClient(env.url);
    expect((await leaver.login('leaver', PASSWORD)).status).toBe(200);
    const stream = await leaver.stream();
    try {
      await vi.waitFor(() => expect(stream.events.some((e) => e.event === 'ready')).toBe(true), WAIT);
      expect(stream.ended()).toBe(false);
      expect((await admin.request('DELETE', '/api/operators/leaver')).status).toBe(204);
      await vi.waitFor(() => expect(stream.ended()).toBe(true), WAIT);
      expect((await leaver.json('GET', '/api/alerts')).status).toBe(401);
      expect((await admin.request('DELETE', '/api/operators/admin')).status).toBe(409);
    } finally {
      stream.close();
    }
  });
});
