// The quiet-spell measurement behind the in-bed thresholds: the spell arithmetic, and the figures eval/README.md quotes (skipped without the data).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { longestSpellMs, quietSpells, upCrossingPercent } from '../eval/quiet-spells.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(projectRoot, '../shared/data');
const present = fs.existsSync(dataDir);
if (!present) console.warn(`eval-quiet-spells: data tests skipped, no ${dataDir} (see ../shared/data/README.md)`);

describe('upCrossingPercent', () => {
  it('is 0 when every silence is alike, and counts a silence longer than any other', () => {
    expect(
      upCrossingPercent(
        Array.from({ length: 40 }, () => 10),
        30,
        200,
      ),
    ).toBe(0);
    // One silence in 31 is far longer than the rest: it is the one tested in about 1 draw in 31.
    const rate = upCrossingPercent([...Array.from({ length: 30 }, () => 10), 500], 30, 3100);
    expect(rate).toBeGreaterThan(2);
    expect(rate).toBeLessThan(5);
  });
});

describe('longestSpellMs', () => {
  it('takes the interval ends as marks and ignores marks outside it', () => {
    expect(longestSpellMs([5, 12, 40, 95, 130], 10, 100)).toEqual({ ms: 55, at: 40 });
    expect(longestSpellMs([], 10, 100)).toEqual({ ms: 90, at: 10 });
    expect(longestSpellMs([15, 20], 10, 100)).toEqual({ ms: 80, at: 20 });
    expect(longestSpellMs([60], 10, 100)).toEqual({ ms: 50, at: 10 });
  });
});

describe.skipIf(!present)('quiet spells of the real homes (figures quoted in eval/README.md)', () => {
  const homes = present ? quietSpells(dataDir) : [];
  const byId = new Map(homes.map((h) => [h.id, h]));
  const longest = (id: string, pick: (n: (typeof homes)[number]['nights'][number]) => number | null): number =>
    Math.max(...(byId.get(id)?.nights ?? []).map((n) => pick(n) ?? 0));

  it('a pulsing bed mat: Kasteren C lies still at most 91 min a night, B (tuning) 246 min', () => {
    const pulsing = (n: (typeof homes)[number]['nights'][number]): number | null =>
      n.bedMat && !n.bedMat.held ? n.bedMat.minutes : null;
    if (byId.has('kasteren-c')) expect(longest('kasteren-c', pulsing)).toBe(91);
    if (byId.has('kasteren-b')) expect(longest('kasteren-b', pulsing)).toBe(246);
  });

  it('a PIR-only bedroom (CASAS): the sleeper unseen for up to 270 min a night', () => {
    if (byId.has('casas')) {
      expect(longest('casas', (n) => n.bedroomPir)).toBe(270);
      expect(byId.get('casas')?.nights.length).toBe(30);
    }
  });

  it('night-stillness on the real homes: none faster than 2 h; B (tuning) never reaches its 14 nights', () => {
    const rule = (id: string, context: string) => byId.get(id)?.ruleNights.find((r) => r.context === context);
    if (byId.has('kasteren-b')) {
      // Session 26: night stillness reads a pulsing mat pressed and never released, and a bed of two mats, as inactivity
      // does (\`stillInBedFrom\`): B's nights and their longest still spells read on the bed as a whole (was [246, 63,
      // 145, 60, 69, 36]); still short of 14 nights.
      expect(rule('kasteren-b', 'bed-mat')?.longestMinutes).toEqual([246, 49, 63, 145, 60, 208, 36]);
      expect(rule('kasteren-b', 'bed-mat')?.thresholdMinutes).toBeNull();
    }
    if (byId.has('kasteren-a')) expect(byId.get('kasteren-a')?.ruleNights).toEqual([]);
    // C's nights vary 24-103 min: at 1 % a night, the bound is longer than inactivity's learned 2-2.5 h (session 26: 169
    // -> 162 min with the bed read as a whole; no C figure of the evaluation moved).
    if (byId.has('kasteren-c')) expect(rule('kasteren-c', 'bed-mat')?.thresholdMinutes).toBe(162);
    if (byId.has('casas')) expect(rule('casas', 'bedroom-pir')?.thresholdMinutes).toBe(397);
  });

  it('up and about on the real homes: B (tuning) 60 silences of a minute or more, called after 71 min; none without mats', () => {
    const up = (id: string) => byId.get(id)?.upAndAbout;
    const count = (id: string): number => (up(id)?.byBand ?? []).reduce((n, b) => n + b.minutes.length, 0);
    if (byId.has('kasteren-b')) {
      // Session 25: 69 -> 61, longest 92 -> 55 min, threshold 119 -> 71: the night's silences after the kitchen PIR
      // firing alone while the resident slept on a pulsing mat are now getting up in doubt, not up and about.
      // Session 48: 61 -> 60 (17 Aug 11:03, a silence of one minute: the morning check, no longer due at that moment,
      // does not split the morning's activity there), crossing at 30 0.45 -> 0.3 %.
      expect(count('kasteren-b')).toBe(60);
      expect(Math.max(...(up('kasteren-b')?.byBand ?? []).flatMap((b) => b.minutes))).toBe(55);
      expect(up('kasteren-b')?.thresholdMinutes).toBe(71);
      // Resampled, an ordinary silence crosses the threshold learned from 30 others in under 1 % of draws, from 59 less.
      const all = (up('kasteren-b')?.byBand ?? []).flatMap((b) => b.minutes);
      expect(upCrossingPercent(all, 30)).toBe(0.3);
      // (From 59: 60 silences leave none to test against 60.)
      expect(upCrossingPercent(all, 59)).toBeLessThan(upCrossingPercent(all, 30));
    }
    // No mat at all: the rule never applies.
    for (const id of ['kasteren-a', 'casas'])
      if (byId.has(id)) expect(up(id)).toEqual(expect.objectContaining({ thresholdMinutes: null }));
    if (byId.has('kasteren-a')) expect(count('kasteren-a')).toBe(0);
  });
});
