// HUB_FIRST_REVIEW_AFTER_S (session 62): when the routine review's first round runs after the hub starts (default a
// minute). The bench's check run sets it so that its review part need not wait a minute for the round. The real hub
// in-process on a fake clock, SQLite in a temp folder; the round is seen in routine_reviews, the rows it writes.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { resolveSettings } from '../../hub/main.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';

/** Monday 5 January 2026, 10:00 in London (GMT). */
const MONDAY_10AM = Date.UTC(2026, 0, 5, 10, 0, 0);

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('first-review-after');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Homes the routine review has marked reviewed (the table is made by the analytics thread's first use). */
function reviewedHomes(h: RunningHub): number {
  const table = h.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'routine_reviews'").get();
  if (table === undefined) return 0;
  return (h.db.prepare('SELECT count(DISTINCT home_id) AS n FROM routine_reviews').get() as { n: number }).n;
}

describe('HUB_FIRST_REVIEW_AFTER_S', () => {
  it('is 0 to 3,600 whole seconds; fractional, negative, huge or text stops the start with a clear error', () => {
    const after = (value?: string) =>
      resolveSettings({}, value === undefined ? {} : { HUB_FIRST_REVIEW_AFTER_S: value }, '/srv/hub').firstReviewAfterS;
    expect(after()).toBeUndefined();
    expect(after('')).toBeUndefined();
    expect(after('0')).toBe(0);
    expect(after('15')).toBe(15);
    expect(after('3600')).toBe(3600);
    for (const bad of ['3601', '99999', '-1', '1.5', '1e3', '0x10', 'soon', ' '])
      expect(() => after(bad)).toThrow(
        /HUB_FIRST_REVIEW_AFTER_S must be a whole number of seconds from 0 to 3600, not '/,
      );
  });

  it('runs the first routine review round that many seconds after the start, not a minute after', async () => {
    const clock = new FakeClock(MONDAY_10AM);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock, firstReviewAfterMs: 5_000 });
    clock.advanceBy(4_999);
    expect(reviewedHomes(hub)).toBe(0);
    // The round runs in the analytics thread: waited for in real time, the fake clock not moved on meanwhile (the
    // default round, a minute after the start, is then 55 s of this clock away).
    clock.advanceBy(1);
    const started = hub;
    await vi.waitFor(() => expect(reviewedHomes(started)).toBe(1), { timeout: 30_000, interval: 50 });
    expect(clock.now() - MONDAY_10AM).toBe(5_000);
  });

  it('is a minute when not set', async () => {
    const clock = new FakeClock(MONDAY_10AM);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock });
    clock.advanceBy(59_999);
    expect(reviewedHomes(hub)).toBe(0);
    clock.advanceBy(1);
    const started = hub;
    await vi.waitFor(() => expect(reviewedHomes(started)).toBe(1), { timeout: 30_000, interval: 50 });
  });
});
