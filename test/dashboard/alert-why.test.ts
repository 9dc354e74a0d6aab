// The line a responder reads on the console's card (dashboard/public/alert-why.js, shared with the centre's console).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

type Why = (
  alert: { kind?: string; room?: string | null; detail?: Record<string, unknown> },
  zone?: string,
) => string | null;

// Plain browser JavaScript (no types): loaded by its URL.
const whyModule = pathToFileURL(path.resolve('dashboard/public/alert-why.js')).href;
const { why } = (await import(whyModule)) as { why: Why };

const lone = {
  silenceMinutes: 1080,
  thresholdMinutes: 1080,
  thresholdSource: 'outing-bound',
  lastRoom: 'kitchen',
  lastDeviceId: 'fridge',
  lastDeviceKind: 'door',
  matOccupied: null,
  presenceInDoubt: true,
};

describe("the card's line for a device alone waited on as an outing", () => {
  it('a home whose record shows it often empty says so', () => {
    expect(why({ detail: lone })).toBe(
      'Silent for 18 h 00 min (one device alone in a home that often stands empty: waited as long as its outings: 18 h 00 min) · last seen: kitchen, door contact · no mat occupied',
    );
  });

  it('a contact that chattered by itself says that instead (a new home has no record of standing empty)', () => {
    expect(why({ detail: { ...lone, loneDeviceChattered: true } })).toBe(
      'Silent for 18 h 00 min (one device alone, reporting over and over by itself (a faulty contact?): waited as long as an outing: 18 h 00 min) · last seen: kitchen, door contact · no mat occupied',
    );
  });
});

describe("the card's line for a wearable's fall", () => {
  const fall = { peakG: 3.42, descentMps: 1.37, postureChangeDeg: 81.6, stillSeconds: 12 };

  it('says the impact and the descent it measured', () => {
    expect(why({ detail: fall })).toBe('impact 3.4 g · falling at 1.4 m/s · posture changed 82° · still for 12 s');
  });

  it('an impact a radio gap hid is said to be unseen, not a soft landing of about 1 g', () => {
    // What the detector reports then: the first samples after the gap, the wearer already lying still.
    const hidden = { ...fall, peakG: 1.02, descentMps: 0, impactLostInGap: true };
    expect(why({ detail: hidden })).toBe(
      'impact not received (radio gap), judged by the posture before and after · posture changed 82° · still for 12 s',
    );
  });
});

describe("the card's line for an alert raised while a device is dead to the rules (session 29)", () => {
  const silence = {
    silenceMinutes: 240,
    thresholdMinutes: 240,
    thresholdSource: 'cold-start',
    lastRoom: 'bathroom',
    lastDeviceId: 'bathroom-pir',
    lastDeviceKind: 'motion',
    matOccupied: null,
  };
  const door = { id: 'bathroom-door', kind: 'door', room: 'bathroom', silentSince: '2026-11-24T14:05:00.000Z' };

  it("names the device, its room and its last report in the home's time, and that the room checks are paused", () => {
    expect(why({ kind: 'inactivity', detail: { ...silence, deadDevices: [door] } }, 'Europe/London')).toBe(
      'Silent for 4 h 00 min (first-weeks limit: 4 h 00 min) · last seen: bathroom, motion sensor · no mat occupied · bathroom door contact silent since Tue 14:05 (taken as failed): room checks paused',
    );
    // The home's zone, not the viewer's: 14:05 in London is 09:05 in New York.
    expect(why({ kind: 'inactivity', detail: { deadDevices: [door] } }, 'America/New_York')).toBe(
      'bathroom door contact silent since Tue 09:05 (taken as failed): room checks paused',
    );
  });

  it('says in which rooms the checks are paused when not in all (session 30), and nothing when in none', () => {
    const paused = (roomChecksPaused: unknown): string | null =>
      why({ kind: 'inactivity', detail: { deadDevices: [door], roomChecksPaused } }, 'Europe/London');
    expect(paused(['bathroom', 'hall'])).toBe(
      'bathroom door contact silent since Tue 14:05 (taken as failed): room checks paused in bathroom, hall',
    );
    expect(paused('all')).toBe('bathroom door contact silent since Tue 14:05 (taken as failed): room checks paused');
    expect(paused([])).toBe('bathroom door contact silent since Tue 14:05 (taken as failed)');
    // A room check's own alert names the rooms too: another room's checks may be paused while its own ran.
    expect(
      why({ kind: 'possible-fall', detail: { deadDevices: [door], roomChecksPaused: ['bathroom'] } }, 'Europe/London'),
    ).toBe('bathroom door contact silent since Tue 14:05 (taken as failed): room checks paused in bathroom');
  });

  it("says Zigbee2MQTT's offline as such, lists every dead device, and a room check's own alert does not call itself paused", () => {
    const pir = {
      id: 'hall-pir',
      kind: 'motion',
      room: 'hall',
      silentSince: '2026-11-25T07:30:00.000Z',
      unavailable: true,
    };
    expect(why({ kind: 'possible-fall', detail: { deadDevices: [door, pir] } }, 'Europe/London')).toBe(
      'bathroom door contact silent since Tue 14:05 (taken as failed), hall motion sensor reported offline (last heard Wed 07:30, taken as failed)',
    );
  });

  it('a last report not known, or a zone the browser does not know, still gives a line', () => {
    const unknown = { id: 'x', kind: 'door', room: null, silentSince: null };
    expect(why({ kind: 'inactivity', detail: { deadDevices: [unknown] } }, 'Nowhere/Nothing')).toBe(
      'door contact silent since an unknown time (taken as failed): room checks paused',
    );
    expect(typeof why({ kind: 'inactivity', detail: { deadDevices: [door] } }, 'Nowhere/Nothing')).toBe('string');
  });
});

describe("the card's line for a sensor-offline alert (session 29)", () => {
  it("names the device and since when, in the home's time", () => {
    const silent = {
      reason: 'silent for 25 h',
      lastSeenAt: '2026-11-24T14:05:00.000Z',
      deviceId: 'bathroom-door',
      eventAt: '2026-11-25T15:05:00.000Z',
    };
    expect(why({ kind: 'sensor-offline', detail: silent }, 'Europe/London')).toBe(
      'bathroom-door silent since Tue 14:05',
    );
    expect(
      why({ kind: 'sensor-offline', detail: { ...silent, reason: 'reported unavailable' } }, 'Europe/London'),
    ).toBe('bathroom-door reported offline at Tue 14:05');
  });

  it('says a device never heard since it was configured, and when (session 35)', () => {
    const never = {
      reason: 'never heard since 2026-11-23T09:00:00.000Z, when it was configured',
      lastSeenAt: null,
      configuredAt: '2026-11-23T09:00:00.000Z',
      deviceId: 'front',
    };
    expect(why({ kind: 'sensor-offline', detail: never }, 'Europe/London')).toBe(
      'front never heard since it was configured, Mon 09:00',
    );
    // Zigbee2MQTT calls it unavailable before it ever reported: no time of a last report to give.
    expect(why({ kind: 'sensor-offline', detail: { ...never, reason: 'reported unavailable' } }, 'Europe/London')).toBe(
      'front reported offline, never heard',
    );
  });
});

describe("the card's line for a device's own alarm (session 35)", () => {
  // The detail as the rules and the lifecycle write it (rules/emergency.ts; hub/alerts/lifecycle.ts adds deviceId).
  const raisedBy = (eventType: string, deviceId: string) => ({
    eventType,
    source: 'zigbee',
    deviceId,
    eventAt: '2026-11-25T03:05:00.000Z',
  });

  it('names the device of a smoke, CO, gas or water alarm, a pendant press and a reported fall', () => {
    expect(why({ kind: 'smoke', room: 'hall', detail: raisedBy('smoke', 'hall-smoke') })).toBe(
      'smoke detected by hall-smoke',
    );
    expect(why({ kind: 'co', room: 'kitchen', detail: raisedBy('co', 'kitchen-co') })).toBe(
      'carbon monoxide detected by kitchen-co',
    );
    expect(why({ kind: 'gas', room: 'kitchen', detail: raisedBy('gas', 'hob-gas') })).toBe('gas detected by hob-gas');
    expect(why({ kind: 'flood', room: 'bathroom', detail: raisedBy('water', 'bath-leak') })).toBe(
      'water detected by bath-leak',
    );
    expect(why({ kind: 'pendant', room: 'living', detail: raisedBy('pendant', 'pendant-1') })).toBe(
      'pendant button pressed on pendant-1',
    );
    expect(why({ kind: 'fall', detail: raisedBy('fall', 'pendant-1') })).toBe('fall reported by pendant-1 itself');
  });

  it("says a fall the hub found in a wearable's movement is the hub's finding, before the figures", () => {
    const found = { source: 'wearable', peakG: 3.42, deviceId: 'watch-1', eventAt: '2026-11-25T03:05:00.000Z' };
    expect(why({ kind: 'fall', room: 'bedroom', detail: found })).toBe(
      'impact 3.4 g · fall detected by the hub from the movement of watch-1',
    );
  });

  it('names the device of a low battery and of a tamper switch', () => {
    expect(
      why({ kind: 'low-battery', room: 'hall', detail: { eventType: 'battery', value: 9.6, deviceId: 'hall-pir' } }),
    ).toBe('battery at 10 % on hall-pir');
    expect(why({ kind: 'low-battery', detail: { eventType: 'battery_low', value: true, deviceId: 'hall-pir' } })).toBe(
      'battery low on hall-pir',
    );
    expect(why({ kind: 'tamper', room: 'hall', detail: { deviceKind: 'smoke', deviceId: 'hall-smoke' } })).toBe(
      'hall-smoke (smoke alarm) opened or moved',
    );
  });

  it('says nothing of a device for an alert no device raised, nor for an id that is not text', () => {
    expect(why({ kind: 'smoke', room: 'hall', detail: { eventType: 'smoke' } })).toBeNull();
    expect(why({ kind: 'smoke', detail: { eventType: 'smoke', deviceId: 42 } })).toBeNull();
    expect(why({ kind: 'smoke', detail: { eventType: 'toString', deviceId: 'x' } })).toBeNull();
  });
});

describe("the card of a worn device's alert says where the home's sensors last saw someone (session 36)", () => {
  // The detail as rules/explain.ts `wornDetail` writes it (test/rules/worn-where.test.ts: the real engine's).
  const press = {
    eventType: 'pendant',
    source: 'mqtt',
    deviceId: 'pendant-1',
    worn: true,
    deviceKind: 'pendant',
    seenRoom: 'hall',
    seenDeviceId: 'hall-pir',
    seenDeviceKind: 'motion',
    seenAt: '2026-11-25T02:52:00.000Z',
    seenMinutesBefore: 13,
  };

  it('the place first, then the press', () => {
    expect(why({ kind: 'pendant', room: 'living', detail: press })).toBe(
      "pendant worn (set up in living): the home's sensors last saw someone in hall (motion sensor), 13 min before · pendant button pressed on pendant-1",
    );
  });

  it("a wearable's fall, a sighting after it, none yet, and a home that took them as out", () => {
    const fall = { ...press, eventType: undefined, source: 'wearable', deviceId: 'watch-1', deviceKind: 'wearable' };
    expect(why({ kind: 'fall', room: 'living', detail: { ...fall, peakG: 3.42, seenMinutesBefore: 75 } })).toBe(
      "wearable worn (set up in living): the home's sensors last saw someone in hall (motion sensor), 1 h 15 min before · impact 3.4 g · fall detected by the hub from the movement of watch-1",
    );
    expect(why({ kind: 'fall', detail: { ...fall, seenMinutesBefore: -1 } })).toBe(
      "wearable worn: the home's sensors last saw someone in hall (motion sensor), 1 min after · fall detected by the hub from the movement of watch-1",
    );
    const none = {
      ...press,
      seenRoom: null,
      seenDeviceId: null,
      seenDeviceKind: null,
      seenAt: null,
      seenMinutesBefore: null,
    };
    expect(why({ kind: 'pendant', room: 'living', detail: { ...none, out: true } })).toBe(
      'pendant worn (set up in living): no sensor of the home has seen anyone yet; the home took them as out (front door closed, nothing inside since) · pendant button pressed on pendant-1',
    );
  });

  it("the card's where line leaves out a worn device's configured room, and keeps any other alert's", async () => {
    const { place } = (await import(whyModule)) as { place: (a: unknown) => string };
    expect(place({ homeId: 'h1', room: 'living', detail: press })).toBe('h1');
    expect(place({ homeId: 'h1', room: 'kitchen', detail: { eventType: 'smoke', deviceId: 'kitchen-smoke' } })).toBe(
      'h1 · kitchen',
    );
    expect(place({ homeId: 'h1', room: 'kitchen' })).toBe('h1 · kitchen');
  });
});

describe("the card's line for a bathroom visit too long (session 44)", () => {
  const visit = {
    thresholdMinutes: 60,
    thresholdSource: 'cold-start',
    lastRoom: 'bathroom',
    lastDeviceId: 'bathroom-pir',
    lastDeviceKind: 'motion',
    matOccupied: null,
  };

  it('says how long the visit has lasted against its limit, and when the resident last moved there', () => {
    // Before, "Silent for 2 h 10 min": the whole visit, though the PIR saw the resident ten minutes ago.
    expect(why({ kind: 'bathroom-too-long', detail: { ...visit, silenceMinutes: 10, minutesInBathroom: 130 } })).toBe(
      'In the bathroom for 2 h 10 min (first-weeks limit: 1 h 00 min) · last movement 10 min ago · last seen: bathroom, motion sensor · no mat occupied',
    );
  });

  it('a visit with no movement since going in says so', () => {
    expect(why({ kind: 'bathroom-too-long', detail: { ...visit, silenceMinutes: 61, minutesInBathroom: 61 } })).toBe(
      'In the bathroom for 1 h 01 min (first-weeks limit: 1 h 00 min) · no movement since going in · last seen: bathroom, motion sensor · no mat occupied',
    );
  });
});

describe("the card's line for a night up out of bed too long (session 44)", () => {
  it('says how long the resident has been up against the limit, and when they last moved', () => {
    const detail = {
      silenceMinutes: 4,
      thresholdMinutes: 45,
      thresholdSource: 'cold-start',
      minutesOutOfBed: 52,
      lastRoom: 'kitchen',
      lastDeviceId: 'kitchen-pir',
      lastDeviceKind: 'motion',
      matOccupied: null,
    };
    expect(why({ kind: 'out-of-bed-too-long', detail })).toBe(
      'Out of bed for 52 min (first-weeks limit: 45 min) · last movement 4 min ago · last seen: kitchen, motion sensor · no mat occupied',
    );
  });
});

describe("the card's line for an outing nothing ended (session 69)", () => {
  const unended = {
    silenceMinutes: 1320,
    thresholdMinutes: 600,
    thresholdSource: 'cold-start',
    lastRoom: 'entrance',
    lastDeviceId: 'front',
    lastDeviceKind: 'exit-door',
    matOccupied: null,
    presenceInDoubt: true,
  };
  it('an outing begun minutes after a homecoming nothing inside saw says so, not "longer than any outing"', () => {
    const line = why({
      detail: {
        ...unended,
        outingUnended: { since: '2026-01-08T18:03:10.000Z', afterArrival: '2026-01-08T18:00:10.000Z' },
      },
    });
    expect(line).toContain('taken as out since the front door moved minutes after coming home; not seen since');
    expect(line).not.toContain('longer than any outing');
  });
  it('guard: any other outing nothing ended keeps its line', () => {
    const line = why({ detail: { ...unended, outingUnended: { since: '2026-01-08T18:03:10.000Z' } } });
    expect(line).toContain('taken as out since the front door closed, longer than any outing of this home');
  });
});
