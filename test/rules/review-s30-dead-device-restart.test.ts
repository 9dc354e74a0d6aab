// Review, session 30: a device Zigbee2MQTT called offline stays dead to the rules across a restart, even when it had
// not reported since the hub began counting its days (a device just installed, or a hub upgraded from before session
// 29). What the rules knew of its days was saved only once it had reported: the restart took it for alive again, and
// the room rules it holds off (possible-fall, bathroom-too-long) armed on its silence.
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, home, MONDAY } from './factories.js';

const config = home({
  devices: [
    { id: 'bathroom-pir', kind: 'motion', room: 'bathroom' },
    { id: 'bathroom-door', kind: 'door', room: 'hall' },
    { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  ],
});

/** Day `n`: the kitchen at 08:00, the bathroom at 09:00, then nothing until the kitchen at 11:30. */
function morning(h: Harness, n: number): void {
  const at = (hours: number, minutes = 0): number => MONDAY + n * DAY_MS + hours * HOUR_MS + minutes * MINUTE_MS;
  h.clock.advanceTo(at(8));
  h.at(0, 'kitchen-pir', 'motion', true);
  h.clock.advanceTo(at(9));
  h.at(0, 'bathroom-pir', 'motion', true);
  h.clock.advanceTo(at(11, 30));
  h.at(0, 'kitchen-pir', 'motion', true);
}

/** The room rules' calls (possible-fall, bathroom-too-long) from day `from` on. */
const roomCalls = (h: Harness, from: number): number =>
  h
    .raised()
    .filter((d) => (d.kind === 'possible-fall' || d.kind === 'bathroom-too-long') && d.at >= MONDAY + from * DAY_MS)
    .length;

describe('a device Zigbee2MQTT called offline before it ever reported', () => {
  it('online, the room rules call about these mornings (the check this test rests on)', () => {
    const h = new Harness(config, MONDAY);
    morning(h, 1);
    morning(h, 2);
    expect(roomCalls(h, 1)).toBeGreaterThan(0);
  });

  it('offline, they hold off, and a restart changes nothing', () => {
    for (const restart of [false, true]) {
      const h = new Harness(config, MONDAY);
      h.clock.advanceTo(MONDAY + DAY_MS + 6 * HOUR_MS);
      h.at(0, 'bathroom-door', 'availability', false);
      morning(h, 1);
      if (restart) h.restart();
      morning(h, 2);
      expect(roomCalls(h, 1), restart ? 'with a restart' : 'without').toBe(0);
    }
  });
});
