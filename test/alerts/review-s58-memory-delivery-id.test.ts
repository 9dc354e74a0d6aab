// Review, session 58: every webhook posted from memory while storage failed (a full disk, another process holding the
// write lock) carried `X-Telecare-Delivery: 0`. A receiver doing what docs/alerts.md tells it ("keeps the
// X-Telecare-Delivery ids it saw in the last 5 minutes and drops a repeat") took the second one for a replay and dropped
// it: a pendant alert raised and then acknowledged from memory reached the call-centre platform as raised only, and a
// second alert within five minutes never reached it. Each delivery from memory now has an id of its own, never a
// stored delivery's. A real aedes broker, the real alert service on a real SQLite file, a real process holding the
// lock, a real HTTP receiver.
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertService } from '../../hub/alerts/service.js';
import { FakeClock } from '../../hub/clock.js';
import { holdWriteLock, type WriteLock } from '../support/write-lock.js';
import {
  homeConfig,
  pendantPress,
  startStage,
  waitFor,
  type AlertStage,
  type WebhookReceiver,
  type WebhookRequest,
} from './helpers.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

let stage: AlertStage;
let callCentre: WebhookReceiver;
let alerts: AlertService;
let db: Database.Database;
let lock: WriteLock | undefined;
const clock = new FakeClock(T0);

beforeEach(async () => {
  stage = await startStage();
  callCentre = await stage.webhook();
  const config = homeConfig([
    {
      id: 'cc-north',
      group: 'first',
      webhook: { url: callCentre.url, secret: 'north-secret', allowPrivateNetwork: true },
    },
  ]);
  ({ alerts, db } = await stage.alertService(config, clock));
});

afterEach(async () => {
  await lock?.kill();
  lock = undefined;
  await stage.close();
});

/** What a receiver following docs/alerts.md keeps: each request unless its delivery id was seen in the last 5 minutes. */
function keptByReceiver(requests: readonly WebhookRequest[]): { alertId: string; version: number }[] {
  const seen = new Set<string>();
  const kept: { alertId: string; version: number }[] = [];
  for (const request of requests) {
    const delivery = String(request.headers['x-telecare-delivery']);
    if (seen.has(delivery)) continue;
    seen.add(delivery);
    kept.push({
      alertId: String(request.headers['x-telecare-alert-id']),
      version: Number(request.headers['x-telecare-alert-version']),
    });
  }
  return kept;
}

describe('webhooks posted from memory while storage fails', () => {
  it('each have a delivery id of their own, so a receiver that drops repeated ids keeps them all', async () => {
    lock = await holdWriteLock(stage.store.file);
    const raised = alerts.apply(pendantPress(clock.now()))!;
    await waitFor(() => callCentre.requests.length === 1, 'the raise, from memory');
    clock.advanceBy(30_000);
    expect(alerts.acknowledge(raised.id, 'responder-ann')).toMatchObject({ ok: true });
    await waitFor(() => callCentre.requests.length === 2, 'the acknowledgement, from memory');

    // Before the fix: both `X-Telecare-Delivery: 0`, the acknowledgement dropped as a replay.
    expect(keptByReceiver(callCentre.requests)).toEqual([
      { alertId: raised.id, version: 1 },
      { alertId: raised.id, version: 2 },
    ]);

    // Storage back: both are stored as delivered (not sent again); a later delivery's id is none of theirs.
    await lock.release();
    lock = undefined;
    clock.advanceBy(30_000);
    expect(alerts.resolve(raised.id, 'false-alarm', null, 'responder-ann')).toMatchObject({ ok: true });
    await waitFor(() => callCentre.requests.length === 3, 'the resolution, stored');
    await alerts.settled();
    expect(callCentre.requests).toHaveLength(3);
    const stored = db.prepare("SELECT id FROM alert_outbox WHERE channel = 'webhook'").pluck().all() as number[];
    expect(stored).toHaveLength(3);
    expect(String(callCentre.requests[2]!.headers['x-telecare-delivery'])).toBe(String(Math.max(...stored)));
    expect(keptByReceiver(callCentre.requests).map((k) => k.version)).toEqual([1, 2, 3]);
  });
});
