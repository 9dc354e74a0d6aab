// The hub's rules and alerts without the rest of the hub: a real SQLite store, the real runner and service, a fake clock.
import type { Database } from 'better-sqlite3';
import { AlertService, type AlertServiceDeps } from '../../hub/alerts/service.js';
import type { FakeClock } from '../../hub/clock.js';
import { silentLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { RulesRunner, type RulesRunnerOptions } from '../../hub/rules-runner.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import type { RuleDecision, SensorEvent } from '../../rules/types.js';

/** ONE_HOME_CONFIG's home (given) with possible-fall pushed past the 12 h cap, to time inactivity on its own. */
export function inactivityOnlyHome(home: object | undefined): { homes: unknown[] } {
  return {
    homes: [
      {
        ...home,
        rules: {
          possibleFall: {
            floorMinutes: 720,
            coldStartDayMinutes: 720,
            coldStartNightMinutes: 720,
            afterActivityPercent: 0,
          },
        },
      },
    ],
  };
}

export interface ClockedRules {
  db: Database;
  store: EventStore;
  runner: RulesRunner;
  /** Stores the events and feeds them to the runner as the hub does (fed before the append settles). */
  send(...events: SensorEvent[]): Promise<void>;
  /** Stops the runner, then closes the store and the database. */
  close(): void;
}

/**
 * A RulesRunner on the database `db` (a file name is opened as the hub does) with a store on `clock`, logging nothing;
 * `options` add to or override the runner's options. The runner is not started.
 */
export function clockedRules(
  dbOrFile: Database | string,
  clock: FakeClock,
  homes: RulesRunnerOptions['homes'],
  decide: (decisions: RuleDecision[]) => void,
  options: Partial<RulesRunnerOptions> = {},
): ClockedRules {
  const db = typeof dbOrFile === 'string' ? openHubDatabase(dbOrFile) : dbOrFile;
  const store = new EventStore(db, clock);
  const runner = new RulesRunner({ homes, store, clock, logger: silentLogger, decide, ...options });
  return {
    db,
    store,
    runner,
    async send(...events: SensorEvent[]): Promise<void> {
      const appended = store.append(events);
      runner.feed(events, store.lastReservedId);
      await appended;
    },
    close(): void {
      runner.stop();
      store.close();
      db.close();
    },
  };
}

/**
 * An AlertService on `deps` (db, publisher, config, clock), logging nothing with metrics of its own unless `deps`
 * gives them; resolves once started.
 */
export async function startAlertService(
  deps: Pick<AlertServiceDeps, 'db' | 'publisher' | 'config' | 'clock'> & Partial<AlertServiceDeps>,
): Promise<AlertService> {
  const alerts = new AlertService({ logger: silentLogger, metrics: createMetricsRegistry(), ...deps });
  await alerts.start();
  return alerts;
}

/** Motion seen at `ts` by ONE_HOME_CONFIG's hall or kitchen sensor, as the hub stores it. */
export function motion(deviceId: 'hall-pir' | 'kitchen-pir', ts: number): SensorEvent {
  return {
    homeId: 'h1',
    deviceId,
    type: 'motion',
    value: true,
    ts,
    source: 'mqtt',
    room: deviceId === 'hall-pir' ? 'hall' : 'kitchen',
    kind: 'motion',
    assigned: true,
  };
}

/**
 * The resident up and about from `dayStart + from` to `dayStart + to` (ms): a movement every 20 minutes, the kitchen's
 * PIR on the whole 40 minutes and the hall's between, each sent at its time on `clock` (`send`: `ClockedRules.send`).
 */
export async function upAndAbout(
  clock: FakeClock,
  send: (event: SensorEvent) => Promise<void>,
  dayStart: number,
  from: number,
  to: number,
): Promise<void> {
  const step = 20 * 60_000;
  for (let t = dayStart + from; t <= dayStart + to; t += step) {
    clock.advanceTo(t);
    await send(motion(t % (2 * step) === 0 ? 'kitchen-pir' : 'hall-pir', t));
  }
}
