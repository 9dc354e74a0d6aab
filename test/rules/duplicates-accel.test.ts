// The duplicate check keeps a device's latest few reports (rules/engine.ts, session 28); a wearable's accelerometer
// samples are no such report: an object never equal to another, and up to 64 KiB each.
import { describe, expect, it } from 'vitest';
import { SECOND_MS } from '../../rules/time.js';
import { Harness, MONDAY } from './factories.js';

/** One second of a wearer sitting still at `rate` Hz (gravity on z), as a wearable sends it. */
function stillSecond(rate: number): { rate: number; samples: [number, number, number][] } {
  return { rate, samples: Array.from({ length: rate }, (_, i) => [0.01 * (i % 3), 0.02, 0.99]) };
}

describe("a wearable's accelerometer samples", () => {
  it('are not kept among its latest reports: the saved state does not grow with them', () => {
    const h = new Harness(undefined, MONDAY);
    for (let i = 0; i < 4; i++) h.at(i === 0 ? 0 : SECOND_MS, 'watch', 'accel', stillSecond(50));
    const state = h.engine.exportState() as {
      homes: Record<string, { devices: Record<string, { reported?: unknown }> }>;
    };
    const saved = JSON.stringify(state);
    // 4 x 50 samples of [x, y, z] would be kept (and saved with every rules snapshot) for each wearable. (The fall
    // detector keeps a stream's first minute for a late batch, session 65, bounded by its reorder bound: not here.)
    expect(JSON.stringify(state.homes.h1!.devices.watch!.reported ?? [])).not.toContain('"samples"');
    // The fall detector's history is saved (2.56 s of 20 ms cells, session 32): bounded, whatever the rate and however
    // long the wearable sends; 40 s at 200 Hz stays within digits of 4 s at 50 Hz (kept, 4 x 200 samples: ~14 KB more).
    const h2 = new Harness(undefined, MONDAY);
    for (let i = 0; i < 40; i++) h2.at(i === 0 ? 0 : SECOND_MS, 'watch', 'accel', stillSecond(200));
    expect(JSON.stringify(h2.engine.exportState()).length).toBeLessThan(saved.length + 2048);
  });

  it("a snapshot that kept them (session 28's first version) loads without them; the device's other reports stay", () => {
    const h = new Harness(undefined, MONDAY);
    h.at(0, 'hall-pir', 'motion', true);
    h.restart(undefined, (state) => {
      const devices = (state.homes as Record<string, { devices: Record<string, { reported?: unknown[] }> }>).h1!
        .devices;
      devices.watch = { ...devices.watch, reported: [{ ts: MONDAY, type: 'accel', value: stillSecond(50) }] };
    });
    const saved = JSON.stringify(h.engine.exportState());
    expect(saved).not.toContain('"samples"');
    expect(saved).toContain('"reported":[{"ts":');
  });
});
