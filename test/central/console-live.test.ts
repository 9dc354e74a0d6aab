// The console's live feed (SPEC 10/11): one LISTEN connection, the workers' NOTIFYs turned into cards for every open
// stream; a mass status change (a regional outage flagged by the silence check) is read in a few queries, not one per
// hub, so that the operator's next alert does not wait behind hundreds of them.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingest, type Incoming } from '../../central/ingest.js';
import { sweepSilentHubs } from '../../central/offline.js';
import { postgresBinDir, startLocalPostgres, type LocalPostgres } from '../../central/postgres.js';
import { seedPostgresData } from '../support/pg-template.js';
import { migrateCentral } from '../../central/schema.js';
import { migrateConsole } from '../../central/console/schema.js';
import { LiveFeed, type LiveEvent } from '../../central/console/live.js';
import { silentLogger } from '../../hub/logger.js';
import { freePort, tempDir } from '../hub/helpers.js';

let missing: string | undefined;
try {
  postgresBinDir();
} catch (err) {
  missing = err instanceof Error ? err.message : String(err);
  console.warn(`skipping the live feed tests: ${missing}`);
}

const T0 = Date.parse('2026-11-30T10:00:00Z');
const SILENCE_MS = 60_000;
let seq = 0;

function message(subject: string, payload: object, atMs: number): Incoming {
  seq += 1;
  return { subject, data: Buffer.from(JSON.stringify(payload)), receivedAt: new Date(T0 + atMs), streamSeq: seq };
}

describe.skipIf(missing !== undefined)('the console live feed', () => {
  let dir: string;
  let postgres: LocalPostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    dir = tempDir('central-live');
    await seedPostgresData(path.join(dir, 'pg'));
    postgres = await startLocalPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), unsafeFast: true });
    pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
    pool.on('error', () => undefined);
    const client = await pool.connect();
    await migrateCentral(client);
    await migrateConsole(client);
    client.release();
  }, 60_000);

  afterAll(async () => {
    await pool.end();
    await postgres.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads a regional outage's hub status changes in a few queries, and every card still reaches the stream", async () => {
    const hubs = Array.from({ length: 120 }, (_, i) => `zone-${String(i).padStart(3, '0')}`);
    const client = await pool.connect();
    try {
      for (const hubId of hubs) {
        // Each hub has an open alert of its own, whose card shows the hub's status.
        await ingest(
          client,
          message(
            `telecare-up.${hubId}.alerts.a1`,
            {
              hubId,
              alertId: 'a1',
              version: 1,
              alert: { id: 'a1', kind: 'pendant', severity: 'critical', state: 'raised', raisedAt: new Date(T0) },
            },
            0,
          ),
        );
      }
    } finally {
      client.release();
    }

    // The feed's pool, counting the queries it makes (each waits for PostgreSQL; the next NOTIFY waits for them).
    let queries = 0;
    const counting = new Proxy(pool, {
      get(target, prop, receiver): unknown {
        if (prop === 'query') {
          const query = target.query.bind(target) as (...args: unknown[]) => Promise<unknown>;
          return (...args: unknown[]): Promise<unknown> => {
            queries += 1;
            return query(...args);
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const feed = new LiveFeed(counting, silentLogger);
    await feed.start();
    const events: LiveEvent[] = [];
    feed.subscribe((event) => events.push(event));
    try {
      const sweeper = await pool.connect();
      try {
        expect((await sweepSilentHubs(sweeper, new Date(T0 + SILENCE_MS + 1), SILENCE_MS)).sort()).toEqual(hubs);
      } finally {
        sweeper.release();
      }
      const cards = (): { hubId: string; alertId: string; hub: string }[] =>
        events.flatMap((e) =>
          e.type === 'alert' ? [{ hubId: e.alert.hubId, alertId: e.alert.alertId, hub: e.alert.hub.status }] : [],
        );
      // Every hub's new hub-offline card, and its pendant alert's card showing the hub offline.
      await vi.waitFor(
        () => {
          const seen = cards();
          for (const hubId of hubs) {
            expect(seen.some((c) => c.hubId === hubId && c.alertId.startsWith('centre-hub-offline-'))).toBe(true);
            expect(seen.some((c) => c.hubId === hubId && c.alertId === 'a1' && c.hub === 'offline')).toBe(true);
          }
        },
        { timeout: 30_000, interval: 50 },
      );
      expect(events.filter((e) => e.type !== 'alert')).toEqual([]);
      // One by one it was a query per hub (120 and more).
      expect(queries).toBeLessThan(hubs.length / 4);
    } finally {
      await feed.stop();
    }
  });
});
