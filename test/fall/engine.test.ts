// A wearable that falls silent after a fall: the engine's timer wakes the detector, in the pure engine and across a restart.
import { describe, expect, it } from 'vitest';
import type { AccelValue } from '../../rules/types.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { ev, Harness, MONDAY } from '../rules/factories.js';
import {
  fallSegments,
  first,
  render,
  still,
  toMessages,
  turn,
  LYING,
  UPRIGHT,
  walking,
  type Segment,
} from './signals.js';

const START = MONDAY + 9 * 3_600_000;
const { impactG, stillSeconds, recoverSeconds } = DEFAULT_RULE_PARAMS.fall;
/** The impact: the first sample (100 Hz) of fallSegments() whose magnitude reaches impactG. */
const IMPACT_AT = START + 10 * render(fallSegments(1), 100).findIndex((s) => Math.hypot(...s) >= impactG);
/** The bound: a fall alert within 1 + stillSeconds + recoverSeconds seconds of the impact. */
const ALERT_BY = IMPACT_AT + (1 + stillSeconds + recoverSeconds) * 1000;

function messages(segments: Segment[], rateHz = 100): { ts: number; value: AccelValue }[] {
  return toMessages(render(segments, rateHz), rateHz, START);
}

/** Samples that end 3 s after the impact (0.1 s impact + 2.9 s lying): then the wearable says nothing more. */
const ENDS_3S_AFTER_IMPACT = fallSegments(2.9);

function send(h: Harness, ms: { ts: number; value: AccelValue }[]): void {
  for (const m of ms) h.send(ev(m.ts, 'watch', 'accel', m.value, h.config));
}

describe('wearable falls in the rules engine (fake clock)', () => {
  it('raises a fall whose samples end 3 s after the impact, within 1 + stillSeconds + recoverSeconds s', () => {
    const h = new Harness(undefined, START);
    send(h, messages(ENDS_3S_AFTER_IMPACT));
    expect(h.raised('fall')).toEqual([]);
    h.advanceBy(ALERT_BY - h.clock.now());
    const falls = h.raised('fall');
    expect(falls).toHaveLength(1);
    expect(first(falls)).toMatchObject({ kind: 'fall', severity: 'critical', residentId: 'r1', deviceId: 'watch' });
    expect(Math.abs(first(falls).at - IMPACT_AT)).toBeLessThanOrEqual(60);
    // What a responder reads on the card.
    expect(first(falls).detail).toMatchObject({
      source: 'wearable',
      recovered: false,
      downgraded: false,
      sampleRateHz: 100,
    });
    expect(first(falls).detail.peakG).toBeGreaterThan(2.5);
    expect(first(falls).detail.postureChangeDeg).toBeGreaterThan(80);
    expect(first(falls).detail.stillSeconds).toBeGreaterThanOrEqual(1.5);
    expect(first(falls).detail.impactAt).toBe(first(falls).at);
    h.advanceBy(3_600_000);
    expect(h.raised('fall')).toHaveLength(1);
  });

  it('raises a fall when samples stop within the settling second after the impact', () => {
    const h = new Harness(undefined, START);
    send(h, messages(fallSegments(0.8)));
    h.advanceBy(ALERT_BY - h.clock.now());
    expect(h.raised('fall')).toHaveLength(1);
  });

  it('raises nothing for a wearer who got up and walked before the wearable fell silent', () => {
    const h = new Harness(undefined, START);
    send(h, messages([...fallSegments(0.3), turn(0.7, LYING, UPRIGHT), walking(2)]));
    h.advanceBy(3_600_000);
    expect(h.raised('fall')).toEqual([]);
  });

  it('still raises at the end of the window, not earlier, while the wearer lies still and the wearable keeps sending', () => {
    const h = new Harness(undefined, START);
    send(h, messages(fallSegments(20)));
    const falls = h.raised('fall');
    expect(falls).toHaveLength(1);
    expect(first(falls).detail.decidedAt).toBeLessThanOrEqual(ALERT_BY);
    expect(first(falls).detail).not.toHaveProperty('wearableSilentSeconds');
  });

  it('keeps the pending decision across a restart mid-stream: samples after it, then silence, still raise', () => {
    const h = new Harness(undefined, START);
    const ms = messages(ENDS_3S_AFTER_IMPACT);
    // 4 of 7 one-second messages: the impact is in, the stillness window is not complete.
    send(h, ms.slice(0, 5));
    h.restart();
    send(h, ms.slice(5));
    h.advanceBy(ALERT_BY - h.clock.now());
    expect(h.raised('fall')).toHaveLength(1);
  });

  it('fires the wake-up armed before a restart when nothing arrives after it', () => {
    const h = new Harness(undefined, START);
    send(h, messages(ENDS_3S_AFTER_IMPACT));
    h.advanceBy(500);
    h.restart();
    h.advanceBy(ALERT_BY - h.clock.now());
    const falls = h.raised('fall');
    expect(falls).toHaveLength(1);
    expect(first(falls).severity).toBe('critical');
  });

  it('records an impact the wearer got up from as info (no call-out), with what the detector saw', () => {
    const h = new Harness(undefined, START);
    send(h, messages([...fallSegments(3), turn(1, LYING, UPRIGHT), walking(20)]));
    h.advanceBy(3_600_000);
    const falls = h.raised('fall');
    expect(falls).toHaveLength(1);
    expect(first(falls)).toMatchObject({ severity: 'info', deviceId: 'watch' });
    expect(falls.at(0)?.detail).toMatchObject({ source: 'wearable', downgraded: true, recovered: true });
  });
});

describe('the end of the recovery window, decided by the engine timer (issue 11, sixth round)', () => {
  /** When the recovery window ends: the stillness window (1 s settling + stillSeconds) after the impact, then recoverSeconds. */
  const WINDOW_END = IMPACT_AT + (1 + stillSeconds + recoverSeconds) * 1000;

  it('judges the getting up on the samples that arrived: up and walking, then out of range, is an info record', () => {
    // Lying 3 s, up within 0.7 s and walking 1 s; then the wearable says nothing more (the wearer walked out of
    // the radio's range). The window's own checks need 2 s of it, so only the timer at its end can judge them.
    const h = new Harness(undefined, START);
    send(h, messages([...fallSegments(3), turn(0.7, LYING, UPRIGHT), walking(1)]));
    h.advanceBy(WINDOW_END + 60_000 - h.clock.now());
    const falls = h.raised('fall');
    expect(falls).toHaveLength(1);
    expect(first(falls)).toMatchObject({ severity: 'info', deviceId: 'watch' });
    expect(first(falls).detail).toMatchObject({
      downgraded: true,
      recovered: true,
      wearableSilentSeconds: expect.any(Number),
    });
  });

  it('still calls out a wearer last seen lying still when the wearable fell silent inside the window (control)', () => {
    const h = new Harness(undefined, START);
    send(h, messages(fallSegments(5)));
    h.advanceBy(WINDOW_END + 60_000 - h.clock.now());
    const falls = h.raised('fall');
    expect(falls).toHaveLength(1);
    expect(first(falls).severity).toBe('critical');
    expect(first(falls).detail).toMatchObject({ recovered: false, downgraded: false });
  });

  it('keeps judging the window across a 2.5 s radio silence: a wearer up and walking after it is an info record', () => {
    // Before: a silence longer than the engine's 2 s restarted the detector, which called out at once.
    const h = new Harness(undefined, START);
    const lying = messages(fallSegments(2.6)); // ends 2.6 s after the impact: the stillness window is complete
    send(h, lying);
    const resumeAt = IMPACT_AT + 2700 + 2500;
    const after = toMessages(render([turn(0.7, LYING, UPRIGHT), walking(12)], 100), 100, resumeAt);
    send(h, after);
    h.advanceBy(60_000);
    const falls = h.raised('fall');
    expect(falls).toHaveLength(1);
    expect(first(falls).severity).toBe('info');
  });

  it('across the same silence, a wearer still lying after it is called out once, at the window end (control)', () => {
    const h = new Harness(undefined, START);
    send(h, messages(fallSegments(2.6)));
    const resumeAt = IMPACT_AT + 2700 + 2500;
    send(h, toMessages(render([still(12, LYING)], 100), 100, resumeAt));
    h.advanceBy(60_000);
    const falls = h.raised('fall');
    expect(falls).toHaveLength(1);
    expect(first(falls).severity).toBe('critical');
    expect(first(falls).detail.decidedAt).toBeLessThanOrEqual(WINDOW_END + 20);
  });

  it("raises no second alert for a late burst of the window's samples that arrives after the timer decided", () => {
    const h = new Harness(undefined, START);
    const all = messages([...fallSegments(3), still(7, LYING), turn(0.7, LYING, UPRIGHT), walking(6)]);
    const cut = all.findIndex((m) => m.ts > IMPACT_AT + 5000);
    send(h, all.slice(0, cut));
    h.advanceBy(WINDOW_END + 5000 - h.clock.now());
    expect(h.raised('fall')).toHaveLength(1);
    // The rest, delivered late (a gateway flushing its buffer): stamped inside the window, handled after it.
    for (const m of all.slice(cut)) h.send({ ...ev(m.ts, 'watch', 'accel', m.value, h.config) });
    h.advanceBy(60_000);
    const falls = h.raised('fall');
    expect(falls).toHaveLength(1);
    expect(first(falls).severity).toBe('critical');
  });
});
