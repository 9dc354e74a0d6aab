// Review, session 66: each late-stamped exit-door event (a bridge's spool flushed, a broker sending again what it queued
// while the hub was away) cancels the resident's pre-alert, and its timer, already due, starts it again. Each change
// was a WAL commit of its own (alert_prealerts and an alert_outbox row for the retained telecare/<home>/prealert): 1,342
// of a killed hub's 1,375 commits. The changes of a window are now stored in one commit, and a retained message of no
// alert still pending is written over in place; a kill -9 in the window loses nothing a restart does not make again.
// The real hub in-process on a fake clock, its embedded broker, real MQTT clients, SQLite in a temp folder; commits
// counted at better-sqlite3's transaction and statement calls, WAL frames from the hub's own wal hook.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PREALERT_WINDOW_MS } from '../../hub/alerts/prealerts.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import type { RuleDecision } from '../../rules/types.js';
import { inactivityOnlyHome } from '../support/clocked-hub.js';
import { countCommits, type Commit, type CommitCount } from '../support/commit-count.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, nextMessage, tempDir } from './helpers.js';

/** Monday 5 January 2026, 14:00 in London (GMT): day-time silences, 4 h before inactivity (cold start). */
const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
const MINUTE = 60_000;
const TOPIC = 'telecare/h1/prealert';
/** possible-fall pushed past the 12 h cap: inactivity is each silence's one call-out. */
const CONFIG = parseHubConfig(inactivityOnlyHome(ONE_HOME_CONFIG.homes[0]));
/** The hub's rules snapshot comes every 10 minutes of its clock (RulesRunner's default), from its start. */
const SNAPSHOT_EVERY_MS = 10 * MINUTE;

let dir: string;
const hubs: RunningHub[] = [];
let counter: CommitCount | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('s66-prealert-commits');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  for (const hub of hubs.splice(0)) await hub.stop();
  counter?.restore();
  counter = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(clock: FakeClock, folder = dir): Promise<RunningHub> {
  const hub = await startTestHub(CONFIG, folder, { clock });
  hubs.push(hub);
  return hub;
}

async function client(hub: RunningHub): Promise<MqttClient> {
  const c = await mqttClient(hub.ports.mqtt!);
  clients.push(c);
  return c;
}

/** The home's retained pre-alert on the hub's broker, as a subscriber that comes now is told it. */
async function retainedPrealert(hub: RunningHub): Promise<unknown> {
  await hub.alerts.settled();
  const unit = await client(hub);
  const told = nextMessage(unit, (t) => t === TOPIC);
  await unit.subscribeAsync(TOPIC, { qos: 1 });
  return JSON.parse((await told).payload.toString());
}

const prealertRows = (hub: RunningHub) =>
  hub.db.prepare('SELECT kind, raise_at AS raiseAt FROM alert_prealerts WHERE home_id = ?').all('h1');

/**
 * The hub killed with `kill -9` now: its database as a killed process leaves it (the file and its WAL: every commit,
 * nothing of what it held in memory), copied to a folder of its own for the next start.
 */
function killedCopy(): string {
  const copy = fs.mkdtempSync(path.join(dir, 'killed-'));
  fs.mkdirSync(path.join(copy, 'data'), { mode: 0o700 });
  for (const name of fs.readdirSync(path.join(dir, 'data'))) {
    // The shared-memory index is rebuilt from the WAL by the next connection, as after a crash.
    if (name.endsWith('-shm')) continue;
    fs.copyFileSync(path.join(dir, 'data', name), path.join(copy, 'data', name));
  }
  return copy;
}

describe('late-stamped exit-door events', () => {
  it('write the pre-alert bookkeeping of a window in one commit, not two commits an event', async () => {
    counter = countCommits(['alert_prealerts', 'alert_outbox', 'events']);
    const clock = new FakeClock(T0);
    const hub = await start(clock);
    const decided: RuleDecision[] = [];
    const apply = hub.alerts.apply.bind(hub.alerts);
    vi.spyOn(hub.alerts, 'apply').mockImplementation((d) => {
      decided.push(d);
      return apply(d);
    });
    const sensor = await client(hub);
    const events = 200;
    const from = counter.commits.length;
    const stampOf = (i: number): number => T0 - 235 * MINUTE + i * 1000;
    for (let i = 0; i < events; i++) {
      // Stamped 3 h 55 min before the hub's clock, a second apart: each is activity at its own time, whose pre-alert
      // (4 h of silence by day, less 10 min) is already due. One event a turn (its PUBACK awaited), 1 ms apart.
      await sensor.publishAsync(
        'telecare/h1/devices/front/events',
        JSON.stringify({ type: 'contact', value: i % 2 === 0, ts: stampOf(i) }),
        { qos: 1 },
      );
      clock.advanceBy(1);
    }
    await hub.alerts.settled();
    const commits = counter.commits.slice(from);

    // Nearly every event changed the pre-alert twice (395 changes of 200 events): its activity cancelled it, the timer
    // started it again.
    const changes = decided.filter((d) => d.type === 'prealert' || d.type === 'prealert-cancel');
    expect(changes.length).toBeGreaterThanOrEqual(2 * events - 10);
    expect(decided.filter((d) => d.type === 'raise')).toEqual([]);
    // No alert in this run: every outbox row is a pre-alert's.
    const bookkeeping = counter.writing('alert_prealerts', 'alert_outbox').filter((c) => commits.includes(c));
    const eventCommits = commits.filter((c) => c.tables.has('events'));
    expect(eventCommits.length).toBeGreaterThan(0);
    // Before: a commit each change (401 here), and the delivery marks'. Now: one a window of the hub's clock (200 ms
    // of it here: 2 or 3), the marks' (25 ms windows) and the last one's at settled().
    const windows = Math.ceil(events / PREALERT_WINDOW_MS) + 1;
    expect(bookkeeping.filter((c) => c.tables.has('alert_prealerts')).length).toBeLessThanOrEqual(windows);
    expect(bookkeeping.length).toBeLessThanOrEqual(events / 10);
    // WAL written (where the hub's wal hook is built): the bookkeeping a small share of what the events wrote.
    const frames = (cs: Commit[]): number => cs.reduce((n, c) => n + (c.frames ?? NaN), 0);
    const eventFrames = frames(eventCommits);
    if (!Number.isNaN(eventFrames)) expect(frames(bookkeeping) * 4).toBeLessThan(eventFrames);

    // What the resident is told is the last event's warning, as the store says, and nothing is left to send.
    const raiseAt = new Date(stampOf(events - 1) + 240 * MINUTE).toISOString();
    expect(prealertRows(hub)).toEqual([{ kind: 'inactivity', raiseAt: Date.parse(raiseAt) }]);
    expect(await retainedPrealert(hub)).toEqual({ kind: 'inactivity', raiseAt });
    const pending = hub.db.prepare("SELECT COUNT(*) AS n FROM alert_outbox WHERE status = 'pending'").get();
    expect(pending).toEqual({ n: 0 });
  }, 120_000);
});

describe('a pre-alert changed in its window when the hub is killed', () => {
  it('is made again at the restart: the rules re-fire the timer that made it', async () => {
    const clock = new FakeClock(T0);
    const hub = await start(clock);
    clock.advanceBy(5 * MINUTE);
    const sensor = await client(hub);
    await sensor.publishAsync('telecare/h1/devices/kitchen-pir/events', '{"type":"motion","value":true}', {
      qos: 1,
    });
    // To the pre-alert's own time (4 h of silence less 10 min): decided, its window not over.
    clock.advanceTo(T0 + 5 * MINUTE + 230 * MINUTE);
    expect(prealertRows(hub)).toEqual([]);

    const copy = killedCopy();
    const again = await start(clock, copy);
    const raiseAt = new Date(T0 + 5 * MINUTE + 240 * MINUTE).toISOString();
    expect(await retainedPrealert(again)).toEqual({ kind: 'inactivity', raiseAt });
    expect(prealertRows(again)).toEqual([{ kind: 'inactivity', raiseAt: Date.parse(raiseAt) }]);
  }, 60_000);

  it('is stored before a rules snapshot that knows of it, so the restart that restores the snapshot still tells it', async () => {
    const clock = new FakeClock(T0);
    const hub = await start(clock);
    // The motion 50 ms before a snapshot's time, so that its pre-alert (230 min later) is decided 50 ms before
    // another snapshot, inside its window.
    clock.advanceBy(SNAPSHOT_EVERY_MS - 50);
    const sensor = await client(hub);
    await sensor.publishAsync('telecare/h1/devices/kitchen-pir/events', '{"type":"motion","value":true}', {
      qos: 1,
    });
    const preAt = T0 + SNAPSHOT_EVERY_MS - 50 + 230 * MINUTE;
    expect((preAt - T0) % SNAPSHOT_EVERY_MS).toBe(SNAPSHOT_EVERY_MS - 50);
    clock.advanceTo(preAt + 50);
    expect(clock.now()).toBeLessThan(preAt + PREALERT_WINDOW_MS);

    const copy = killedCopy();
    const again = await start(clock, copy);
    const raiseAt = new Date(preAt + 10 * MINUTE).toISOString();
    // The snapshot restored says the warning was given: had its row not been stored first, nothing would restate it
    // and nothing would decide it again.
    expect(prealertRows(again)).toEqual([{ kind: 'inactivity', raiseAt: Date.parse(raiseAt) }]);
    expect(await retainedPrealert(again)).toEqual({ kind: 'inactivity', raiseAt });
  }, 60_000);
});
