// Review, session 50: `telecare replay` writes the routine-change alerts the live hub's daily review raises (it wrote none).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../hub/alerts/api.js';
import { silentLogger } from '../../hub/logger.js';
import { RoutineReview } from '../../hub/routine-review.js';
import { DAY_MS, HOUR_MS } from '../../rules/time.js';
import { monthThenDrift } from '../analytics/daily.js';
import { FLAT_7, FLAT_7_CONFIG, openTestHubDb, type TestHubDb } from '../analytics/hub-db.js';
import { tempDir } from '../hub/helpers.js';
import { jsonLines, runReplay } from '../support/replay-cli.js';

let hub: TestHubDb | undefined;
let dir: string | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** What a routine-change alert says, whenever it was raised. */
const gist = (a: Alert): string =>
  `${a.homeId} ${a.residentId} ${a.severity} ${String(a.detail.feature)} ${String(a.detail.change)} ${String(a.detail.fromDate)}..${String(a.detail.date)} ${JSON.stringify(a.detail.values)}`;

describe('telecare replay and the live hub, a resident whose nights change', () => {
  it('both raise the routine-change alert of the drift, replay at the moment the day is complete, live within the hour', async () => {
    // November as usual, then three night bathroom trips a night from 1 December (a urinary-infection warning sign).
    const events = monthThenDrift(FLAT_7, '2026-12-04T12:00');
    const first = events[0]!.ts;
    const last = events.at(-1)!.ts;

    // Live: the recorded events in the hub's store, its hourly routine review on the hub's clock, the real alert service.
    hub = await openTestHubDb(FLAT_7_CONFIG);
    await hub.append(events);
    const alerts = hub.alerts;
    hub.clock.advanceTo(first);
    const review = new RoutineReview({
      db: hub.db,
      config: FLAT_7_CONFIG,
      clock: hub.clock,
      logger: silentLogger,
      decide: (decisions) => decisions.forEach((d) => alerts.apply(d)),
    });
    review.start();
    hub.clock.advanceTo(last + DAY_MS);
    review.stop();
    const live = alerts.list({}).filter((a) => a.kind === 'routine-change');
    expect(live.map((a) => a.detail.feature)).toEqual(['bathroomVisitsNight']);

    // Replay: the same events as NDJSON lines, the same home's configuration, 24 h of drain.
    dir = tempDir('replay-routine');
    const input = path.join(dir, 'events.ndjson');
    const config = path.join(dir, 'config.json');
    fs.writeFileSync(
      input,
      events
        .map((e) =>
          JSON.stringify({
            ts: e.ts,
            homeId: e.homeId,
            deviceId: e.deviceId,
            type: e.type,
            value: e.value,
            room: e.room,
            kind: e.kind,
          }),
        )
        .join('\n') + '\n',
    );
    fs.writeFileSync(config, JSON.stringify({ homes: FLAT_7_CONFIG.homes }));
    const run = runReplay(['--input', input, '--config', config, '--drain', '24']);
    expect(run.status).toBe(0);
    const replayed = jsonLines<Alert>(run.stdout).filter((a) => a.kind === 'routine-change');
    expect(run.stderr).toMatch(/routine-change 1/);

    expect(replayed.map(gist)).toEqual(live.map(gist));
    expect(replayed.map((a) => a.detail.baseline)).toEqual(live.map((a) => a.detail.baseline));
    // Replay raises it as the day is complete (its night over, bedtime settled: 08:00); the hub at its next hourly round.
    const [replayedAt, liveAt] = [Date.parse(replayed[0]!.raisedAt), Date.parse(live[0]!.raisedAt)];
    expect(replayed[0]!.raisedAt).toBe('2026-12-04T08:00:00.000Z');
    expect(liveAt).toBeGreaterThanOrEqual(replayedAt);
    expect(liveAt).toBeLessThan(replayedAt + HOUR_MS);
  });
});
