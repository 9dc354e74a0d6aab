// Review, session 72: the centre's council report published each week's outcomes beside the same week's kinds, each
// cell suppressed (1 to 7 as `*`) and rounded on its own. A week of 8 pendant presses and one alert of each of four
// other kinds, all still open, published 10, `*`, `*`, `*`, `*` and open 10 (8 to 12): only 8, 1, 1, 1 and 1 fit. Now
// outcomes are published for the whole period only, counted over the period and published only when, against every
// week's kinds as published, they leave the period's total more than one possible number (and hold at least two
// outcomes). Real console, PostgreSQL and nats-server; an analyst's JSON and CSV over the HTTP API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  ConsoleClient,
  type ConsoleEnv,
  councilAnalyst,
  hubAlert,
  type Json,
  missingForConsole,
  startConsoleEnv,
  storeAlert,
  storeHub,
} from './console-env.js';
import { addedUp, linkedPossible, type Published } from '../support/council-reading.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the council outcomes test: ${missing}`);

const HUB = 's72-outcomes';
const KINDS = ['pendant', 'inactivity', 'night-exit', 'smoke', 'cold'];
const STAR = [1, 2, 3, 4, 5, 6, 7];

/** What the report leaves possible for the first week's kinds: against its own outcomes, else the period's. */
function firstWeekPossible(report: Json): number[][] {
  const weeks = report.weeks as Json[];
  const byKind = (w: Json): Record<string, Published> => w.alerts.byKind as Record<string, Published>;
  const first = KINDS.map((k) => byKind(weeks[0])[k]!);
  // Before: the week's own outcomes against the week's kinds (its other kinds are 0).
  if (weeks[0].outcomes !== null) return linkedPossible(first, Object.values(weeks[0].outcomes as object));
  // Now: the period's outcomes against every week's kinds, the first week's five first.
  const others = [
    ...Object.entries(byKind(weeks[0]))
      .filter(([kind]) => !KINDS.includes(kind))
      .map(([, cell]) => cell),
    ...weeks.slice(1).flatMap((w) => Object.values(byKind(w))),
  ];
  const outcomes = report.total.outcomes as Record<string, Published> | null;
  return linkedPossible([...first, ...others], outcomes === null ? null : Object.values(outcomes)).slice(
    0,
    KINDS.length,
  );
}

describe.skipIf(missing !== undefined)("review s72: a council report's outcomes tell nothing its kinds hide", () => {
  let env: ConsoleEnv;
  let nora: ConsoleClient;
  const clock = new FakeClock(Date.UTC(2026, 11, 16, 10, 0, 0));

  beforeAll(async () => {
    env = await startConsoleEnv({ clock });
    let n = 0;
    const store = async (kind: string, count: number, day: number, outcome?: string): Promise<void> => {
      for (let i = 0; i < count; i++) {
        n += 1;
        // Days of November (0 and below: of October).
        const raisedAt = new Date(Date.UTC(2026, 10, day, 9) + i * 3_600_000).toISOString();
        const closed = new Date(Date.UTC(2026, 10, day, 9) + i * 3_600_000 + 600_000).toISOString();
        await storeAlert(
          env.pool,
          HUB,
          hubAlert(`a${String(n)}`, {
            kind,
            severity: 'high',
            homeId: `flat-${String(n)}`,
            raisedAt,
            lastSeenAt: raisedAt,
            ...(outcome === undefined
              ? {}
              : { state: 'resolved', acknowledgedAt: raisedAt, resolvedAt: closed, outcome }),
          }),
        );
      }
    };
    // October (its weeks, Monday 28 September to Sunday 1 November): 12 pendant presses still open, 10 inactivity
    // alerts closed as false alarms.
    await store('pendant', 12, 6 - 31);
    await store('inactivity', 10, 13 - 31, 'false-alarm');
    // The week of Monday 2 November: 8 pendant presses and one alert of each of four other kinds, none closed.
    await store('pendant', 8, 3);
    for (const kind of KINDS.slice(1)) await store(kind, 1, 4);
    // The week of Monday 16 November: 10 pendant presses closed as false alarms, 10 inactivity alerts needing nothing.
    await store('pendant', 10, 17, 'false-alarm');
    await store('inactivity', 10, 18, 'no-action-needed');
    await storeHub(env.pool, HUB, { status: 'online', lastSeenAt: new Date(clock.now()) });
    nora = await councilAnalyst(env, [HUB]);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it("gives outcomes for the whole period only, which leave every week's hidden kinds possible", async () => {
    const res = await nora.json('GET', '/api/reports/council?from=2026-11-02&to=2026-11-29');
    expect(res.status).toBe(200);
    const report = res.body;
    const weeks = report.weeks as Json[];
    expect(KINDS.map((k) => weeks[0].alerts.byKind[k])).toEqual([10, '*', '*', '*', '*']);
    // Before: the first week's outcomes were open 10, other outcomes 0: its kinds 8, 1, 1, 1 and 1 exactly.
    expect(firstWeekPossible(report)).toEqual([[8, 9, 10, 11, 12], STAR, STAR, STAR, STAR]);
    for (const week of weeks) {
      expect([week.outcomes, week.falls.outcomes, week.routineChanges.outcomes]).toEqual([null, null, null]);
    }
    // The period's own: 12 open, 10 false alarms, 10 needing nothing (before: the weeks' as shown added up).
    expect(report.total.outcomes).toMatchObject({ open: 10, 'false-alarm': 10, 'no-action-needed': 10, ambulance: 0 });
    expect(report.disclosure).toMatch(/Outcomes are given for the period as a whole only/);

    // The CSV an officer downloads: outcome rows in the whole period's column alone.
    const csv = (
      await (await nora.request('GET', '/api/reports/council?from=2026-11-02&to=2026-11-29&format=csv')).text()
    )
      .split('\r\n')
      .filter((line) => /^[^,]+,outcomes,/.test(line) || /,outcome,/.test(line));
    expect(csv.length).toBeGreaterThan(0);
    expect(csv.every((line) => line.startsWith('all,'))).toBe(true);
    expect(csv).toContain('all,outcomes,open,count,10');
  });

  it("gives a period of months the months' outcomes added up, so that no report tells another's by difference", async () => {
    const ask = async (from: string, to: string): Promise<Json> => {
      const res = await nora.json('GET', `/api/reports/council?from=${from}&to=${to}`);
      expect(res.status).toBe(200);
      return res.body;
    };
    const october = await ask('2026-10-01', '2026-10-31');
    const november = await ask('2026-11-02', '2026-11-29');
    const both = await ask('2026-10-01', '2026-11-30');
    expect(october.total.outcomes).toMatchObject({ open: 10, 'false-alarm': 10 });
    // 24 open in all: rounded on its own, 25 (23 to 27), which less November's 10 (8 to 12) left October's open 11 or
    // 12 of the 8 to 12 its own report leaves. The months' as shown added up: 20, which tells nothing more.
    expect(both.total.outcomes).toMatchObject({ open: 20, 'false-alarm': 20, 'no-action-needed': 10 });
    for (const [key, value] of Object.entries(both.total.outcomes as Record<string, Published>)) {
      expect({ key, value }).toEqual({
        key,
        value: addedUp([october.total.outcomes[key], november.total.outcomes[key]]),
      });
    }
  });
});
