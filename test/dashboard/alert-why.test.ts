// The line a responder reads on the console's card (dashboard/public/alert-why.js, shared with the centre's console).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

type Why = (alert: { detail?: Record<string, unknown> }) => string | null;

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

describe("the card's line for a home with a sensor taken for dead (session 29)", () => {
  it('names the sensor and says why the call came from the silence of the home', () => {
    const detail = {
      silenceMinutes: 240,
      thresholdMinutes: 240,
      thresholdSource: 'cold-start',
      lastRoom: 'bathroom',
      lastDeviceId: 'bathroom-pir',
      lastDeviceKind: 'motion',
      matOccupied: null,
      deadDeviceId: 'bathroom-door',
      deadDeviceKind: 'door',
    };
    expect(why({ detail })).toBe(
      "Silent for 4 h 00 min (first-weeks limit: 4 h 00 min) · last seen: bathroom, motion sensor · door contact bathroom-door not working: bathroom and fall checks off, called on the home's silence · no mat occupied",
    );
  });
});
