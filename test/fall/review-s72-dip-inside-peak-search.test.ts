// Review, session 72 (issue 11, 20 Hz with jittered timing): a fall's free fall between a first bump and the hard impact
// counted only when the impact came 0.5 s or more after the bump (a further impact of the same fall, its dip read in the
// second before it); one inside the first impact's 0.5 s peak search only raised the peak, and the dip test read the
// second before the bump alone, so the fall was turned away (no free fall). Which of the two a fall got hung on one
// sample's instant: SisFall F10_SA04_R02 (tuning subject) at 20 Hz was called out with regular timing and lost under
// ±30 % jitter, its bump moved 50 ms later. Now an impact inside the peak search has its dip read too.
import { describe, expect, it } from 'vitest';
import { createFallDetector } from '../../rules/fall/detector.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { outcomeOf, runTrial } from '../../eval/mobifall-eval.js';
import type { AccelMessage } from '../../eval/wearable-sensor.js';

const START = Date.UTC(2026, 11, 7, 2);
type Vec = [number, number, number];

/**
 * Standing still (gravity on −y) for 3 s, a bump of 2.6 g along it for 60 ms (a knee or a hand hitting something), then
 * either a free fall at 0.3 g or standing on, then the hard impact, 3 g along +z for 60 ms, `impactAfterMs` after the bump
 * starts, then lying still on +z for 15 s; in 1 s messages at `rateHz`, a sample at each period's start.
 */
function bumpThenFall(rateHz: number, impactAfterMs: number, freeFall: boolean): AccelMessage[] {
  const at = (tMs: number): Vec => {
    if (tMs < 3000) return [0, -1, 0];
    if (tMs < 3060) return [0, -2.6, 0];
    if (tMs < 3000 + impactAfterMs) return freeFall ? [0, -0.3, 0] : [0, -1, 0];
    if (tMs < 3060 + impactAfterMs) return [0, 0, -3];
    return [0, 0, -1];
  };
  const stepMs = 1000 / rateHz;
  const messages: AccelMessage[] = [];
  for (let s = 0; s < 20; s++) {
    const samples: Vec[] = [];
    for (let k = 0; k < rateHz; k++) samples.push(at(s * 1000 + k * stepMs));
    messages.push({ ts: START + s * 1000, value: { rate: rateHz, samples } });
  }
  return messages;
}

const run = (messages: AccelMessage[]) => {
  const found = runTrial(DEFAULT_RULE_PARAMS.fall, { messages });
  return { ...outcomeOf(found), found };
};

describe('a free fall between a first bump and the impact inside its peak search (session 72)', () => {
  for (const rateHz of [20, 50, 100]) {
    it(`calls the fall out at ${rateHz} Hz when the impact comes 0.2 s after the bump, its free fall between them`, () => {
      const { callOuts, records, found } = run(bumpThenFall(rateHz, 200, true));
      // Before: no call-out (judged without a free fall: the second before the bump was standing still).
      expect({ callOuts, records }).toEqual({ callOuts: 1, records: 0 });
      const detail = found[0]!.detail as { freeFallG: number; peakG: number };
      expect(detail.freeFallG).toBeLessThanOrEqual(0.31);
      expect(detail.peakG).toBeGreaterThanOrEqual(2.99);
    });
  }

  it('calls it out alike with the impact 0.2 s and 0.6 s after the bump (after the peak search: a further impact)', () => {
    for (const rateHz of [20, 50, 100]) {
      expect(outcomeOf(runTrial(DEFAULT_RULE_PARAMS.fall, { messages: bumpThenFall(rateHz, 600, true) }))).toEqual({
        callOuts: 1,
        records: 0,
      });
      expect(outcomeOf(runTrial(DEFAULT_RULE_PARAMS.fall, { messages: bumpThenFall(rateHz, 200, true) }))).toEqual({
        callOuts: 1,
        records: 0,
      });
    }
  });

  it('still turns away the same bump and impact with no free fall anywhere (the dip test is not loosened)', () => {
    for (const rateHz of [20, 50, 100])
      for (const after of [200, 600])
        expect(outcomeOf(runTrial(DEFAULT_RULE_PARAMS.fall, { messages: bumpThenFall(rateHz, after, false) }))).toEqual(
          { callOuts: 0, records: 0 },
        );
  });

  it('keeps the dip in its saved state: a hub restart between the impact and the judgement changes nothing', () => {
    const messages = bumpThenFall(20, 200, true);
    const first = createFallDetector(DEFAULT_RULE_PARAMS.fall);
    // The impact is in the 4th message (3.0–4.0 s); restart after it, then the rest.
    for (const m of messages.slice(0, 4)) first.push(m.ts, m.value);
    const found = runTrial(DEFAULT_RULE_PARAMS.fall, { messages: messages.slice(4), state: first.exportState() });
    expect(outcomeOf(found)).toEqual({ callOuts: 1, records: 0 });
  });
});
