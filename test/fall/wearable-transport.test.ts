// The way in (session 32): held-out falls and daily activities through the real rules engine under transport perturbations;
// the figures must not fall below floors set from the held-out run (docs/fall-detection.md, "Fourteenth round").
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  evaluateTransport,
  formatTransportTable,
  transportTrials,
  type Perturbation,
} from '../../eval/wearable-transport.js';
import { projectRoot } from '../hub/helpers.js';

const dataDir = path.resolve(projectRoot, '../shared/data');
const present = fs.existsSync(path.join(dataDir, 'sisfall')) || fs.existsSync(path.join(dataDir, 'mobifall-v2'));
if (!present)
  console.log(
    `SisFall and MobiFall absent under ${dataDir}: the transport evaluation test is skipped (see ../shared/data/README.md).`,
  );

/** Every EVERY-th held-out trial (deterministic), to stay within a couple of minutes on a shared machine. */
const EVERY = 12;
/**
 * Floors per perturbation: falls called out (share) and daily activities calling out (share), from the held-out run of
 * this subset (docs/fall-detection.md, "Fourteenth round"), less a margin of about two trials.
 */
const FLOORS: Partial<Record<Perturbation, { sensitivity: number; adlCallingOut: number }>> = {
  // Held out, this subset (105 falls, 108 daily activities), session 32: 105/105 and 4/108 in every row (the restart
  // with its state saved 102/105, 5/108 until an idle detector's history was saved, follow-up); floors two trials lower.
  // Before the round: 58–77 % for the late clock, the bridge, the copies without DUP and both restarts.
  clean: { sensitivity: 0.98, adlCallingOut: 0.056 },
  'send twice, no DUP': { sensitivity: 0.98, adlCallingOut: 0.056 },
  'clock 5 s behind the hub': { sensitivity: 0.98, adlCallingOut: 0.056 },
  'clock steps +2 s': { sensitivity: 0.98, adlCallingOut: 0.056 },
  'bridge forwards every 5 s': { sensitivity: 0.98, adlCallingOut: 0.056 },
  'hub restart, state saved': { sensitivity: 0.98, adlCallingOut: 0.056 },
  'hub restart, kill -9 (re-fed from the store)': { sensitivity: 0.98, adlCallingOut: 0.056 },
  // Session 33 ("Fifteenth round"), this subset: reordered batches 102 -> 104/105 (3/108), one batch in five lost 89 ->
  // 92/105 (2/108); floors one trial under this round's figures (two would let `main`'s pass), the daily activities' as above.
  'reorder batches': { sensitivity: 0.98, adlCallingOut: 0.056 },
  // Session 64 (rules/README.md, "Session 64 review"), this subset: the impact's batch behind the next five 57 -> 105/105
  // (1 -> 4/108, the clean row's: before, the falls and daily activities alike lost their peak). Floor two trials under;
  // the daily activities' as above.
  'impact batch behind the next 5': { sensitivity: 0.98, adlCallingOut: 0.056 },
  'lose 20 % of batches': { sensitivity: 0.86, adlCallingOut: 0.056 },
  // Session 69 (docs/fall-detection.md, "Session 69 review"), this subset: a wearable's clock 2 % fast or slow, and a link
  // lost for 10–30 s whose batches then come in at once, 105/105 and 4/108 each, the clean row's (the whole held-out set:
  // 1255 -> 1259/1270 for the long gap, the clean row's; the getting up was read from the walk before the impact).
  'clock drift +2 %': { sensitivity: 0.98, adlCallingOut: 0.056 },
  'clock drift −2 %': { sensitivity: 0.98, adlCallingOut: 0.056 },
  'radio gap 10–30 s, then its batches at once': { sensitivity: 0.98, adlCallingOut: 0.056 },
};

describe.skipIf(!present)('wearable falls on their way in, held-out subjects', () => {
  it('keeps falls called out and daily activities quiet through batches, copies, a late or drifting clock, a bridge, restarts, reordering, an impact batch late, a long radio gap and losses', () => {
    const trials = transportTrials(dataDir, 'held-out', EVERY);
    const perturbations = Object.keys(FLOORS) as Perturbation[];
    const figures = evaluateTransport(trials, { split: 'held-out', perturbations });
    console.log(formatTransportTable(figures, true));
    for (const f of figures) {
      const floor = FLOORS[f.perturbation]!;
      expect(f.falls).toBeGreaterThan(0);
      expect(f.fallsCaught / f.falls, f.perturbation).toBeGreaterThanOrEqual(floor.sensitivity);
      expect(f.adlCallingOut / f.adlTrials, f.perturbation).toBeLessThanOrEqual(floor.adlCallingOut);
    }
  }, 900_000);
});
