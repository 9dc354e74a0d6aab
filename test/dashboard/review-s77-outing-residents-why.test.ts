// Session 77 review: the card's line for an outing nothing ended in a home of two or more residents
// (dashboard/public/alert-why.js). There the door closing said that someone left, not that the home went out, and the
// outing is called at the in-doubt allowance, not only past the home's longest outing: the card says so.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

type Why = (alert: { kind?: string; detail?: Record<string, unknown> }, zone?: string) => string | null;

const whyModule = pathToFileURL(path.resolve('dashboard/public/alert-why.js')).href;
const { why } = (await import(whyModule)) as { why: Why };

const unended = {
  silenceMinutes: 600,
  thresholdMinutes: 600,
  thresholdSource: 'cold-start',
  lastRoom: 'entrance',
  lastDeviceId: 'front',
  lastDeviceKind: 'exit-door',
  matOccupied: null,
  presenceInDoubt: true,
};

describe("the card's line for an outing nothing ended in a home of two residents", () => {
  it('says one of its residents may have stayed in, not "longer than any outing"', () => {
    const line = why({ detail: { ...unended, outingUnended: { since: '2026-01-07T09:30:05.000Z', residents: 2 } } });
    expect(line).toContain('taken as out since the front door closed; one of its 2 residents may have stayed in');
    expect(line).not.toContain('longer than any outing');
  });
  it('guard: a one-resident home keeps its line', () => {
    const line = why({ detail: { ...unended, outingUnended: { since: '2026-01-07T09:30:05.000Z' } } });
    expect(line).toContain('taken as out since the front door closed, longer than any outing of this home');
  });
});
