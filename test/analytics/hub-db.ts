// A real hub database in a temp folder, written through the hub's own modules (event store, alert service).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { AlertService } from '../../hub/alerts/service.js';
import { startAlertService } from '../support/clocked-hub.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import type { RuleDecision, SensorEvent } from '../../rules/types.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { Alert } from '../../hub/alerts/api.js';
import { expect } from 'vitest';
import { cliPath } from '../hub/helpers.js';

export interface TestHubDb {
  dir: string;
  file: string;
  db: Database;
  clock: FakeClock;
  config: HubConfig;
  store: EventStore;
  alerts: AlertService;
  append(events: SensorEvent[]): Promise<void>;
  /** Raise at `at` (the alert service stamps its own clock), optionally acknowledged after `ackAfterS` and resolved. */
  raise(decision: Extract<RuleDecision, { type: 'raise' }>, ackAfterS?: number, outcome?: string): Alert;
  close(): Promise<void>;
}

export function testConfig(homes: unknown[]): HubConfig {
  return parseHubConfig({ homes });
}

/** One flat in London with a night window and one resident, for the live analytics tests' stored days. */
export const FLAT_7 = 'flat-7';
export const FLAT_7_CONFIG = testConfig([
  {
    id: FLAT_7,
    timezone: 'Europe/London',
    nightWindow: { start: '23:00', end: '06:00' },
    residents: [{ id: 'mary' }],
    devices: [],
  },
]);

export async function openTestHubDb(config: HubConfig): Promise<TestHubDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-analytics-'));
  const file = path.join(dir, 'hub.db');
  const db = openHubDatabase(file);
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const store = new EventStore(db, clock);
  const alerts = await startAlertService({
    db,
    config,
    clock,
    // Delivery is not under test here: the broker side just takes the messages.
    publisher: { publish: () => Promise.resolve() },
  });
  return {
    dir,
    file,
    db,
    clock,
    config,
    store,
    alerts,
    async append(events) {
      for (let i = 0; i < events.length; i += 1000) await store.append(events.slice(i, i + 1000));
    },
    raise(decision, ackAfterS, outcome) {
      clock.advanceTo(decision.at);
      let alert = alerts.apply(decision)!;
      if (ackAfterS !== undefined) {
        clock.advanceBy(ackAfterS * 1000);
        const acked = alerts.acknowledge(alert.id, 'responder-1');
        if (!acked.ok) throw new Error(acked.message);
        alert = acked.alert;
      }
      if (outcome !== undefined) {
        clock.advanceBy(60_000);
        const resolved = alerts.resolve(alert.id, outcome, null, 'responder-1');
        if (!resolved.ok) throw new Error(resolved.message);
        alert = resolved.alert;
      }
      return alert;
    },
    async close() {
      await alerts.stop();
      store.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `telecare report` (the built CLI, `npm run build`) on the hub database in `dataDir` with the configuration in
 * `configFile`, from `from` to `to` (local dates): its output, once it has said nothing on stderr and exited 0. The
 * environment's HUB_CONFIG and HUB_DATA_DIR are cleared, so the options alone say what is read.
 */
export function councilReport(dataDir: string, configFile: string, from: string, to: string, format = 'json'): string {
  const run = spawnSync(
    process.execPath,
    [cliPath, 'report', '--data-dir', dataDir, '--config', configFile, '--from', from, '--to', to, '--format', format],
    {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
      env: { ...process.env, HUB_CONFIG: '', HUB_DATA_DIR: '' },
    },
  );
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}
