// Review, session 63: learned normal rebuilt from the stored events learned the hub's past downtimes. When the saved
// rules state is of another version (an upgrade that changed its shape), the runner rebuilds learned normal from every
// stored event (issue 11). Session 62 made a start tell the rules that nothing was heard while the hub was down, but
// the rebuild replays months of events across every earlier downtime with nothing to say where they were: a 12-hour
// power cut on a Tuesday morning was learned again as a 12-hour silence of the resident's, and a collapse on a later
// Tuesday morning was called at the 12 h cap instead of in about 2.5 h. The hub's runs (`hub_runs`, noted every five
// minutes while it runs) say when it was off: the rebuild now tells the rules at the end of each such span.
// The real rules runner on a SQLite file, stopped and started again on it, a fake clock.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { noteHubRunning } from '../../analytics/store.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RuleDecision } from '../../rules/types.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { clockedRules, inactivityOnlyHome, upAndAbout, type ClockedRules } from '../support/clocked-hub.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';

/** Monday 5 January 2026, 00:00 in London (GMT). */
const MONDAY = Date.UTC(2026, 0, 5);
const DAY_MS = 24 * HOUR_MS;
const CONFIG = inactivityOnlyHome(ONE_HOME_CONFIG.homes[0]);
const STATE_KEY = 'rules-engine';

describe('learned normal rebuilt from the stored events after an upgrade', () => {
  let dir: string | undefined;
  let rules: ClockedRules | undefined;
  afterEach(() => {
    rules?.close();
    rules = undefined;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(notedRuns: boolean): Promise<{ kind: string; at: number }[]> {
    dir = tempDir('rebuilt-downtime');
    const file = path.join(dir, 'hub.db');
    const clock = new FakeClock(MONDAY);
    const raised: { kind: string; at: number }[] = [];
    let runStartedAt = MONDAY;
    const start = (): void => {
      rules = clockedRules(file, clock, parseHubConfig(CONFIG).homes, (ds: RuleDecision[]) => {
        for (const d of ds) if (d.type === 'raise') raised.push({ kind: d.kind, at: d.at });
      });
      runStartedAt = clock.now();
      if (notedRuns) noteHubRunning(rules.db, runStartedAt, runStartedAt);
      rules.runner.start();
    };
    const stop = (): void => {
      if (notedRuns) noteHubRunning(rules!.db, runStartedAt, clock.now());
      rules!.close();
      rules = undefined;
    };
    /** Up and about from `from` to `to` (ms after the day's midnight): a movement every 20 minutes. */
    const about = (day: number, from: number, to: number): Promise<void> =>
      upAndAbout(clock, (e) => rules!.send(e), MONDAY + day * DAY_MS, from, to);
    start();
    for (let day = 0; day < 22; day++) {
      if (day === 8) {
        // Tuesday 13 January: the hub is down from 07:50 to 20:00 (a power cut); the resident went on as every day.
        await about(day, 7 * HOUR_MS, 7 * HOUR_MS + 40 * MINUTE_MS);
        clock.advanceTo(MONDAY + day * DAY_MS + 7 * HOUR_MS + 50 * MINUTE_MS);
        stop();
        clock.advanceTo(MONDAY + day * DAY_MS + 20 * HOUR_MS);
        start();
        await about(day, 20 * HOUR_MS, 22 * HOUR_MS);
      } else await about(day, 7 * HOUR_MS, 22 * HOUR_MS);
    }
    // Monday 26 January, 23:00: the hub is upgraded to a version whose rules state has another shape. Its saved state
    // cannot be restored: learned normal is rebuilt from every stored event.
    clock.advanceTo(MONDAY + 21 * DAY_MS + 23 * HOUR_MS);
    stop();
    rules = clockedRules(file, clock, [], () => undefined);
    const saved = rules.store.loadRuleState(STATE_KEY);
    expect(saved).toBeDefined();
    rules.store.saveRuleState(STATE_KEY, { ...(saved!.state as object), version: -1 }, saved!.lastEventId);
    rules.close();
    rules = undefined;
    clock.advanceTo(MONDAY + 21 * DAY_MS + 23 * HOUR_MS + 10 * MINUTE_MS);
    start();
    // Tuesday 27 January: up at 07:00, and nothing after 07:40 (a collapse). The day is watched to its end.
    raised.length = 0;
    await about(22, 7 * HOUR_MS, 7 * HOUR_MS + 40 * MINUTE_MS);
    clock.advanceTo(MONDAY + 23 * DAY_MS);
    return raised;
  }

  const collapse = MONDAY + 22 * DAY_MS + 7 * HOUR_MS + 40 * MINUTE_MS;
  const firstCallHours = (raised: { kind: string; at: number }[]): number => {
    const first = raised.find((r) => r.kind === 'inactivity' || r.kind === 'possible-fall');
    expect(first).toBeDefined();
    return (first!.at - collapse) / HOUR_MS;
  };

  it('does not learn the hours the hub was down as a silence: a collapse on the same weekday is called in hours', async () => {
    // Her days' silences are 20 minutes: the learned threshold is near the 2 h floor (about 2.5 h), not the 12 h cap.
    expect(firstCallHours(await run(true))).toBeLessThan(4);
  });

  it('guard: with no runs noted (a hub from before they were), nothing tells the rebuild of the downtime', async () => {
    // What the rebuild knows comes from the noted runs: without them the power cut reads as her silence, as before.
    expect(firstCallHours(await run(false))).toBeGreaterThan(11);
  });
});
