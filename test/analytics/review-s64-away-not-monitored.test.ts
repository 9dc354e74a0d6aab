// Review, session 64: a flat in away mode for the whole period (its resident in hospital, the house empty) counted as a
// home and a resident monitored in the council report, because its thermometer kept sending readings: a month of ten
// residents in hospital read as ten more residents monitored with no fall, no alert and no routine change, and the
// scheme's rates per resident halved. The hub notes the days it found a home in away mode (`away_days`, session 60);
// the report now leaves a home out of the monitored homes when nothing was heard from it outside those days, and its
// alerts in those days (a cold empty flat) make no resident one with an alert.
// `telecare report` on a real hub database whose away days the hub's own hourly review noted.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubConfig } from '../../hub/config-types.js';
import { dailyReview } from '../../analytics/review.js';
import type { SensorEvent } from '../../rules/types.js';
import { cliPath } from '../hub/helpers.js';
import { isoDate, routineDay } from './daily.js';
import { ev, utc } from './factories.js';
import { councilReport, openTestHubDb, testConfig, type TestHubDb } from './hub-db.js';

/** Twenty flats of one scheme, one resident each: ten at home all November, ten in hospital from 30 October. */
const FLATS = Array.from({ length: 20 }, (_, i) => `flat-${String(i + 1).padStart(2, '0')}`);
const AT_HOME = FLATS.slice(0, 10);
const IN_HOSPITAL = FLATS.slice(10);
/** The configuration with the flats in hospital in away mode (`away`) or back home. */
const configWith = (away: boolean): HubConfig =>
  testConfig(
    FLATS.map((id) => ({
      id,
      timezone: 'Europe/London',
      away: away && IN_HOSPITAL.includes(id),
      residents: [{ id: `${id}-resident` }],
      devices: [],
    })),
  );

/** 30 October to 4 December: the residents at home live their days; the empty flats' thermometers report hourly. */
function autumn(): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let day = 0; day < 36; day++) {
    const date = isoDate('2026-10-30', day);
    for (const flat of AT_HOME) events.push(...routineDay(flat, date, day, 0));
    for (const flat of IN_HOSPITAL) {
      for (let hour = 0; hour < 24; hour++) {
        events.push(ev(flat, `${date}T${String(hour).padStart(2, '0')}:20`, 'living-climate', 17 + (hour % 3)));
      }
    }
  }
  return events.sort((a, b) => a.ts - b.ts);
}

describe('the council report of a November in which half the scheme was in hospital', () => {
  let hub: TestHubDb;
  let configFile: string;

  beforeAll(async () => {
    if (!fs.existsSync(cliPath)) throw new Error(`build first (npm run build): ${cliPath} is missing`);
    hub = await openTestHubDb(configWith(true));
    await hub.append(autumn());
    // The hub's routine review (its hourly round, here once a day at 10:00) from the morning after the admissions to
    // the return on the evening of 2 December, with those flats in away mode; back home, the configuration says so
    // (the report is asked in December).
    for (let day = 0; day < 34; day++) {
      hub.clock.advanceTo(utc(`${isoDate('2026-10-30', day)}T10:00`));
      for (const d of dailyReview(hub.db, configWith(true), hub.clock.now())) hub.alerts.apply(d);
      // 15 November: the empty flats' heating is off, and the hub reports them cold.
      if (isoDate('2026-10-30', day) === '2026-11-15') {
        IN_HOSPITAL.forEach((homeId, i) =>
          hub.raise(
            { type: 'raise', homeId, kind: 'cold', severity: 'medium', at: utc(`2026-11-15T12:0${i}`), detail: {} },
            600,
            'no-action-needed',
          ),
        );
      }
    }
    configFile = path.join(hub.dir, 'telecare.config.json');
    fs.writeFileSync(configFile, JSON.stringify(configWith(false)));
  });
  afterAll(async () => {
    await hub?.close();
  });

  const report = (from: string, to: string): Record<string, unknown> =>
    JSON.parse(councilReport(hub.dir, configFile, from, to)) as Record<string, unknown>;

  it('counts as monitored the ten flats whose residents were at home, not the ten empty ones', () => {
    // Before: 20 and 20 (the empty flats' thermometers made them monitored).
    const november = report('2026-11-01', '2026-11-30');
    expect(november).toMatchObject({ homesMonitored: 10, residentsMonitored: 10 });
    // The empty flats' alerts are still alerts of the hub, but of no resident: nobody was there to be cold.
    expect(november).toMatchObject({ alerts: { byKind: { cold: 10 } }, residentsWith: { alerts: 0 } });
  });

  it('still counts a flat in away mode for part of the period, for the days it was not', () => {
    // The residents back home on the evening of 2 December are monitored again from the 3rd.
    expect(report('2026-11-25', '2026-12-04')).toMatchObject({ homesMonitored: 20, residentsMonitored: 20 });
  });
});
