// The console's first listing after a storm (review, session 64): the stream listed at most the 1,000 newest open
// alerts, so a responder who opened the console after a storm (a power cut on a scheme: every flat's sensors offline,
// pendants, doors) did not see the oldest open calls at all, and `ready.open` said 1,000 as if that were all; and a
// listing of more than the stream holds for a slow client (1 MiB) was written at once, so the console was dropped
// before its `ready`, again at each reconnection. `GET /api/alerts?state=open` (SPEC 9) gave the 200 newest without a
// word. The dashboard on a real SQLite file with the real alert service, the
// stream read over a real socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { listenLocally, raiseAlert, startDashboard, userWithRole, type Dashboard } from './support.js';
import { StreamReader } from './stream-reader.js';

/** More open alerts than the old cap: one pendant call in each of 1,050 flats. */
const FLATS = 1050;

let dashboard: Dashboard;
let base: string;
let responder: string;
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));

beforeAll(async () => {
  dashboard = await startDashboard({ clock });
  responder = await userWithRole(dashboard.app, 'responder', 'sam');
  base = `http://127.0.0.1:${await listenLocally(dashboard.app)}`;
}, 60_000);
afterAll(async () => dashboard.close());

/** Opens the stream as the responder and reads it up to its `ready` (or its end: the server dropped it). */
async function listing(): Promise<StreamReader> {
  const stream = new StreamReader(base, { cookie: responder });
  await stream.until(() => stream.ready() !== undefined || stream.ended);
  expect(stream.ended, 'the stream was dropped before its ready').toBe(false);
  return stream;
}

describe('the console opened after a storm of alerts', () => {
  it('lists every open alert, the oldest included, and counts them all in ready', async () => {
    const raised: string[] = [];
    for (let i = 0; i < FLATS; i++) {
      raised.push(raiseAlert(dashboard.alerts, clock, { homeId: `flat-${i}` }).id);
      clock.advanceBy(1000);
    }
    const oldest = raised[0]!;
    // One acknowledged meanwhile: still open, still listed.
    expect(dashboard.alerts.acknowledge(raised[1]!, 'sam').ok).toBe(true);

    const stream = await listing();
    try {
      const listed = stream.alerts().map((a) => a.id);
      expect(listed[0], 'the oldest open call, first').toBe(oldest);
      expect(new Set(listed)).toEqual(new Set(raised));
      expect(stream.ready()).toEqual({ open: FLATS, resumed: false });

      // Live versions after the list still come, once each.
      expect(dashboard.alerts.resolve(oldest, 'false-alarm', null, 'sam').ok).toBe(true);
      await stream.until(() => stream.alerts().some((a) => a.id === oldest && a.state === 'resolved'));
      expect(
        stream
          .alerts()
          .filter((a) => a.id === oldest)
          .map((a) => a.state),
      ).toEqual(['raised', 'resolved']);
    } finally {
      stream.close();
    }
  }, 120_000);

  it('writes a listing larger than a slow client may hold at the client pace, not dropping it before ready', async () => {
    // 600 more alerts of about 2 KB each (a long detail): the listing is over 2 MiB on the wire.
    const words = 'x'.repeat(2000);
    for (let i = 0; i < 600; i++) {
      raiseAlert(dashboard.alerts, clock, {
        homeId: `flat-${i}`,
        kind: 'sensor-offline',
        severity: 'medium',
        detail: { deviceId: `pir-${i}`, words },
      });
      clock.advanceBy(1000);
    }
    const open = dashboard.alerts.list({ state: 'open' });
    const stream = await listing();
    try {
      expect(
        stream
          .alerts()
          .map((a) => a.id)
          .sort(),
      ).toEqual(open.map((a) => a.id).sort());
      expect(stream.ready()).toEqual({ open: open.length, resumed: false });
    } finally {
      stream.close();
    }
  }, 120_000);

  it('answers GET /api/alerts?state=open with every open alert, and says when a limit leaves some out', async () => {
    const open = dashboard.alerts.list({ state: 'open' });
    expect(open.length).toBeGreaterThan(1000);
    const get = (query: string) => fetch(`${base}/api/alerts?${query}`, { headers: { cookie: responder } });

    const all = await get('state=open');
    expect(all.status).toBe(200);
    expect(all.headers.get('x-more-alerts')).toBeNull();
    const listed = (await all.json()) as { id: string }[];
    expect(listed.map((a) => a.id).sort()).toEqual(open.map((a) => a.id).sort());

    // A limit asked for is kept, newest first, and the answer says more match.
    const ten = await get('state=open&limit=10');
    expect(ten.headers.get('x-more-alerts')).toBe('true');
    expect(((await ten.json()) as { id: string }[]).map((a) => a.id)).toEqual(open.slice(0, 10).map((a) => a.id));
    // Other states keep their default of 200; a list that holds everything says nothing more.
    const resolved = await get('state=resolved');
    expect(resolved.headers.get('x-more-alerts')).toBeNull();
    expect(((await resolved.json()) as unknown[]).length).toBe(1);
    const every = await get('');
    expect(every.headers.get('x-more-alerts')).toBe('true');
    expect(((await every.json()) as unknown[]).length).toBe(200);
  });
});
