// A chattering sensor (a faulty PIR firing many times a second) had every report stored as a row and run through the
// rules. Now, past a per-minute bound, its repeats of the value it holds are stored as a count per device, value and
// minute (event_repeats) in the same commit, acknowledged after the same fsync; changes of state, emergencies and
// each minute's first reports stay rows, so the device stays alive to the rules. (Session 34's draft, session 36.)
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatterLimit, type RepeatCount, type RepeatSink } from '../../hub/chatter.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { resolveSettings } from '../../hub/main.js';
import { EventStore, openHubDatabase } from '../../hub/store.js';
import type { SensorEvent } from '../../rules/types.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { motion, mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const MAX = 30;
let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('chatter');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function repeatsCounted(): Promise<number> {
  const metric = await hub!.metrics.getSingleMetric('telecare_ingest_repeats_counted_total')!.get();
  return metric.values[0]?.value ?? 0;
}

interface RepeatRow {
  device_id: string;
  type: string;
  value: string;
  window_start: number;
  first_ts: number;
  last_ts: number;
  count: number;
}

describe('a chattering sensor over MQTT', () => {
  it('its repeats past the bound are acknowledged and stored as one count, not rows; a change, a new minute and a pendant are rows; the rules saw what the store holds', async () => {
    const clock = new FakeClock(T0);
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock, chatterMaxPerMinute: MAX });
    const pir = await mqttClient(hub.ports.mqtt!);
    let ts = T0;
    const motion = (value: boolean) =>
      pir.publishAsync('telecare/h1/devices/hall-pir/events', JSON.stringify({ type: 'motion', value, ts: ++ts }), {
        qos: 1,
      });
    // Every publication is acknowledged (publishAsync resolves on the PUBACK), whether a row or a count.
    for (let i = 0; i < MAX + 10; i++) await motion(true);
    await motion(false);
    for (let i = 0; i < 5; i++)
      await pir.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    const rows = () => hub!.store.eventsAfter(0).filter((e) => e.deviceId === 'hall-pir');
    expect(rows().map((e) => e.value)).toEqual([...Array.from({ length: MAX }, () => true), false]);
    expect(hub.store.eventsAfter(0).filter((e) => e.type === 'pendant')).toHaveLength(5);
    // The ten repeats: one row of counts, with their first and last times.
    const counts = () => hub!.db.prepare('SELECT * FROM event_repeats ORDER BY window_start').all() as RepeatRow[];
    expect(counts()).toEqual([
      {
        window_start: T0,
        home_id: 'h1',
        device_id: 'hall-pir',
        type: 'motion',
        value: 'true',
        first_ts: T0 + MAX + 1,
        last_ts: T0 + MAX + 10,
        count: 10,
      },
    ]);
    expect(await repeatsCounted()).toBe(10);
    const cookie = await adminSession(hub);
    const health = async () =>
      (await (await fetch(`${dashboardUrl(hub!)}/api/health`, { headers: { cookie } })).json()) as Record<
        string,
        unknown
      >;
    expect((await health()).ingest).toEqual({
      repeatsCounted: 10,
      chattering: [{ device: 'h1/hall-pir', counted: 10 }],
    });

    // A minute on, the device is heard again as a row (the rules and the store see it alive)...
    clock.advanceBy(60_000);
    await motion(false);
    expect(rows()).toHaveLength(MAX + 2);
    // ...and past the bound again, its repeats of `false` are that minute's count.
    for (let i = 0; i < MAX + 3; i++) await motion(false);
    expect(counts().map((r) => [r.window_start, r.value, r.count])).toEqual([
      [T0, 'true', 10],
      [T0 + 60_000, 'false', 4],
    ]);
    // The rules heard the device last at its last row, not at a repeat stored as a count.
    const lastRow = rows().at(-1)!.ts;
    expect(lastRow).toBeLessThan(ts);
    const live = await liveness(cookie);
    expect(live.get('hall-pir')).toMatchObject({ lastHeardAt: lastRow, offline: false });
    await pir.endAsync();

    // Rebuilt from the store alone (the rules' snapshot removed): the same as live, the counts being no rows.
    await hub.stop();
    hub = undefined;
    const db = new Database(path.join(dir, 'data', 'hub.db'), { fileMustExist: true });
    db.prepare('DELETE FROM rule_state').run();
    db.close();
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { clock, chatterMaxPerMinute: MAX });
    expect(await liveness(await adminSession(hub))).toEqual(live);

    /** What the rules know of each device (`/api/homes`, from the engine's memory). */
    async function liveness(session: string): Promise<Map<string, { lastHeardAt: number; offline: boolean }>> {
      const homes = (await (
        await fetch(`${dashboardUrl(hub!)}/api/homes`, { headers: { cookie: session } })
      ).json()) as {
        id: string;
        devices: { id: string; lastHeardAt: string | null; offline: boolean }[];
      }[];
      return new Map(
        homes[0]!.devices.map((d) => [d.id, { lastHeardAt: Date.parse(d.lastHeardAt ?? ''), offline: d.offline }]),
      );
    }
    // Two hub starts, two logins (scrypt) and 80 QoS 1 round trips on a loaded 2-core machine.
  }, 180_000);

  it('with the bound off (0) every repeat is a row', async () => {
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { chatterMaxPerMinute: 0 });
    const pir = await mqttClient(hub.ports.mqtt!);
    for (let i = 0; i < 40; i++)
      await pir.publishAsync('telecare/h1/devices/hall-pir/events', '{"type":"motion","value":true}', { qos: 1 });
    expect(hub.store.eventsAfter(0)).toHaveLength(40);
    expect(hub.db.prepare('SELECT COUNT(*) AS n FROM event_repeats').get()).toEqual({ n: 0 });
    await pir.endAsync();
  });
});

describe("the store's repeat counts", () => {
  it('are acknowledged only once the fsync that carries them is done, with the rows of their batch; a failed fsync fails them', async () => {
    // The real fsync, its completion held until released (as test/hub/store-completions.test.ts).
    const held: ((err?: NodeJS.ErrnoException) => void)[] = [];
    const release = (err?: NodeJS.ErrnoException) => {
      for (const finish of held.splice(0)) finish(err);
    };
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    const store = new EventStore(db, new FakeClock(T0), undefined, {
      syncFile: (fd, done) => fs.fsync(fd, (err) => held.push((failure) => done(failure ?? err))),
    });
    const limit = new ChatterLimit({ windowMs: 60_000, maxPerWindow: 1 });
    const pir = (ts: number) => [motion(ts)];
    const acknowledged: number[] = [];
    // The first report a row; the next three counts of one row, the last of them alone in its message.
    const first = store.appendToBatch(limit.admit(pir(1), T0, store)).then(() => acknowledged.push(1));
    expect(limit.admit(pir(2), T0, store)).toEqual([]);
    expect(limit.admit(pir(3), T0, store)).toEqual([]);
    const counted = store.batchDurable().then(() => acknowledged.push(3));
    await vi.waitFor(() => expect(held).toHaveLength(1), { timeout: 15_000, interval: 5 });
    // Committed in the row's transaction, not acknowledged before its fsync.
    expect(db.prepare('SELECT count, first_ts, last_ts FROM event_repeats').all()).toEqual([
      { count: 2, first_ts: 2, last_ts: 3 },
    ]);
    for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(acknowledged).toEqual([]);
    release();
    await Promise.all([first, counted]);
    expect(acknowledged.sort()).toEqual([1, 3]);

    // A count whose fsync fails is not acknowledged (its sender sends it again): the promise rejects.
    expect(limit.admit(pir(4), T0, store)).toEqual([]);
    const failed = store.batchDurable();
    await vi.waitFor(() => expect(held).toHaveLength(1), { timeout: 15_000, interval: 5 });
    release(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await expect(failed).rejects.toThrow('EIO');
    store.close();
    db.close();
  });
});

/** A sink that numbers its batches as the store does; `seal` is the store taking the batch for its commit. */
class FakeSink implements RepeatSink {
  repeatBatch = 0;
  readonly rows: RepeatCount[] = [];
  queueRepeat(row: RepeatCount): void {
    this.rows.push(row);
  }
  seal(): void {
    this.repeatBatch += 1;
  }
}

describe('ChatterLimit', () => {
  const event = (type: SensorEvent['type'], value: SensorEvent['value'], ts = T0): SensorEvent => ({
    homeId: 'h1',
    deviceId: 'd1',
    type,
    value,
    ts,
    source: 'mqtt',
    assigned: true,
  });

  it('never counts an emergency nor a wearable batch, however often; counts neither toward the bound', () => {
    const limit = new ChatterLimit({ windowMs: 60_000, maxPerWindow: 3 });
    const sink = new FakeSink();
    for (const type of ['pendant', 'fall', 'smoke', 'co', 'gas', 'water'] as const) {
      const events = Array.from({ length: 50 }, () => event(type, true));
      expect(limit.admit(events, T0, sink)).toHaveLength(50);
    }
    const batch = event('accel', { rate: 50, samples: [[0, 0, 1]] });
    expect(
      limit.admit(
        Array.from({ length: 50 }, () => batch),
        T0,
        sink,
      ),
    ).toHaveLength(50);
    // The bound is still whole for the device's other reports.
    expect(
      limit.admit(
        [1, 2, 3].map(() => event('temperature', 20)),
        T0,
        sink,
      ),
    ).toHaveLength(3);
    expect(limit.admit([event('temperature', 20)], T0, sink)).toEqual([]);
    expect(limit.lastCounted).toBe(1);
    expect(limit.lastDevice).toBe('h1/d1');
    expect(limit.counted).toBe(1);
    expect(sink.rows).toHaveLength(1);
  });

  it('keeps every change of state past the bound, and a repeat again once the window has passed', () => {
    const limit = new ChatterLimit({ windowMs: 60_000, maxPerWindow: 2 });
    const sink = new FakeSink();
    const flapping = Array.from({ length: 20 }, (_, i) => event('contact', i % 2 === 0));
    expect(limit.admit(flapping, T0, sink)).toHaveLength(20);
    expect(limit.admit([event('contact', false)], T0 + 59_999, sink)).toHaveLength(0);
    expect(limit.admit([event('contact', false)], T0 + 60_000, sink)).toHaveLength(1);
    expect(limit.chattering(T0 + 60_000)).toEqual([{ device: 'h1/d1', counted: 1 }]);
  });

  it("counts into one row per batch and window; a sealed batch's row is never counted into again", () => {
    const limit = new ChatterLimit({ windowMs: 60_000, maxPerWindow: 1 });
    const sink = new FakeSink();
    const at = (ts: number) => [event('motion', true, ts)];
    limit.admit(at(1), T0, sink);
    for (let ts = 2; ts <= 5; ts++) limit.admit(at(ts), T0 + ts, sink);
    expect(sink.rows).toEqual([
      expect.objectContaining({ windowStart: T0, firstTs: 2, lastTs: 5, count: 4, batch: 0, value: true }),
    ]);
    sink.seal();
    limit.admit(at(6), T0 + 6, sink);
    limit.admit(at(7), T0 + 7, sink);
    expect(sink.rows.map((r) => [r.batch, r.count])).toEqual([
      [0, 4],
      [1, 2],
    ]);
    // A new window: the first reports are rows again, then a row of counts of its own.
    expect(limit.admit(at(8), T0 + 60_006, sink)).toHaveLength(1);
    limit.admit(at(9), T0 + 60_007, sink);
    expect(sink.rows.map((r) => [r.windowStart, r.count])).toEqual([
      [T0, 4],
      [T0, 2],
      [T0 + 60_006, 1],
    ]);
  });
});

describe('HUB_CHATTER_MAX_PER_MINUTE', () => {
  it('is 0 (no bound) or 30 to 1,000,000; negative, huge, fractional or text stops the start with a clear error', () => {
    const bound = (value?: string) =>
      resolveSettings({}, value === undefined ? {} : { HUB_CHATTER_MAX_PER_MINUTE: value }, '/srv/hub')
        .chatterMaxPerMinute;
    expect(bound()).toBeUndefined();
    expect(bound('0')).toBe(0);
    expect(bound('30')).toBe(30);
    expect(bound('1000000')).toBe(1_000_000);
    for (const bad of ['29', '1000001', '99999999999999999999', '-1', '-120', '12.5', '1e3', '0x80', 'many', ' '])
      expect(() => bound(bad)).toThrow(
        /HUB_CHATTER_MAX_PER_MINUTE must be 0 \(no bound\) or a whole number from 30 to 1000000, not '/,
      );
  });
});
