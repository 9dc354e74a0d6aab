// Review, session 49: the resident's pre-alert (SPEC 5) ends when the silence it warned of ends, whichever way it ends.
// The real rules runner and alert service on a real SQLite file, a real aedes broker, a fake clock.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertService } from '../../hub/alerts/service.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { HubConfig } from '../../hub/config-types.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { startBroker, type TestBroker } from '../alerts/helpers.js';
import {
  clockedRules,
  inactivityOnlyHome,
  motion,
  startAlertService,
  type ClockedRules,
} from '../support/clocked-hub.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';

/** Monday 5 January 2026, 09:00 in London (GMT): a day-time silence, 4 h before inactivity (cold start). */
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const PREALERT_TOPIC = 'telecare/h1/prealert';

let dir: string;
let broker: TestBroker;
const running: { rules: ClockedRules; alerts: AlertService }[] = [];

beforeEach(async () => {
  dir = tempDir('review-s49-prealert');
  broker = await startBroker();
});
afterEach(async () => {
  for (const { rules, alerts } of running.splice(0).reverse()) {
    await alerts.stop();
    rules.close();
  }
  await broker.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The hub's rules and alerts on the database in `dir`, publishing to the broker: decisions carried out as live. */
async function hubOn(clock: FakeClock, config: HubConfig): Promise<{ rules: ClockedRules; alerts: AlertService }> {
  const rules = clockedRules(path.join(dir, 'hub.db'), clock, config.homes, (decisions) => {
    for (const decision of decisions) alerts.apply(decision);
  });
  const alerts = await startAlertService({ db: rules.db, publisher: broker.publisher, config, clock });
  rules.runner.start();
  const hub = { rules, alerts };
  running.push(hub);
  return hub;
}

async function retainedPrealert(alerts: AlertService): Promise<string | undefined> {
  await alerts.settled();
  return (await broker.retained(PREALERT_TOPIC)).get(PREALERT_TOPIC);
}

describe('the pre-alert of an inactivity alert', () => {
  it('is cleared once the alert it announced is raised, stays cleared when the resident moves, and is not restated after a restart', async () => {
    // possible-fall pushed past the 12 h cap: inactivity is this silence's one call-out.
    const config = parseHubConfig(inactivityOnlyHome(ONE_HOME_CONFIG.homes[0]));
    const clock = new FakeClock(T0);
    const hub = await hubOn(clock, config);
    await hub.rules.send(motion('hall-pir', T0));

    clock.advanceBy(4 * HOUR_MS - 5 * MINUTE_MS);
    expect(JSON.parse((await retainedPrealert(hub.alerts)) ?? 'null')).toEqual({
      kind: 'inactivity',
      raiseAt: new Date(T0 + 4 * HOUR_MS).toISOString(),
    });

    clock.advanceBy(10 * MINUTE_MS);
    expect(hub.alerts.list({ state: 'open' }).map((a) => a.kind)).toEqual(['inactivity']);
    // The warning is over: the alert it announced is raised. A retained warning left on the home's topic would tell a
    // voice unit (re)connecting later that an alert is still to come.
    expect(await retainedPrealert(hub.alerts)).toBeUndefined();

    // The resident moves: the alert is cancelled, and nothing warns of a call-out any more.
    await hub.rules.send(motion('kitchen-pir', clock.now()));
    expect(hub.alerts.list({ state: 'open' })).toEqual([]);
    expect(await retainedPrealert(hub.alerts)).toBeUndefined();

    // A restart restates the running pre-alerts from the store: there is none.
    running.splice(running.indexOf(hub), 1);
    await hub.alerts.stop();
    hub.rules.close();
    const again = await hubOn(clock, config);
    expect(await retainedPrealert(again.alerts)).toBeUndefined();
  });
});
