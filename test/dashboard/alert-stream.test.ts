// The live alert stream over a real socket: open alerts first, every new version after, resuming from Last-Event-ID,
// heartbeats, cleanup on close.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import type { Alert } from '../../hub/alerts/api.js';
import { AlertJournal } from '../../dashboard/routes/alert-stream.js';
import {
  ADMIN_PASSWORD,
  listenLocally,
  login,
  raiseAlert,
  startDashboard,
  userWithRole,
  type Dashboard,
} from './support.js';

interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/** A real HTTP client reading text/event-stream; `next(n)` waits for n more events, comments (heartbeats) counted apart. */
class StreamReader {
  readonly events: SseEvent[] = [];
  comments = 0;
  status = 0;
  /** The server ended the response (or the connection failed). */
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private request: http.ClientRequest;
  readonly closed: Promise<void>;

  constructor(url: string, headers: Record<string, string>) {
    let resolveClosed!: () => void;
    this.closed = new Promise((resolve) => (resolveClosed = resolve));
    const onClosed = (): void => {
      this.ended = true;
      resolveClosed();
      this.wake();
    };
    this.request = http.get(url, { headers }, (res) => {
      this.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.take(chunk));
      res.on('close', onClosed);
      this.wake();
    });
    this.request.on('error', onClosed);
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (block.startsWith(':')) this.comments++;
      else {
        const fields = Object.fromEntries(
          block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
        );
        if (fields.event) this.events.push({ event: fields.event, id: fields.id, data: fields.data ?? '' });
      }
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  alerts(): { id: string; state: string; version: number; kind: string }[] {
    return this.events.filter((e) => e.event === 'alert').map((e) => JSON.parse(e.data));
  }

  close(): void {
    this.request.destroy();
  }
}

let dashboard: Dashboard;
let base: string;
let responder: string;
const clock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));

beforeAll(async () => {
  dashboard = await startDashboard({ clock, sseHeartbeatSeconds: 0.2 });
  responder = await userWithRole(dashboard.app, 'responder', 'sam');
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
});
afterAll(async () => dashboard.close());

const clients = () =>
  dashboard.deps.metrics
    .getSingleMetric('telecare_dashboard_sse_clients')!
    .get()
    .then((m) => m.values[0]?.value ?? 0);
async function waitForClients(count: number): Promise<void> {
  while ((await clients()) !== count) await new Promise((r) => setTimeout(r, 20));
}

describe('the alert stream', () => {
  it('sends the open alerts first, then each new version as it happens, and heartbeats', async () => {
    const earlier = raiseAlert(dashboard.alerts, clock, { kind: 'smoke' });
    const stream = new StreamReader(`${base}/api/alerts/stream`, { cookie: responder });
    try {
      await stream.until(() => stream.events.some((e) => e.event === 'ready'));
      expect(stream.status).toBe(200);
      expect(stream.alerts().map((a) => a.id)).toEqual([earlier.id]);

      const pendant = raiseAlert(dashboard.alerts, clock, { kind: 'pendant' });
      await stream.until(() => stream.alerts().some((a) => a.id === pendant.id));
      const ack = await fetch(`${base}/api/alerts/${pendant.id}/ack`, {
        method: 'POST',
        headers: { cookie: responder },
      });
      expect(ack.status).toBe(200);
      await stream.until(() => stream.alerts().some((a) => a.id === pendant.id && a.state === 'acknowledged'));

      const seen = stream.alerts().filter((a) => a.id === pendant.id);
      expect(seen.map((a) => a.state)).toEqual(['raised', 'acknowledged']);
      expect(seen[1]?.version ?? 0).toBeGreaterThan(seen[0]?.version ?? Infinity);
      // Live versions carry an id (a position of this hub process) a reconnecting client resumes from.
      const ids = stream.events.filter((e) => e.event === 'alert').map((e) => e.id);
      expect(ids[0]).toBeUndefined();
      expect(ids.slice(1)).toEqual([
        expect.stringMatching(/^[0-9a-f]+-\d+$/),
        expect.stringMatching(/^[0-9a-f]+-\d+$/),
      ]);

      await stream.until(() => stream.comments >= 1);
    } finally {
      stream.close();
    }
  });

  it('a client that reconnects with Last-Event-ID gets only what changed while it was away, then ready (resumed)', async () => {
    const co = raiseAlert(dashboard.alerts, clock, { kind: 'co', homeId: 'h2' });
    const flood = raiseAlert(dashboard.alerts, clock, { kind: 'flood', homeId: 'h2' });
    const first = new StreamReader(`${base}/api/alerts/stream`, { cookie: responder });
    let lastEventId: string | undefined;
    try {
      await first.until(() => first.events.some((e) => e.event === 'ready'));
      const tamper = raiseAlert(dashboard.alerts, clock, { kind: 'tamper', homeId: 'h2', severity: 'medium' });
      await first.until(() => first.alerts().some((a) => a.id === tamper.id));
      lastEventId = first.events.filter((e) => e.id !== undefined).at(-1)!.id;
    } finally {
      first.close();
    }
    await first.closed;

    // While the console is away: one alert acknowledged, one resolved, one new; the tamper alert does not change.
    expect(dashboard.alerts.acknowledge(co.id, 'sam').ok).toBe(true);
    expect(dashboard.alerts.acknowledge(flood.id, 'sam').ok).toBe(true);
    expect(dashboard.alerts.resolve(flood.id, 'false-alarm', null, 'sam').ok).toBe(true);
    const heat = raiseAlert(dashboard.alerts, clock, { kind: 'heat', homeId: 'h2', severity: 'medium' });

    const again = new StreamReader(`${base}/api/alerts/stream`, { cookie: responder, 'last-event-id': lastEventId! });
    try {
      await again.until(() => again.events.some((e) => e.event === 'ready'));
      // Newest version of each alert that changed, in the order of their last change; nothing it already had.
      expect(again.alerts().map((a) => [a.kind, a.state])).toEqual([
        ['co', 'acknowledged'],
        ['flood', 'resolved'],
        ['heat', 'raised'],
      ]);
      expect(JSON.parse(again.events.at(-1)!.data)).toEqual({ resumed: true, changes: 3 });
      // And it carries on live from there.
      dashboard.alerts.resolve(heat.id, 'no-action-needed', null, 'sam');
      await again.until(() => again.alerts().some((a) => a.id === heat.id && a.state === 'resolved'));
      const resumeId = again.events.filter((e) => e.id !== undefined).at(-1)!.id!;

      // An id from another hub process (or malformed): the open alerts afresh, and the client drops the others.
      for (const stale of ['0badc0ffee00-3', 'garbage', resumeId.replace(/\d+$/, '999999')]) {
        const fresh = new StreamReader(`${base}/api/alerts/stream`, { cookie: responder, 'last-event-id': stale });
        try {
          await fresh.until(() => fresh.events.some((e) => e.event === 'ready'));
          const open = dashboard.alerts.list({ state: 'open' });
          expect(
            fresh
              .alerts()
              .map((a) => a.id)
              .sort(),
          ).toEqual(open.map((a) => a.id).sort());
          expect(JSON.parse(fresh.events.at(-1)!.data)).toEqual({ open: open.length, resumed: false });
        } finally {
          fresh.close();
        }
      }
    } finally {
      again.close();
    }
  });

  it('a client too far behind the journal gets the open alerts afresh', async () => {
    const journal = new AlertJournal(2);
    const listeners: ((alert: Alert) => void)[] = [];
    journal.attach({
      subscribe: (listener) => {
        listeners.push(listener);
        return () => undefined;
      },
    });
    const version = (v: number) => ({ id: 'a1', version: v }) as Alert;
    const tell = (v: number) => listeners.forEach((l) => l(version(v)));
    tell(1);
    const afterFirst = journal.id(journal.head);
    tell(2);
    expect(journal.since(afterFirst)?.map((e) => e.alert.version)).toEqual([2]);
    tell(3);
    tell(4);
    // Versions 2 to 4 are not all held any more (2 kept): resuming after 1 would lose one.
    expect(journal.since(afterFirst)).toBeUndefined();
    expect(journal.since(journal.id(2))?.map((e) => e.alert.version)).toEqual([4]);
    expect(journal.since(journal.id(4))).toEqual([]);
    expect(journal.since(journal.id(5))).toBeUndefined();
  });

  it('stops listening to the alert service when the client goes away', async () => {
    await waitForClients(0);
    const stream = new StreamReader(`${base}/api/alerts/stream`, { cookie: responder });
    await stream.until(() => stream.events.some((e) => e.event === 'ready'));
    expect(await clients()).toBe(1);
    stream.close();
    await waitForClients(0);
    // A new alert after the client left is not written anywhere (a write to a closed socket would throw here).
    raiseAlert(dashboard.alerts, clock, { kind: 'gas' });
    expect(await clients()).toBe(0);
  });

  it('refuses an analyst and a visitor with no login', async () => {
    const analyst = await userWithRole(dashboard.app, 'analyst', 'ana');
    const refused = await fetch(`${base}/api/alerts/stream`, { headers: { cookie: analyst } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toBe('FORBIDDEN_ROLE');
    expect((await fetch(`${base}/api/alerts/stream`)).status).toBe(401);
  });

  it('a responder removed by the admin stops receiving alerts at once on the stream they had open', async () => {
    const rita = await userWithRole(dashboard.app, 'responder', 'rita');
    const admin = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    const stream = new StreamReader(`${base}/api/alerts/stream`, { cookie: rita });
    try {
      await stream.until(() => stream.events.some((e) => e.event === 'ready'));
      const before = raiseAlert(dashboard.alerts, clock, { kind: 'pendant', homeId: 'h2' });
      await stream.until(() => stream.alerts().some((a) => a.id === before.id));
      const removed = await dashboard.app.inject({
        method: 'DELETE',
        url: '/api/users/rita',
        headers: { cookie: admin },
      });
      expect(removed.statusCode).toBe(204);
      const after = raiseAlert(dashboard.alerts, clock, { kind: 'fall', homeId: 'h2' });
      await stream.until(() => stream.ended || stream.alerts().some((a) => a.id === after.id));
      expect({ ended: stream.ended, sawAfter: stream.alerts().some((a) => a.id === after.id) }).toEqual({
        ended: true,
        sawAfter: false,
      });
    } finally {
      stream.close();
    }
  });

  it("a program's stream ends when its API token is revoked", async () => {
    const admin = await login(dashboard.app, 'admin', ADMIN_PASSWORD);
    const made = await dashboard.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie: admin },
      payload: { name: 'arc-feed', role: 'responder' },
    });
    const { id, token } = made.json<{ id: string; token: string }>();
    const stream = new StreamReader(`${base}/api/alerts/stream`, { authorization: `Bearer ${token}` });
    try {
      await stream.until(() => stream.events.some((e) => e.event === 'ready'));
      const revoked = await dashboard.app.inject({
        method: 'DELETE',
        url: `/api/tokens/${id}`,
        headers: { cookie: admin },
      });
      expect(revoked.statusCode).toBe(204);
      const after = raiseAlert(dashboard.alerts, clock, { kind: 'smoke', homeId: 'h2' });
      await stream.until(() => stream.ended || stream.alerts().some((a) => a.id === after.id));
      expect({ ended: stream.ended, sawAfter: stream.alerts().some((a) => a.id === after.id) }).toEqual({
        ended: true,
        sawAfter: false,
      });
    } finally {
      stream.close();
    }
  });

  it('a session that expires while its stream is open ends the stream at the next heartbeat', async () => {
    const ownClock = new FakeClock(Date.UTC(2026, 10, 22, 9, 0, 0));
    const other = await startDashboard({ clock: ownClock, sseHeartbeatSeconds: 0.1 });
    try {
      const cookie = await userWithRole(other.app, 'responder');
      const port = await listenLocally(other.app);
      const stream = new StreamReader(`http://127.0.0.1:${port}/api/alerts/stream`, { cookie });
      await stream.until(() => stream.events.some((e) => e.event === 'ready'));
      await stream.until(() => stream.comments >= 1);
      ownClock.advanceBy(13 * 3_600_000);
      await stream.closed;
      expect(stream.ended).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('ends open streams when the hub closes the app, so shutdown does not hang', async () => {
    const other = await startDashboard({ clock, sseHeartbeatSeconds: 60 });
    try {
      const cookie = await userWithRole(other.app, 'responder');
      const port = await listenLocally(other.app);
      const stream = new StreamReader(`http://127.0.0.1:${port}/api/alerts/stream`, { cookie });
      await stream.until(() => stream.events.some((e) => e.event === 'ready'));
      await other.app.close();
      await stream.closed;
    } finally {
      await other.close();
    }
  });
});
