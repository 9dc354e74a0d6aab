// Replay and live give the same alerts for the same input: the hub's real rules runner and alert service on a fake
// clock and a real SQLite store, against `replay` on event time.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryAlertAudit } from '../../hub/alerts/query.js';
import { FakeClock } from '../../hub/clock.js';
import type { Publisher } from '../../hub/publisher.js';
import { openHubDatabase } from '../../hub/store.js';
import { replayEvents } from '../../replay/replay.js';
import type { SensorEvent } from '../../rules/types.js';
import type { HubConfig } from '../../hub/config-types.js';
import { simulate, toReplayLine, type SimEvent } from '../../simulate/generator.js';
import { deviceById, schemeConfig } from '../../simulate/layout.js';
import { tempDir } from '../hub/helpers.js';
import { jsonLines, runReplay } from '../support/replay-cli.js';
import { clockedRules, startAlertService } from '../support/clocked-hub.js';
import { DAY_MS, HOUR_MS } from '../../rules/time.js';

const TIME_ZONE = 'Europe/London';
const config: HubConfig = {
  hub: { name: 'live-equals-replay', zigbeeBaseTopic: 'zigbee2mqtt' },
  homes: schemeConfig(2, TIME_ZONE).homes,
  responders: [],
  escalation: { default: [{ group: 'first', timeoutSeconds: 60 }] },
  mqttUsers: [],
};

/** Three recorded days of two flats, across the UK clocks going forward: h1's resident presses the pendant on the second morning, h2's collapses on the last afternoon. */
function recording(): SimEvent[] {
  return [
    ...simulate({
      homes: 2,
      days: 3,
      start: '2026-03-27',
      seed: 7,
      timeZone: TIME_ZONE,
      incidents: [
        { kind: 'pendant', date: '2026-03-28', minutes: 10 * 60, homeId: 'h1', deviceId: null },
        { kind: 'collapse', date: '2026-03-29', minutes: 15 * 60, homeId: 'h2', deviceId: null },
      ],
    }),
  ];
}

/** One run of the hub's rules and alerts on the database in `dir`, its clock starting at `startMs`. */
async function boot(dir: string, startMs: number) {
  const clock = new FakeClock(startMs);
  const db = openHubDatabase(path.join(dir, 'hub.db'));
  const publisher: Publisher = { publish: async () => undefined };
  const alerts = await startAlertService({ db, publisher, config, clock });
  const { store, runner } = clockedRules(
    db,
    clock,
    config.homes,
    (decisions) => {
      for (const d of decisions) alerts.apply(d);
    },
    {
      // As the hub asks it (hub/hub.ts).
      alreadyRaised: (d) => alerts.list({ homeId: d.homeId, from: d.at }).some((a) => a.kind === d.kind),
      snapshotEveryMs: 6 * HOUR_MS,
    },
  );
  runner.start();
  return { clock, db, store, alerts, runner };
}

/**
 * The hub's path: each event stored and fed to the real runner at its time on the hub's clock, the runner's own
 * timer, the real alert service. The clock also stops at random moments between events (escalations, snapshots).
 * With `startAtFirst` the hub starts as the first event arrives (else a second before). With `crashAtEvent`, the hub dies there (no stop, no last snapshot; events stored so far acknowledged) and starts
 * again on the same database. Returns every raise the alert service carried out (new alerts and repeats).
 */
async function live(events: SimEvent[], seed: number, crashAtEvent = -1, startAtFirst = false): Promise<string[]> {
  let random = seed;
  const rnd = (): number => (random = (random * 1103515245 + 12345) % 2147483648) / 2147483648;
  const first = events[0];
  const last = events.at(-1);
  if (first === undefined || last === undefined) throw new Error('a live run needs events');
  const dir = tempDir('live-replay');
  let hub = await boot(dir, startAtFirst ? first.ts : first.ts - 1000);
  let stored: Promise<number>[] = [];
  for (const [i, e] of events.entries()) {
    if (i === crashAtEvent) {
      await Promise.all(stored);
      await hub.alerts.settled();
      hub.db.close(); // its clock never moves again: the process is gone
      hub = await boot(dir, hub.clock.now());
      stored = [];
    }
    const { clock } = hub;
    while (rnd() < 0.3) clock.advanceTo(clock.now() + Math.floor(rnd() * Math.max(0, e.ts - clock.now())));
    clock.advanceTo(e.ts);
    const device = deviceById(e.deviceId)!;
    const event: SensorEvent = { ...e, source: 'mqtt', assigned: true, room: device.room, kind: device.kind };
    stored.push(hub.store.append([event]));
    hub.runner.feed([event], hub.store.lastReservedId);
  }
  const { clock, db, store, alerts, runner } = hub;
  clock.advanceTo(last.ts + DAY_MS);
  await Promise.all(stored);
  runner.stop();
  const raised = queryAlertAudit(db)
    .filter((a) => a.action === 'raise' || a.action === 'merge')
    .map((a) => {
      const alert = alerts.get(a.alertId)!;
      return `${alert.homeId} ${alert.kind} ${a.action === 'raise' ? alert.raisedAt : a.at}`;
    });
  await alerts.stop();
  store.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return raised;
}

describe('replay and live', () => {
  it('give the same alerts, at the same times, for the same recorded days', async () => {
    const events = recording();
    // Replay reads the NDJSON lines `telecare simulate` would write, with the same configuration.
    const lines = events.map((e) => JSON.parse(toReplayLine(e)) as unknown);
    const unchanged = structuredClone(lines);
    const replayed = replayEvents(lines, { homes: config.homes, drainHours: 24 });
    expect(lines).toEqual(unchanged);
    const fromReplay = replayed.alerts.map((a) => `${a.homeId} ${a.kind} ${a.raisedAt}`);
    expect(fromReplay.filter((a) => a.startsWith('h2 ') && a.includes(' 2026-03-29'))).not.toEqual([]);
    expect(fromReplay).toContain('h1 pendant 2026-03-28T10:00:00.000Z');
    for (const seed of [1, 2, 3]) expect(await live(events, seed)).toEqual(fromReplay);
    // A hub killed on the second evening, between two snapshots, and started again: the re-feed changes nothing.
    const secondEvening = events.findIndex((e) => e.ts >= Date.UTC(2026, 2, 28, 19, 0));
    expect(await live(events, 4, secondEvening)).toEqual(fromReplay);
  });
});

describe('telecare replay and live, a home silent from the start', () => {
  it("call a home nothing has reported from since the hub started at the same time: the CLI's start is the first event's", async () => {
    // h2's bridge is down for its first 12 hours: the hub, started as h1's first report arrives, hears nothing of it.
    const all = recording();
    const first = all[0]!;
    const events = all.filter((e) => e.homeId !== 'h2' || e.ts >= first.ts + 12 * HOUR_MS);
    const dir = tempDir('replay-started-at');
    try {
      const input = path.join(dir, 'events.ndjson');
      const configFile = path.join(dir, 'config.json');
      fs.writeFileSync(input, `${events.map(toReplayLine).join('\n')}\n`);
      fs.writeFileSync(configFile, JSON.stringify(config));
      const run = runReplay(['--input', input, '--config', configFile, '--drain', '24']);
      expect(run.status).toBe(0);
      const fromCli = jsonLines<{ homeId: string; kind: string; raisedAt: string }>(run.stdout).map(
        (a) => `${a.homeId} ${a.kind} ${a.raisedAt}`,
      );
      // The start of the hub is a silence of h2 (the night allowance, 10 h), as live calls it.
      expect(fromCli).toContain(`h2 inactivity ${new Date(first.ts + 10 * HOUR_MS).toISOString()}`);
      expect(await live(events, 5, -1, true)).toEqual(fromCli);
      // `none` (homes watched from their first report only) is what the CLI did before: h2's first hours unseen.
      const none = runReplay(['--input', input, '--config', configFile, '--drain', '24', '--started-at', 'none']);
      expect(
        jsonLines<{ homeId: string; raisedAt: string }>(none.stdout).some(
          (a) => a.homeId === 'h2' && Date.parse(a.raisedAt) < first.ts + 12 * HOUR_MS,
        ),
      ).toBe(false);
      const bad = runReplay(['--input', input, '--started-at', 'yesterday']);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain('--started-at');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
