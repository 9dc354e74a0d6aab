// The wearable fall detector on generated signals: falls are caught, everyday movements are not.
import { describe, expect, it } from 'vitest';
import { createFallDetector, impactThresholdG, type FallDetection } from '../../rules/fall/detector.js';
import { DEFAULT_RULE_PARAMS, resolveRuleParams } from '../../rules/params.js';
import type { AccelValue } from '../../rules/types.js';
import { sensorMessages } from '../../eval/wearable-sensor.js';
import {
  fallSegments,
  first,
  freeFall,
  impact,
  LYING,
  render,
  still,
  toMessages,
  turn,
  UPRIGHT,
  walking,
  type Segment,
} from './signals.js';

const START = Date.UTC(2026, 0, 1, 8, 0, 0);
/** Impact of fallSegments(): 3 s standing + 0.4 s free fall. */
const IMPACT_AT = START + 3400;

function detect(messages: { ts: number; value: AccelValue }[], params = DEFAULT_RULE_PARAMS.fall): FallDetection[] {
  const detector = createFallDetector(params);
  return messages.flatMap((m) => detector.push(m.ts, m.value));
}
const run = (segments: Segment[], rateHz = 100): FallDetection[] =>
  detect(toMessages(render(segments, rateHz), rateHz, START));

describe('wearable fall detector', () => {
  it('reports a clear fall (free fall, hard impact, lying still) once, as critical', () => {
    const found = run(fallSegments(20));
    expect(found).toHaveLength(1);
    expect(first(found).downgraded).toBe(false);
    expect(Math.abs(first(found).at - IMPACT_AT)).toBeLessThanOrEqual(60);
    expect(first(found).peakG).toBeGreaterThan(2.5);
    expect(first(found).detail.postureChangeDeg).toBeGreaterThan(80);
  });

  it.each([50, 200])('catches the same fall sampled at %i Hz', (rateHz) => {
    const found = run(fallSegments(20), rateHz);
    expect(found).toHaveLength(1);
    expect(first(found).downgraded).toBe(false);
    expect(Math.abs(first(found).at - IMPACT_AT)).toBeLessThanOrEqual(60);
  });

  it('catches a fall whose impact is split between two messages, the second one stamped a little late', () => {
    const samples = render(fallSegments(20), 100);
    const cut = 345; // in the middle of the 3.40–3.50 s impact
    const found = detect([
      { ts: START, value: { rate: 100, samples: samples.slice(0, cut) } },
      { ts: START + cut * 10 + 7, value: { rate: 100, samples: samples.slice(cut) } },
    ]);
    expect(found).toHaveLength(1);
    expect(first(found).peakG).toBeGreaterThan(2.5);
  });

  it('lays messages stamped with one and the same time (re-stamped on arrival) end to end', () => {
    const messages = toMessages(render(fallSegments(20), 200), 200, START).map((m) => ({ ...m, ts: START }));
    const found = detect(messages);
    expect(found).toHaveLength(1);
    expect(Math.abs(first(found).at - IMPACT_AT)).toBeLessThanOrEqual(60);
  });

  it('reports nothing for sitting down hard on a chair', () => {
    const seated: [number, number, number] = [0, -0.5, -0.87];
    const found = run([still(3, UPRIGHT), turn(0.6, UPRIGHT, seated), impact(0.1, seated, 1.7), still(20, seated)]);
    expect(found).toEqual([]);
  });

  it('reports nothing for jumping on the spot (free fall and hard landings, but upright)', () => {
    const jumps: Segment[] = [still(3, UPRIGHT)];
    for (let i = 0; i < 10; i++) jumps.push(freeFall(0.3, UPRIGHT, 0.05), impact(0.1, UPRIGHT, 2.9), walking(0.6));
    jumps.push(still(20, UPRIGHT));
    expect(run(jumps)).toEqual([]);
  });

  it('reports nothing for ten minutes of walking', () => {
    expect(run([walking(600)])).toEqual([]);
  });

  it('downgrades, but still reports, a fall after which the person gets up and walks again', () => {
    const found = run([...fallSegments(3), turn(1, LYING, UPRIGHT), walking(20)]);
    expect(found).toHaveLength(1);
    expect(first(found).downgraded).toBe(true);
    expect(first(found).detail.recovered).toBe(true);
  });

  it('reports a confirmed fall even when the wearable falls silent, once the caller advances time', () => {
    const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    const messages = toMessages(render(fallSegments(4), 100), 100, START);
    const during = messages.flatMap((m) => detector.push(m.ts, m.value));
    expect(during).toEqual([]);
    const later = detector.push(START + 60_000, { rate: 100, samples: [] });
    expect(later).toHaveLength(1);
    expect(first(later).downgraded).toBe(false);
    expect(Math.abs(first(later).at - IMPACT_AT)).toBeLessThanOrEqual(60);
  });

  it('follows the home’s thresholds: an impact below a stricter impactG is no fall', () => {
    const strict = resolveRuleParams({ fall: { impactG: 3.5 } }).fall;
    expect(detect(toMessages(render(fallSegments(20), 100), 100, START), strict)).toEqual([]);
  });

  it('scales the impact threshold down at rates below 50 Hz, where samples flatten a short impact', () => {
    expect(impactThresholdG(2, 100)).toBe(2);
    expect(impactThresholdG(2, 50)).toBe(2);
    expect(impactThresholdG(2, 20)).toBeCloseTo(1.8, 10);
    expect(impactThresholdG(2, 35)).toBeCloseTo(1.9, 10);
    const softFall = [still(3, UPRIGHT), freeFall(0.4, UPRIGHT), impact(0.1, LYING, 1.9), still(20, LYING)];
    expect(run(softFall, 100)).toEqual([]);
    expect(run(softFall, 20)).toHaveLength(1);
  });

  it.each([20, 100])(
    'catches at %i Hz a fall whose impact is broad and soft (peak under impactG, impulse over 0.1 g·s)',
    (rateHz) => {
      // 0.3 s at up to 1.75 g: about 0.12 g·s of excess over 1 g in its middle 200 ms.
      const broad = [still(3, UPRIGHT), freeFall(0.4, UPRIGHT), impact(0.3, LYING, 1.75), still(20, LYING)];
      const found = run(broad, rateHz);
      expect(found).toHaveLength(1);
      expect(found.at(0)?.peakG).toBeLessThan(impactThresholdG(DEFAULT_RULE_PARAMS.fall.impactG, rateHz));
    },
  );

  describe('a landing spread over knees, hip and trunk below 50 Hz (twelfth round)', () => {
    /** Four thumps of 1.65 g, 0.12 s each, 0.03 s apart: 0.2 g·s over 0.57 s, under 0.1 in any 200 ms. */
    const landing = (to: [number, number, number]): Segment[] =>
      [0, 1, 2, 3].flatMap((k) => (k === 0 ? [impact(0.12, to, 1.65)] : [still(0.03, to), impact(0.12, to, 1.65)]));
    // A short, shallow dip (0.85 g for 0.3 s): under freeFallG, but too little descent to help a soft peak.
    const spreadFall = [still(3, UPRIGHT), freeFall(0.3, UPRIGHT, 0.85), ...landing(LYING), still(20, LYING)];
    /** Recorded at 200 Hz, sent by a wearable at `rateHz` (its filter, regular or harsh timing). */
    const viaSensor = (segments: Segment[], rateHz: number, harsh = false, seed = 1): FallDetection[] => {
      const hiRes = render(segments, 200);
      const rec = { rateHz: 200, x: hiRes.map((v) => v[0]), y: hiRes.map((v) => v[1]), z: hiRes.map((v) => v[2]) };
      const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      const found: FallDetection[] = [];
      for (const m of sensorMessages(rec, START, { rateHz, harsh, seed })) {
        const wakeAt = detector.wakeAt();
        if (wakeAt !== null && m.ts > wakeAt) found.push(...detector.wake(wakeAt));
        found.push(...detector.push(m.ts, m.value));
      }
      for (let at = detector.wakeAt(); at !== null; at = detector.wakeAt()) found.push(...detector.wake(at));
      return found;
    };

    it.each([
      [20, false],
      [25, false],
      [20, true],
    ])(
      'catches at %i Hz (harsh timing: %s) a fall whose landing no 200 ms and no single sample shows',
      (rateHz, harsh) => {
        const found = viaSensor(spreadFall, rateHz, harsh);
        expect(found).toHaveLength(1);
        expect(first(found).downgraded).toBe(false);
        expect(first(found).peakG).toBeLessThan(impactThresholdG(DEFAULT_RULE_PARAMS.fall.impactG, rateHz));
        expect(first(found).detail.postureChangeDeg).toBeGreaterThan(80);
      },
    );

    it('reports nothing at 20 Hz for one thump into a seat, or for the same landing ending upright', () => {
      const intoSeat = [still(3, UPRIGHT), turn(0.6, UPRIGHT, LYING), impact(0.15, LYING, 1.7), still(20, LYING)];
      expect(viaSensor(intoSeat, 20)).toEqual([]);
      const upright = [still(3, UPRIGHT), freeFall(0.3, UPRIGHT, 0.85), ...landing(UPRIGHT), still(20, UPRIGHT)];
      expect(viaSensor(upright, 20)).toEqual([]);
    });
  });

  it('reports nothing for lying down quickly onto a bed (posture, stillness, a dip, but a small impulse)', () => {
    const ontoBed = [still(3, UPRIGHT), freeFall(0.3, UPRIGHT, 0.6), impact(0.3, LYING, 1.3), still(20, LYING)];
    expect(run(ontoBed, 100)).toEqual([]);
    expect(run(ontoBed, 20)).toEqual([]);
  });

  /**
   * A cheap wearable: ±2 g range, 20 Hz behind its anti-alias filter, samples ±30 % off their instants,
   * 5 % dropped, bursts. The 3 g impact is clipped and smeared to a broad hump well under 2 g.
   */
  const cheapWearable = (segments: Segment[], seed: number): FallDetection[] => {
    const hiRes = render(segments, 200);
    const rec = { rateHz: 200, x: hiRes.map((v) => v[0]), y: hiRes.map((v) => v[1]), z: hiRes.map((v) => v[2]) };
    const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    const found: FallDetection[] = [];
    for (const m of sensorMessages(rec, START, { rateHz: 20, rangeG: 2, harsh: true, seed }))
      found.push(...detector.push(m.ts, m.value));
    for (let at = detector.wakeAt(); at !== null; at = detector.wakeAt()) found.push(...detector.wake(at));
    return found;
  };

  it.each([1, 2, 3])(
    'catches a fall clipped at ±2 g, sampled at 20 Hz with jitter, drops and bursts (seed %i): the descent speaks',
    (seed) => {
      // A 60 ms impact of 3 g: clipped and filtered, the wearable sees 1.5–1.7 g (the 20 Hz threshold is 1.8 g).
      const fall = [still(3, UPRIGHT), freeFall(0.4, UPRIGHT), impact(0.06, LYING, 3), still(20, LYING)];
      const found = cheapWearable(fall, seed);
      expect(found).toHaveLength(1);
      expect(first(found).downgraded).toBe(false);
      expect(first(found).peakG).toBeLessThan(2);
      // 0.4 s at 0.2 g: about 0.32 g·s, 3.1 m/s, gained before the impact.
      expect(first(found).detail.descentMps).toBeGreaterThan(2);
    },
  );

  it.each([1, 2, 3])(
    'reports nothing for sitting down hard onto a chair on the same cheap wearable (seed %i)',
    (seed) => {
      const seated: [number, number, number] = [0, -0.5, -0.87];
      // Lowered at 0.65 g for 0.25 s (about 0.9 m/s, a hard sit-down), a 1.7 g thump, seated still, 60° turned.
      const sitDown = [
        still(3, UPRIGHT),
        freeFall(0.25, UPRIGHT, 0.65),
        turn(0.3, UPRIGHT, seated),
        impact(0.1, seated, 1.7),
        still(20, seated),
      ];
      expect(cheapWearable(sitDown, seed)).toEqual([]);
    },
  );

  it.each([20, 100])(
    'reports nothing for a jogger whose wearable falls silent in mid-air, just after a hard landing (%i Hz)',
    (rateHz) => {
      // The flight phase of a stride: about 0.5 g, leaning 60° forward, smooth. Cut by silence 0.8 s after
      // the landing, it looks rotated and steady, but the sensor does not measure gravity: nobody lies there.
      const inFlight: [number, number, number] = [0, -0.25, -0.43];
      const stride = [still(3, UPRIGHT), freeFall(0.3, UPRIGHT), impact(0.1, UPRIGHT, 2.6), still(0.7, inFlight)];
      const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      const found = toMessages(render(stride, rateHz), rateHz, START).flatMap((m) => detector.push(m.ts, m.value));
      for (let at = detector.wakeAt(); at !== null; at = detector.wakeAt()) found.push(...detector.wake(at));
      expect(found).toEqual([]);
      // The control: the same stream ending lying on the floor (1 g, turned) is a fall.
      const lying = [...stride.slice(0, 3), still(0.7, LYING)];
      const control = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      const fell = toMessages(render(lying, rateHz), rateHz, START).flatMap((m) => control.push(m.ts, m.value));
      for (let at = control.wakeAt(); at !== null; at = control.wakeAt()) fell.push(...control.wake(at));
      expect(fell).toHaveLength(1);
    },
  );

  it.each([20, 100])(
    'catches a fall that began turning more than 0.8 s before its impact (half-seated, then toppling back) at %i Hz',
    (rateHz) => {
      // Lowered towards a chair and leaning back 60° for 1.2 s, then toppling to the floor: the posture
      // 1.6–0.8 s before the impact is already leaning (about 35° from lying); 2.4–1.6 s before, upright.
      const leaning: [number, number, number] = [0, -0.5, -0.87];
      const found = run(
        [
          still(3, UPRIGHT),
          turn(0.6, UPRIGHT, leaning),
          still(1.2, leaning),
          freeFall(0.3, leaning),
          impact(0.1, LYING, 3),
          still(20, LYING),
        ],
        rateHz,
      );
      expect(found).toHaveLength(1);
      expect(first(found).detail.postureChangeDeg).toBeGreaterThan(60);
    },
  );

  /**
   * A BLE wearable that loses its link for `gapS` seconds from `fromS` seconds into the signal: samples in the
   * gap never arrive; 1 s messages, the one the gap cuts sent as two, each stamped at its first sample.
   */
  const withRadioGap = (segments: Segment[], rateHz: number, fromS: number, gapS: number): FallDetection[] => {
    const samples = render(segments, rateHz);
    const from = Math.round(fromS * rateHz);
    const to = Math.round((fromS + gapS) * rateHz);
    const messages = toMessages(samples, rateHz, START).flatMap((m) => {
      const first = Math.round(((m.ts - START) * rateHz) / 1000);
      const kept = m.value.samples.map((s, k) => ({ s, k: first + k }));
      const parts = [kept.filter((e) => e.k < from), kept.filter((e) => e.k >= to)];
      return parts
        .filter((part) => part.length > 0)
        .map((part) => ({
          ts: START + Math.round(((part[0]?.k ?? 0) * 1000) / rateHz),
          value: { rate: rateHz, samples: part.map((e) => e.s) },
        }));
    });
    const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    const found = messages.flatMap((m) => detector.push(m.ts, m.value));
    for (let at = detector.wakeAt(); at !== null; at = detector.wakeAt()) found.push(...detector.wake(at));
    return found;
  };

  // Fifth round: a gap of more than 1.5 s restarted the detector. Just after the impact it threw the candidate
  // away before any stillness was seen; just before it, it lost the posture before the fall and the dip.
  it.each([50, 20])('catches a fall whose wearable lost its link for 1.8 s just after the impact (%i Hz)', (rateHz) => {
    // Impact at 3.4–3.5 s; the link is lost from 0.3 s after it.
    const found = withRadioGap(fallSegments(8), rateHz, 3.8, 1.8);
    expect(found).toHaveLength(1);
    expect(first(found).downgraded).toBe(false);
    expect(Math.abs(first(found).at - IMPACT_AT)).toBeLessThanOrEqual(100);
  });

  it.each([50, 20])(
    'catches a fall whose wearable lost its link for 1.8 s up to 0.1 s before the impact, dip unseen (%i Hz)',
    (rateHz) => {
      const found = withRadioGap(fallSegments(8), rateHz, 3.4 - 0.1 - 1.8, 1.8);
      expect(found).toHaveLength(1);
      expect(first(found).detail.freeFallLostInGap).toBe(true);
    },
  );

  it('reports nothing for walking, sitting down hard or lying onto a bed across a 1.8 s radio gap', () => {
    // Controls: what the gap hides is no evidence of a fall (the same streams without a gap raise nothing).
    expect(withRadioGap([walking(30)], 50, 12, 1.8)).toEqual([]);
    const ontoBed = [still(3, UPRIGHT), freeFall(0.3, UPRIGHT, 0.6), impact(0.3, LYING, 1.3), still(20, LYING)];
    expect(withRadioGap(ontoBed, 50, 1.4, 1.8)).toEqual([]);
    expect(withRadioGap(ontoBed, 20, 3.5, 1.8)).toEqual([]);
    const seated: [number, number, number] = [0, -0.87, -0.5];
    const sitHard = [still(3, UPRIGHT), freeFall(0.3, UPRIGHT, 0.5), impact(0.1, seated, 2.6), still(20, seated)];
    expect(withRadioGap(sitHard, 50, 1.4, 1.8)).toEqual([]);
    expect(withRadioGap(sitHard, 50, 3.6, 1.8)).toEqual([]);
  });

  it('keeps a radio gap across a restart: the candidate after it restores with its dip unseen', () => {
    const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    const samples = render(fallSegments(8), 50);
    // Up to 1.5 s, then nothing until 3.3 s (0.1 s before the impact), then the impact and the first 0.5 s (in two
    // messages: the first after the gap is held until the next comes, session 33).
    detector.push(START, { rate: 50, samples: samples.slice(0, 75) });
    detector.push(START + 3300, { rate: 50, samples: samples.slice(165, 190) });
    detector.push(START + 3800, { rate: 50, samples: samples.slice(190, 200) });
    const saved = JSON.parse(JSON.stringify(detector.exportState())) as Record<string, unknown>;
    expect(saved.dipLost).toBe(true);
    const restored = createFallDetector(DEFAULT_RULE_PARAMS.fall, saved);
    const found = restored.push(START + 4000, { rate: 50, samples: samples.slice(200) });
    for (let at = restored.wakeAt(); at !== null; at = restored.wakeAt()) found.push(...restored.wake(at));
    expect(found).toHaveLength(1);
  });

  describe('a radio gap that swallows the impact itself (tenth round)', () => {
    /** Walking for 8 s, then a fall: the impact at 8.4 s. */
    const fromWalking = (): Segment[] => [walking(8), freeFall(0.4, UPRIGHT), impact(0.1, LYING, 3), still(20, LYING)];
    const horizontal: [number, number, number] = [0, -0.17, -0.98];

    it.each([50, 20])(
      'catches a fall from walking whose impact a 1.5 s gap hid, from the postures around it (%i Hz)',
      (rateHz) => {
        // The link is lost 0.75 s before the impact and comes back 0.75 s after it: no descent, no peak, no rebound.
        const found = withRadioGap(fromWalking(), rateHz, 7.65, 1.5);
        expect(found).toHaveLength(1);
        expect(first(found).downgraded).toBe(false);
        expect(first(found).detail.impactLostInGap).toBe(true);
        expect(first(found).detail.postureChangeDeg).toBeGreaterThan(80);
      },
    );

    it('reports nothing when the wearer was not upright when the link dropped, or not walking before, or got up', () => {
      // Sitting down after walking (a pocketed phone's thigh turns to horizontal), the gap across the seat's contact:
      // the thigh had already turned 40–60° when the link dropped.
      const sitDown = [walking(8), turn(1.2, UPRIGHT, horizontal), still(20, horizontal)];
      expect(withRadioGap(sitDown, 50, 8.8, 1.5)).toEqual([]);
      // Lying down on a bed after 12 s sitting on it (no walking for longer than GAP_WALK_RECENT_MS).
      const seated: [number, number, number] = [0, -0.97, -0.26];
      const toBed = [walking(8), still(12, seated), turn(0.5, seated, LYING), still(20, LYING)];
      expect(withRadioGap(toBed, 50, 19.9, 1.5)).toEqual([]);
      // Lying down on it after 3 s sitting still: walking recently, but not moving when the link dropped.
      const soonToBed = [walking(8), still(3, seated), turn(0.5, seated, LYING), still(20, LYING)];
      expect(withRadioGap(soonToBed, 50, 10.9, 1.5)).toEqual([]);
      // The wearable taken off while walking, carried in the hand and put down on a table.
      const onTable: [number, number, number] = [0.7, 0, -0.71];
      const putDown = [walking(8), turn(0.8, UPRIGHT, onTable), still(1, onTable), still(20, onTable)];
      expect(withRadioGap(putDown, 50, 9.2, 1.5)).toEqual([]);
      // Walking on across the gap.
      expect(withRadioGap([walking(30)], 20, 12, 1.5)).toEqual([]);
      // The same fall with no walking before it (standing, then the gap): no upright posture known, nothing said.
      expect(withRadioGap(fallSegments(20), 50, 2.65, 1.5)).toEqual([]);
      // The fall, then the wearer up and walking again within the recovery window: an info record at most.
      const upAgain = [...fromWalking().slice(0, 3), still(3.5, LYING), turn(1, LYING, UPRIGHT), walking(20)];
      expect(withRadioGap(upAgain, 50, 7.65, 1.5).filter((d) => !d.downgraded)).toEqual([]);
    });

    it('carries a candidate through exportState with its upright posture, and loads a state saved before them', () => {
      const rateHz = 50;
      const samples = render(fromWalking(), rateHz);
      const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      // Up to 7.65 s, then nothing until 9.15 s, then 0.5 s more (in two messages: the first after the gap is held until
      // the next comes, session 33): the candidate is pending.
      detector.push(START, { rate: rateHz, samples: samples.slice(0, 383) });
      expect(detector.push(START + 9150, { rate: rateHz, samples: samples.slice(458, 473) })).toEqual([]);
      expect(detector.push(START + 9450, { rate: rateHz, samples: samples.slice(473, 483) })).toEqual([]);
      const saved = JSON.parse(JSON.stringify(detector.exportState())) as Record<string, unknown>;
      expect(saved.impactInGap).toBe(true);
      expect(saved.walk).toHaveLength(4);
      const restored = createFallDetector(DEFAULT_RULE_PARAMS.fall, saved);
      const found = restored.push(START + 9650, { rate: rateHz, samples: samples.slice(483) });
      for (let at = restored.wakeAt(); at !== null; at = restored.wakeAt()) found.push(...restored.wake(at));
      expect(found).toHaveLength(1);
      expect(first(found).detail.impactLostInGap).toBe(true);
      // A state saved before this round has neither field: it loads, and no impact is taken as lost in a gap.
      const { impactInGap: _i, walk: _w, ...older } = saved;
      const fromOlder = createFallDetector(DEFAULT_RULE_PARAMS.fall, older);
      expect(fromOlder.wakeAt()).not.toBeNull();
      const decided = fromOlder.push(START + 9650, { rate: rateHz, samples: samples.slice(483) });
      for (let at = fromOlder.wakeAt(); at !== null; at = fromOlder.wakeAt()) decided.push(...fromOlder.wake(at));
      expect(decided.filter((d) => d.detail.impactLostInGap === true)).toEqual([]);
    });
  });

  it('carries a pending fall through exportState, and starts fresh from a malformed state', () => {
    const messages = toMessages(render(fallSegments(4), 100), 100, START);
    const before = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    for (const m of messages.slice(0, 5)) expect(before.push(m.ts, m.value)).toEqual([]);
    const saved = JSON.parse(JSON.stringify(before.exportState())) as unknown;
    const after = createFallDetector(DEFAULT_RULE_PARAMS.fall, saved);
    const found = messages.slice(5).flatMap((m) => after.push(m.ts, m.value));
    found.push(...after.wake(after.wakeAt()!));
    expect(found).toHaveLength(1);
    expect(Math.abs(first(found).at - IMPACT_AT)).toBeLessThanOrEqual(60);
    expect(createFallDetector(DEFAULT_RULE_PARAMS.fall).exportState()).toBeNull();
    for (const bad of [
      { v: 1, phase: 'impact', ring: 'x' },
      { v: 1, phase: 'recover', ring: [[], [], [], []] },
      'junk',
      42,
    ]) {
      const fresh = createFallDetector(DEFAULT_RULE_PARAMS.fall, bad);
      expect(fresh.wakeAt()).toBeNull();
      expect(
        toMessages(render(fallSegments(20), 100), 100, START).flatMap((m) => fresh.push(m.ts, m.value)),
      ).toHaveLength(1);
    }
  });

  it('keeps the earlier posture across a restart, and restores a state saved before it was kept', () => {
    const leaning: [number, number, number] = [0, -0.5, -0.87];
    const segments = [
      still(3, UPRIGHT),
      turn(0.6, UPRIGHT, leaning),
      still(1.2, leaning),
      freeFall(0.3, leaning),
      impact(0.1, LYING, 3),
      still(20, LYING),
    ];
    const messages = toMessages(render(segments, 100), 100, START);
    const before = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    // Six 1 s messages: the impact (5.1 s) is in, the stillness not yet judged.
    for (const m of messages.slice(0, 6)) expect(before.push(m.ts, m.value)).toEqual([]);
    const saved = JSON.parse(JSON.stringify(before.exportState())) as Record<string, unknown>;
    expect(saved.preEarlier).toHaveLength(3);
    const after = createFallDetector(DEFAULT_RULE_PARAMS.fall, saved);
    expect(messages.slice(6).flatMap((m) => after.push(m.ts, m.value))).toHaveLength(1);
    // A state saved by the previous version (no earlier posture) still restores and decides.
    const clear = toMessages(render(fallSegments(4), 100), 100, START);
    const old = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    for (const m of clear.slice(0, 5)) old.push(m.ts, m.value);
    const { preEarlier: _dropped, ...oldState } = old.exportState() as unknown as Record<string, unknown>;
    const restored = createFallDetector(DEFAULT_RULE_PARAMS.fall, oldState);
    const found = clear.slice(5).flatMap((m) => restored.push(m.ts, m.value));
    found.push(...restored.wake(restored.wakeAt() ?? Infinity));
    expect(found).toHaveLength(1);
  });

  describe('an older faller who takes longer to get still (seventh round)', () => {
    /**
     * Lying after a fall but struggling: pushing and shifting (0.35 g of 1.5–3 Hz movement, a magnitude spread over
     * stillStdG), and one attempt to get up (35° back towards upright).
     */
    const struggle = (seconds: number): Segment => ({
      seconds,
      at: (t) => {
        const lift = Math.max(0, Math.min(1, (t - 0.2) / 0.8, (seconds - 0.2 - t) / 0.8));
        const deg = 35 * (0.5 - 0.5 * Math.cos(Math.PI * lift));
        const r = (deg * Math.PI) / 180;
        // LYING is [0, 0, -1], UPRIGHT [0, -1, 0]: rotate in their plane.
        return [
          0.15 * Math.sin(2 * Math.PI * 1.5 * t),
          -Math.sin(r) + 0.35 * Math.sin(2 * Math.PI * 2.25 * t + 1),
          -Math.cos(r) + 0.35 * Math.sin(2 * Math.PI * 3 * t + 2),
        ];
      },
    });
    const slowToStill = (struggleSeconds: number): Segment[] => [
      still(3, UPRIGHT),
      freeFall(0.4, UPRIGHT),
      impact(0.1, LYING, 3),
      still(1, LYING),
      struggle(struggleSeconds),
      still(20, LYING),
    ];

    it.each([20, 50, 100])(
      'catches at %i Hz a fall after which the wearer struggles for 3 s, half rising once, before lying still',
      (rateHz) => {
        const found = run(slowToStill(3), rateHz);
        expect(found).toHaveLength(1);
        expect(first(found).downgraded).toBe(false);
        expect(Math.abs(first(found).at - IMPACT_AT)).toBeLessThanOrEqual(60);
        expect(first(found).detail.postureChangeDeg).toBeGreaterThanOrEqual(45);
        expect(first(found).detail.stillStdG).toBeLessThanOrEqual(0.2);
      },
    );

    it('catches it on a cheap wearable too (20 Hz, ±2 g, harsh timing), and across a restart mid-search', () => {
      const samples = render(slowToStill(3), 200);
      const rec = {
        rateHz: 200,
        x: samples.map((v) => v[0]),
        y: samples.map((v) => v[1]),
        z: samples.map((v) => v[2]),
      };
      for (const seed of [1, 2, 3]) {
        const messages = sensorMessages(rec, START, { rateHz: 20, rangeG: 2, harsh: true, seed });
        const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
        const found: FallDetection[] = [];
        for (const m of messages) {
          const wakeAt = detector.wakeAt();
          if (wakeAt !== null && m.ts > wakeAt) found.push(...detector.wake(wakeAt));
          found.push(...detector.push(m.ts, m.value));
        }
        for (let at = detector.wakeAt(); at !== null; at = detector.wakeAt()) found.push(...detector.wake(at));
        expect(found.filter((d) => !d.downgraded)).toHaveLength(1);
      }
      // Restart 6 s into the stream: the first window (4.4–6.4 s) has failed, the search is under way.
      const messages = toMessages(samples, 200, START);
      const before = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      for (const m of messages.slice(0, 6)) expect(before.push(m.ts, m.value)).toEqual([]);
      const after = createFallDetector(DEFAULT_RULE_PARAMS.fall, JSON.parse(JSON.stringify(before.exportState())));
      expect(messages.slice(6).flatMap((m) => after.push(m.ts, m.value))).toHaveLength(1);
    });

    it('still reports nothing when the wearer struggles on past the search (8 s), or gets up and stands still', () => {
      // Bounded: stillness after 1 + 2 + 3 s is not sought (the possible-fall silence rule remains).
      expect(run(slowToStill(8))).toEqual([]);
      // Controls: an impact, then moving about, then still in the posture before (standing) or 30° from it.
      const leaning: [number, number, number] = [0, -0.87, -0.5];
      expect(
        run([still(3, UPRIGHT), freeFall(0.4, UPRIGHT), impact(0.1, UPRIGHT, 3), walking(3), still(20, UPRIGHT)]),
      ).toEqual([]);
      expect(
        run([still(3, UPRIGHT), freeFall(0.4, UPRIGHT), impact(0.1, leaning, 3), walking(3), still(20, leaning)]),
      ).toEqual([]);
    });
  });

  describe('a wearable whose range clips (eighth round)', () => {
    /**
     * Stairs taken quickly, at the waist: the body leaning 17° forward, steps twice a second whose vertical swing
     * (±5 g at its sharpest, as SisFall's D06 shows at 200 Hz) a ±2 g range clips on its heavy side only.
     */
    const stairsQuickly = (seconds: number, lean = 0.3): Segment => ({
      seconds,
      at: (t) => [
        lean + 0.6 * Math.sin(2 * Math.PI * 2 * t + 1),
        -1 - 5 * Math.sin(2 * Math.PI * 2 * t),
        0.2 * Math.cos(2 * Math.PI * 2 * t),
      ],
    });
    /** Critical call-outs of the segments rendered at 200 Hz and sent through the sensor model, woken as the engine would. */
    function callOuts(segments: Segment[], model: Parameters<typeof sensorMessages>[2]): FallDetection[] {
      const samples = render(segments, 200);
      const rec = {
        rateHz: 200,
        x: samples.map((v) => v[0]),
        y: samples.map((v) => v[1]),
        z: samples.map((v) => v[2]),
      };
      const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      const found: FallDetection[] = [];
      for (const m of sensorMessages(rec, START, model)) {
        const wakeAt = detector.wakeAt();
        if (wakeAt !== null && m.ts > wakeAt) found.push(...detector.wake(wakeAt));
        found.push(...detector.push(m.ts, m.value));
      }
      for (let at = detector.wakeAt(); at !== null; at = detector.wakeAt()) found.push(...detector.wake(at));
      return found.filter((d) => !d.downgraded);
    }
    const models = [
      { rateHz: 20, rangeG: 2 },
      { rateHz: 20, rangeG: 2, harsh: true, seed: 1 },
      { rateHz: 50, rangeG: 2 },
    ];

    it.each(models)('reports nothing for stairs taken quickly, then standing still: %o', (model) => {
      // The clipped steps' mean before the last hard step is no posture (0.3–0.6 g, tilted 45–106° from standing).
      expect(callOuts([still(2, UPRIGHT), stairsQuickly(8), still(15, UPRIGHT)], model)).toEqual([]);
    });

    it.each(models)('still catches a fall from jogging on the same wearable: %o', (model) => {
      // Control: jogging clips too, but less; its steps' mean still measures gravity (within 0.5 g of 1 g).
      const jogging: Segment = {
        seconds: 6,
        at: (t) => [0.1 * Math.sin(2 * Math.PI * 1.4 * t), -1 - 1.6 * Math.sin(2 * Math.PI * 2.8 * t), 0.1],
      };
      const found = callOuts(
        [still(2, UPRIGHT), jogging, freeFall(0.4, UPRIGHT), impact(0.1, LYING, 3), still(20, LYING)],
        model,
      );
      expect(found).toHaveLength(1);
      expect(first(found).detail.postureChangeDeg).toBeGreaterThanOrEqual(45);
    });

    it("reads a window whose axis reached the range's edge as clipped, not tilted (ninth round)", () => {
      // Steeper stairs: the body leans 27–35° forward and the ±2 g range cuts the heavy side of each ±3 g step, so the
      // steps' mean measures 0.6–0.9 g and tilts towards the leaning axis: 45–59° from the standing posture after them
      // before the change. The readings at the edge (exactly 2 g, at every step) say which axis lost its heavy side.
      const cases = [
        { lean: 0.5, model: { rateHz: 20, rangeG: 2 } },
        { lean: 0.5, model: { rateHz: 100, rangeG: 2 } },
        { lean: 0.7, model: { rateHz: 20, rangeG: 2 } },
        { lean: 0.7, model: { rateHz: 100, rangeG: 2 } },
      ];
      for (const { lean, model } of cases) {
        const stairs: Segment = {
          seconds: 8,
          at: (t) => [
            lean + 0.6 * Math.sin(2 * Math.PI * 2 * t + 1),
            -1 - 3 * Math.sin(2 * Math.PI * 2 * t),
            0.2 * Math.cos(2 * Math.PI * 2 * t),
          ],
        };
        expect(
          callOuts([still(2, UPRIGHT), stairs, still(15, UPRIGHT)], model),
          JSON.stringify({ lean, model }),
        ).toEqual([]);
      }
    });

    it("keeps the reading of a range's edge across a restart, and loads a state saved before it", () => {
      // A fall from the same stairs (lying still after the last step): the corrected posture before it is upright.
      const stairs: Segment = {
        seconds: 8,
        at: (t) => [0.7 + 0.6 * Math.sin(2 * Math.PI * 2 * t + 1), -1 - 3 * Math.sin(2 * Math.PI * 2 * t), 0.2],
      };
      const samples = render(
        [still(2, UPRIGHT), stairs, freeFall(0.4, UPRIGHT), impact(0.1, LYING, 3), still(20, LYING)],
        200,
      );
      const rec = {
        rateHz: 200,
        x: samples.map((v) => v[0]),
        y: samples.map((v) => v[1]),
        z: samples.map((v) => v[2]),
      };
      const messages = sensorMessages(rec, START, { rateHz: 100, rangeG: 2 });
      const whole = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      const found = messages.flatMap((m) => whole.push(m.ts, m.value));
      for (let at = whole.wakeAt(); at !== null; at = whole.wakeAt()) found.push(...whole.wake(at));
      expect(found).toHaveLength(1);
      // Restart right after the impact: the saved state carries each cell's reading at the edge.
      const impactIndex = messages.findIndex((m) => m.ts >= START + 10_500);
      const before = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      for (const m of messages.slice(0, impactIndex)) before.push(m.ts, m.value);
      const saved = JSON.parse(JSON.stringify(before.exportState())) as Record<string, unknown>;
      expect(Array.isArray(saved.reach) && Array.isArray(saved.reachAxis)).toBe(true);
      expect(saved.preClip).toEqual([-2, -2]);
      const resume = (state: Record<string, unknown>): FallDetection[] => {
        const after = createFallDetector(DEFAULT_RULE_PARAMS.fall, state);
        const again = messages.slice(impactIndex).flatMap((m) => after.push(m.ts, m.value));
        for (let at = after.wakeAt(); at !== null; at = after.wakeAt()) again.push(...after.wake(at));
        return again;
      };
      expect(resume(saved).map((d) => d.detail.postureChangeDeg)).toEqual(found.map((d) => d.detail.postureChangeDeg));
      // A state saved before the ninth round (no readings at the edge, no clipped axis) loads: the windows are read as
      // they are, and the fall is still reported.
      const older = { ...saved, reach: undefined, reachAxis: undefined, openReach: undefined, preClip: undefined };
      expect(resume(older)).toHaveLength(1);
    });

    it('compares the windows as they arrived when the history is shorter than them (a wearable that just started)', () => {
      // The stream starts 0.2 s before the drop: the only "posture before" is the drop itself (0.2 g), which does
      // not measure gravity, but unknown is not absent: it is judged as before, and across a restart too.
      const segments = [still(0.2, UPRIGHT), freeFall(0.4, UPRIGHT), impact(0.1, LYING, 3), still(20, LYING)];
      expect(run(segments, 50)).toHaveLength(1);
      const messages = toMessages(render(segments, 50), 50, START, 25);
      const before = createFallDetector(DEFAULT_RULE_PARAMS.fall);
      for (const m of messages.slice(0, 3)) expect(before.push(m.ts, m.value)).toEqual([]);
      const saved = JSON.parse(JSON.stringify(before.exportState())) as Record<string, unknown>;
      expect(saved.preAsArrived).toBe(true);
      const after = createFallDetector(DEFAULT_RULE_PARAMS.fall, saved);
      expect(messages.slice(3).flatMap((m) => after.push(m.ts, m.value))).toHaveLength(1);
    });
  });

  it('survives bad input and keeps working afterwards', () => {
    const detector = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    const bad = [
      { ts: NaN, value: { rate: 100, samples: [[0, -1, 0]] } },
      { ts: START, value: { rate: 0, samples: [[0, -1, 0]] } },
      { ts: START, value: { rate: 100, samples: [[NaN, 1, 2], [0, 'x', 0], null] } },
      { ts: START, value: null },
    ] as unknown as { ts: number; value: AccelValue }[];
    for (const m of bad) expect(detector.push(m.ts, m.value)).toEqual([]);
    const found = toMessages(render(fallSegments(20), 100), 100, START + 1000).flatMap((m) =>
      detector.push(m.ts, m.value),
    );
    expect(found).toHaveLength(1);
  });
});
