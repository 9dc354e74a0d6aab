// Session 36: the configured devices never heard (review, session 35) are watched by one list and one timer per home,
// not by a slice and a silence timer each (the bench's 1,000 flats held 19,000 of each: +5.7 MB of heap, 19,000 queue
// entries, +2.6 MB of saved state). What the watch decides is unchanged: each is called offline `silentHours` after it
// was first found configured, across restarts, a state saved in session 35's form included.
import { describe, expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { DeviceConfig } from '../../rules/types.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/** 19 devices, as in each of the bench's flats. */
const NINETEEN: DeviceConfig[] = [
  ...DEVICES,
  ...['landing', 'study', 'dining', 'utility', 'porch'].map((room): DeviceConfig => ({
    id: `${room}-pir`,
    kind: 'motion',
    room,
  })),
];
const CONFIG = home({ devices: NINETEEN });
const SILENT_MS = 25 * HOUR_MS;

interface SavedHome {
  timers: Record<string, number>;
  devices: Record<string, { rules?: Record<string, unknown> }>;
  rules?: Record<string, unknown>;
}
const savedHome = (h: Harness): SavedHome =>
  (JSON.parse(JSON.stringify(h.engine.exportState())) as { homes: Record<string, SavedHome> }).homes.h1!;

/** Watched at MONDAY; the hall's PIR reports an hour later; the hub restarts (state through JSON) 20 h on. */
function watchedThenRestarted(edit?: (state: Record<string, unknown>) => void): Harness {
  const h = new Harness(CONFIG, MONDAY);
  h.watch();
  h.at(HOUR_MS, 'hall-pir', 'motion', true);
  h.advanceBy(19 * HOUR_MS);
  h.restart(CONFIG, edit);
  h.watch();
  return h;
}

const neverHeard = NINETEEN.map((d) => d.id).filter((id) => id !== 'hall-pir');

function expectCalledOfflineAt25h(h: Harness): void {
  h.advanceBy(MONDAY + SILENT_MS - MINUTE_MS - h.clock.now());
  expect(h.raised('sensor-offline')).toEqual([]);
  h.advanceBy(2 * MINUTE_MS);
  const raised = h.raised('sensor-offline');
  // Each device never heard, in configuration order, at its own due time, its configured time in the detail.
  expect(raised.map((d) => d.deviceId)).toEqual(neverHeard);
  for (const d of raised) {
    expect(d.at).toBe(MONDAY + SILENT_MS);
    expect(d.detail).toMatchObject({
      reason: `never heard since ${new Date(MONDAY).toISOString()}, when it was configured`,
      lastSeenAt: null,
      configuredAt: new Date(MONDAY).toISOString(),
    });
  }
}

describe('configured devices never heard, one list per home', () => {
  it('hold one timer for the home and no slice or timer each (18 never heard, one heard)', () => {
    const h = new Harness(CONFIG, MONDAY);
    h.watch();
    h.at(HOUR_MS, 'hall-pir', 'motion', true);
    const saved = savedHome(h);
    // Only the device heard has its own silence timer and slice; the 18 others are the home's list, one timer.
    expect(Object.keys(saved.timers).filter((name) => name.startsWith('offline:'))).toEqual(['offline:hall-pir']);
    expect(saved.timers['never-heard']).toBe(MONDAY + SILENT_MS);
    const withSlice = Object.entries(saved.devices)
      .filter(([, d]) => d.rules?.['sensor-offline'] !== undefined)
      .map(([id]) => id);
    expect(withSlice).toEqual(['hall-pir']);
    expect(saved.rules?.['sensor-offline']).toEqual({ v: 1, s: { since: [[MONDAY, neverHeard]] } });
  });

  it('are called offline 25 h after they were configured, across a restart', () => {
    expectCalledOfflineAt25h(watchedThenRestarted());
  });

  it('are taken from a state saved in session 35 form (a slice and a timer each) and called at the same time', () => {
    const h = watchedThenRestarted((state) => {
      const saved = (state.homes as Record<string, SavedHome>).h1!;
      delete saved.rules!['sensor-offline'];
      delete saved.timers['never-heard'];
      for (const id of neverHeard) {
        (saved.devices[id]!.rules ??= {})['sensor-offline'] = {
          v: 1,
          s: { lastSeenAt: null, offline: false, configuredAt: MONDAY },
        };
        saved.timers[`offline:${id}`] = MONDAY + SILENT_MS;
      }
    });
    const again = savedHome(h);
    expect(Object.keys(again.timers).filter((name) => name.startsWith('offline:'))).toEqual(['offline:hall-pir']);
    expect(again.rules?.['sensor-offline']).toEqual({ v: 1, s: { since: [[MONDAY, neverHeard]] } });
    expectCalledOfflineAt25h(h);
  });

  it("keep their count through Zigbee2MQTT's online, and its offline names when they were configured", () => {
    const h = new Harness(CONFIG, MONDAY);
    h.watch();
    h.at(2 * HOUR_MS, 'front', 'availability', true);
    h.at(HOUR_MS, 'fridge', 'availability', false);
    expect(h.raised('sensor-offline')).toEqual([
      expect.objectContaining({
        deviceId: 'fridge',
        detail: expect.objectContaining({ lastSeenAt: null, configuredAt: new Date(MONDAY).toISOString() }),
      }),
    ]);
    h.advanceBy(MONDAY + SILENT_MS + MINUTE_MS - h.clock.now());
    const front = h.raised('sensor-offline').find((d) => d.deviceId === 'front');
    expect(front).toMatchObject({ at: MONDAY + SILENT_MS, detail: { configuredAt: new Date(MONDAY).toISOString() } });
  });

  it('leave out a device taken out of the configuration while the hub was down, its due time passed', () => {
    const engine = new RulesEngine([CONFIG]);
    engine.watch(MONDAY);
    const state: unknown = JSON.parse(JSON.stringify(engine.exportState()));
    // Restarted 30 h on without the front door: the home's timer fell due meanwhile and fires before the watch.
    const without = home({ devices: NINETEEN.filter((d) => d.id !== 'front') });
    const restarted = RulesEngine.fromState([without], state);
    const raised = restarted.advanceTo(MONDAY + 30 * HOUR_MS).filter((d) => d.kind === 'sensor-offline');
    expect(raised.map((d) => (d.type === 'raise' ? d.deviceId : undefined))).toEqual(
      NINETEEN.map((d) => d.id).filter((id) => id !== 'front'),
    );
    expect(restarted.watch(MONDAY + 30 * HOUR_MS).filter((d) => d.kind === 'sensor-offline')).toEqual([]);
  });
});
