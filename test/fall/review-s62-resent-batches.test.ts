// Review, session 62: a bridge killed while it sent what it held (the broker back after an outage, the hub slow to
// acknowledge) sends again at its next start the events the broker had not acknowledged: up to 64 in flight
// (MAX_IN_FLIGHT, firmware-bridge/mqtt-outbox.ts), a wearable's batches among them, a minute of them at one a second.
// The fall detector knew a batch sent again only among the last 8 it took in (RECENT_MESSAGES); older ones were laid
// end to end after the stream, the impact and the lying still after it judged again: a second critical fall, the
// responder on their way told the wearer fell again, or, the first resolved, called out again. Now the detector
// remembers its last 128 batches (twice a bridge's in flight); a batch with a stamp of its own is taken in as ever.
// The real rules engine, its timer fired when due, as in transport.test.ts.
import { expect, it } from 'vitest';
import { fallSegments, still, walking, UPRIGHT } from './signals.js';
import { batches, Hub, severities, START } from './batch-hub.js';

it('calls a fall out once when a restarted bridge sends the batches it had in flight again, and a second fall again', () => {
  // The impact, then a minute lying still, one batch a second; the fall confirmed before the bridge is killed.
  const stream = batches(fallSegments(60));
  const hub = new Hub();
  for (const b of stream) hub.deliver(b);
  const end = stream.at(-1)!.arrival;
  hub.timersTo(end + 5_000);
  expect(severities(hub)).toEqual(['critical']);

  // The bridge, started again 10 s later, sends the 64 it had in flight (all of them here), their stamps unchanged.
  expect(stream.length).toBeLessThanOrEqual(64);
  stream.forEach((b, i) => hub.deliver({ ...b, arrival: end + 10_000 + i * 10 }));
  hub.timersTo(end + 20_000);
  // Before: ['critical', 'critical'].
  expect(severities(hub)).toEqual(['critical']);

  // Helped up, walking about, then down again: batches with stamps of their own, a second fall called out.
  const offset = end + 60_000 - START;
  const again = batches([still(3, UPRIGHT), walking(20), ...fallSegments(30)]).map((b) => ({
    ...b,
    ts: b.ts + offset,
    arrival: b.arrival + offset,
  }));
  for (const b of again) hub.deliver(b);
  hub.silence(again.at(-1)!.arrival);
  expect(severities(hub)).toEqual(['critical', 'critical']);
});
