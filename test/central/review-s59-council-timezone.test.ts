// Review, session 59: the centre's council report cut its weeks at midnight UTC. SPEC 10 asks for "the same
// definitions ... as §7", and the hub's own report (analytics/report.ts) counts alerts in the homes' local days; the
// centre's report put alerts and flags in weeks starting Monday 00:00 UTC while the homes' features it counts beside
// them are local dates. For a council in Britain every alert of the first hour of a Monday in summer (00:00-01:00 BST)
// counted in the week before, so the centre's figures for a hub disagreed with the hub's own report, and a week's
// alerts were set against another week's home-days. The centre cannot know the homes' zone (no timezone leaves the
// hub); the council's zone is now a setting (`CENTRAL_REPORT_TIMEZONE`, the console's `reportTimezone`, default UTC as
// before) and the report's weeks, its known-by instant and its follow-up are local to it. Real console and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseCentralOptions } from '../../central/command.js';
import { startConsole } from '../../central/console/index.js';
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
if (missing) console.warn(`skipping the council report timezone test: ${missing}`);

const PASSWORD = 'a-long-password-1';
const HUB = 's59-tz-hub';

describe.skipIf(missing !== undefined)("the centre's council report in the council's own time", () => {
  let env: ConsoleEnv;
  let supervisor: ConsoleClient;
  // Long after the period and its follow-up: the report is final.
  const clock = new FakeClock(Date.UTC(2026, 8, 1, 9, 0, 0));

  beforeAll(async () => {
    ({ env, supervisor } = await consoleWithSupervisor({ clock, reportTimezone: 'Europe/London' }, PASSWORD));
  });

  afterAll(async () => {
    await env?.stop();
  });

  it("counts an alert of a Monday's first hour (British Summer Time) in that Monday's week", async () => {
    // Ten pendant calls at 00:30 BST on Monday 6 July 2026 (23:30 UTC on Sunday 5 July).
    for (let i = 0; i < 10; i++) {
      await storeAlert(
        env.pool,
        HUB,
        hubAlert(`monday-${String(i)}`, {
          kind: 'pendant',
          severity: 'critical',
          homeId: `home-${String(i)}`,
          raisedAt: '2026-07-05T23:30:00.000Z',
          lastSeenAt: '2026-07-05T23:30:00.000Z',
        }),
      );
    }
    const { status, body } = await supervisor.json('GET', '/api/reports/council?from=2026-06-29&to=2026-07-12');
    expect(status).toBe(200);
    const report: Json = body;
    expect(report.weeks.map((w: Json) => [w.from, w.alerts.total])).toEqual([
      ['2026-06-29', 0],
      ['2026-07-06', 10],
    ]);
    expect(report.period.timezone).toBe('Europe/London');
    // Final: known by the end of the follow-up, midnight of 27 July in London (23:00 UTC on the 26th).
    expect(report.final).toBe(true);
    expect(report.knownBy).toBe('2026-07-26T23:00:00.000Z');
  });

  it("takes the council's zone from CENTRAL_REPORT_TIMEZONE, and refuses one that is not a zone", () => {
    const flags = {
      nats: 'nats://h:1',
      mqtt: 'mqtt://h:2',
      database: 'postgres://a@h/d',
      workers: '2',
      user: 'centre',
      silenceS: '180',
      host: '127.0.0.1',
      port: '8090',
    };
    const env = { CENTRAL_NATS_PASSWORD: 'x' };
    expect(parseCentralOptions(flags, { ...env, CENTRAL_REPORT_TIMEZONE: 'Europe/London' })).toMatchObject({
      reportTimezone: 'Europe/London',
    });
    expect(() => parseCentralOptions(flags, { ...env, CENTRAL_REPORT_TIMEZONE: 'Europe/Atlantis' })).toThrow(
      /CENTRAL_REPORT_TIMEZONE: 'Europe\/Atlantis' is not a known IANA timezone/,
    );
  });

  it('refuses a zone that is not one (telecare central checks CENTRAL_REPORT_TIMEZONE at start)', async () => {
    await expect(
      startConsole({ pool: env.pool, nc: env.nc, host: '127.0.0.1', port: 0, reportTimezone: 'Europe/Atlantis' }),
    ).rejects.toThrow(/Europe\/Atlantis/);
  });
});
