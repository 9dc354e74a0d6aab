// Review, session 67: a box replaced by a new one that carried its data over counted each alert open at the swap twice.
// An installer swapping a scheme's Pi keeps its data folder (the learned baselines, the open alerts) and gives the new
// box another HUB_ID (a retired id is never given again), then retires the old one with `--replaced-by` (session 63).
// The new box restates every open alert at its start (hub/uplink.ts) under its own hub id, while the centre's copy
// under the old id was cancelled by the retirement. The council report made alert ids unique per hub, so each such alert
// counted under both boxes: ten residents' falls, open when the box was swapped and closed by the new box with a
// hospital admission, read as twenty falls, ten of them calls never answered and cancelled. Real console and
// PostgreSQL; the retirement through `retireHubAtCentre` (what `telecare central hub remove` runs at the centre), the
// alert versions stored as the workers store them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { retireHubAtCentre } from '../../central/retire.js';
import {
  ConsoleClient,
  hubAlert,
  missingForConsole,
  consoleWithSupervisor,
  storeAlert,
  type ConsoleEnv,
  type Json,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the carried-over alerts test: ${missing}`);

const PASSWORD = 'a-long-password-1';
const OLD_BOX = 's67-scheme-old';
const NEW_BOX = 's67-scheme-new';
const OTHER = 's67-other-hub';

describe.skipIf(missing !== undefined)('the council report after a box whose data was carried over', () => {
  let env: ConsoleEnv;
  let supervisor: ConsoleClient;
  // Long after the week of 6 July 2026 and its follow-up: the report is final.
  const clock = new FakeClock(Date.UTC(2026, 7, 10, 9, 0, 0));

  beforeAll(async () => {
    ({ env, supervisor } = await consoleWithSupervisor({ clock }, PASSWORD));
  });

  afterAll(async () => {
    await env?.stop();
  });

  const fall = (i: number, overrides: Record<string, unknown>): Record<string, unknown> =>
    hubAlert(`mr5x0-fall-${String(i)}`, {
      kind: 'fall',
      severity: 'critical',
      homeId: `flat-${String(i)}`,
      raisedAt: '2026-07-07T10:00:00.000Z',
      acknowledgedAt: '2026-07-07T10:00:40.000Z',
      acknowledgedBy: 'resp',
      state: 'acknowledged',
      lastSeenAt: '2026-07-07T10:00:00.000Z',
      version: 2,
      ...overrides,
    });

  it('counts each alert the new box restated once, as the new box closed it', async () => {
    // Ten falls on Tuesday 7 July at the old box, answered within a minute, still open when the box is swapped.
    for (let i = 0; i < 10; i++) await storeAlert(env.pool, OLD_BOX, fall(i, {}));
    // Ten falls of another hub whose alert ids happen to be the same: theirs, counted as before.
    for (let i = 0; i < 10; i++) {
      await storeAlert(
        env.pool,
        OTHER,
        fall(i, { state: 'resolved', resolvedAt: '2026-07-07T11:00:00.000Z', outcome: 'carer-visit', version: 3 }),
      );
    }
    // Wednesday: the old box retired, replaced by the new one, which starts on the old box's data and restates the
    // open alerts under its own id, then closes them (the residents admitted to hospital).
    const retired = await retireHubAtCentre(env.pool, OLD_BOX, 'ian', new Date('2026-07-08T09:00:00.000Z'), NEW_BOX);
    expect(retired.closedAlerts).toBe(10);
    for (let i = 0; i < 10; i++) {
      await storeAlert(env.pool, NEW_BOX, fall(i, {}));
      await storeAlert(
        env.pool,
        NEW_BOX,
        fall(i, {
          state: 'resolved',
          resolvedAt: '2026-07-08T12:00:00.000Z',
          outcome: 'hospital-admission',
          version: 3,
        }),
      );
    }
    const { status, body } = await supervisor.json('GET', '/api/reports/council?from=2026-07-06&to=2026-07-12');
    expect(status).toBe(200);
    const week: Json = body.total;
    expect(week.falls.total).toBe(20);
    expect(week.acknowledgement.alerts).toBe(20);
    expect(week.acknowledgement.within60s).toBe(20);
    expect(week.outcomes).toMatchObject({ 'hospital-admission': 10, 'carer-visit': 10, cancelled: 0, open: 0 });
    expect(week.falls.outcomes).toMatchObject({ 'hospital-admission': 10, 'carer-visit': 10, cancelled: 0 });
  });
});
