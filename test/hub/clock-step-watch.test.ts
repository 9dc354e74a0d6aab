// A hub started before its network (a Pi with no real-time clock boots at the time it last saved) runs on a clock that
// reads behind until network time steps it forward. The rules then re-time what they saw meanwhile: the resident's
// last movement is where it really was, not the step's length back. The real rules runner on a SQLite file, a fake clock.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RuleDecision, SensorEvent } from '../../rules/types.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';
import { clockedRules, motion, type ClockedRules } from '../support/clocked-hub.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const config = parseHubConfig(ONE_HOME_CONFIG);

describe('a clock stepped forward after a start', () => {
  let dir: string;
  let rules: ClockedRules | undefined;
  let clock: FakeClock;
  let raised: { kind: string; wallAt: number }[];
  beforeEach(() => {
    dir = tempDir('clock-step-watch');
    clock = new FakeClock(T0);
    raised = [];
    rules = clockedRules(path.join(dir, 'hub.db'), clock, config.homes, (ds: RuleDecision[]) => {
      for (const d of ds) if (d.type === 'raise') raised.push({ kind: d.kind, wallAt: clock.now() });
    });
    rules.runner.start();
  });
  afterEach(() => {
    rules?.close();
    rules = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The resident walks between hall and kitchen for ten minutes from 09:00 on the hub's clock. */
  async function tenMinutesAbout(): Promise<void> {
    for (let i = 0; i < 10; i++) {
      await rules!.send(motion(i % 2 ? 'hall-pir' : 'kitchen-pir', clock.now()));
      clock.advanceBy(MINUTE_MS);
    }
  }

  it('an hour: the movement a minute before is not taken for an hour of silence (no possible fall)', async () => {
    await tenMinutesAbout();
    // Network time: the clock read an hour behind.
    clock.stepWall(HOUR_MS);
    clock.advanceBy(0);
    await rules!.send(motion('hall-pir', clock.now()));
    clock.advanceBy(MINUTE_MS);
    expect(raised).toEqual([]);
  });

  it('a month: no device is called offline', async () => {
    await tenMinutesAbout();
    clock.stepWall(30 * DAY_MS);
    clock.advanceBy(0);
    await rules!.send(motion('hall-pir', clock.now()));
    clock.advanceBy(MINUTE_MS);
    expect(raised).toEqual([]);
  });

  it('a silence across the step is called when it has really lasted its allowance, from the real last movement', async () => {
    await tenMinutesAbout();
    // The last movement was at 09:09 by the clock, 10:09 really; the step comes a minute later.
    clock.stepWall(HOUR_MS);
    clock.advanceBy(0);
    expect(raised).toEqual([]);
    // The hall's cold-start possible fall (45 min by day) falls due at 10:54 really.
    clock.advanceTo(T0 + HOUR_MS + 54 * MINUTE_MS - 1);
    expect(raised).toEqual([]);
    clock.advanceBy(1);
    expect(raised).toEqual([{ kind: 'possible-fall', wallAt: T0 + HOUR_MS + 54 * MINUTE_MS }]);
  });

  it('a pendant press before the step is raised at once and not again when it is re-timed', async () => {
    await tenMinutesAbout();
    const press: SensorEvent = { ...motion('hall-pir', clock.now()), deviceId: 'p1', type: 'pendant', kind: 'pendant' };
    await rules!.send(press);
    expect(raised.map((r) => r.kind)).toEqual(['pendant']);
    clock.stepWall(2 * HOUR_MS);
    clock.advanceBy(0);
    await rules!.send(motion('kitchen-pir', clock.now()));
    clock.advanceBy(MINUTE_MS);
    expect(raised.map((r) => r.kind)).toEqual(['pendant']);
  });
});
