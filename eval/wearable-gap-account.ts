// `node dist/eval/wearable-gap-account.js [--only=TEXT] [--held-out]`: what a wearable's stream still says when the
// transport lost the impact (session 33). For each trial under a perturbation that loses samples (a 1–3 s burst around
// the impact, 20 % of batches), the samples' longest gap within 3 s of the impact, and around it: the posture in the
// last 0.3 s before it (and its tilt from 1.6–0.8 s before it), the smallest magnitude and the spread in the second before it, the largest magnitude in the
// first 0.5 s after it, and the posture and spread of the 2 s after a settling second (and how far the first 0.3 s after the gap lie from that
// posture, and the spread of the settling second); with the trial's outcome through
// the real engine (`runTransportTrial`). Printed as a tab-separated table, one row per trial, for reading and sorting.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PERTURBATIONS, perturbedStream, runTransportTrial, transportTrials } from './wearable-transport.js';

type Vec = [number, number, number];
const norm = (v: Vec): number => Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
function angleDeg(a: Vec, b: Vec): number {
  const c = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (norm(a) * norm(b) || 1);
  return (Math.acos(Math.min(1, Math.max(-1, c))) * 180) / Math.PI;
}
function stats(samples: readonly Vec[]): { mean: Vec; std: number; g: number; min: number; max: number } {
  const n = Math.max(1, samples.length);
  const mean: Vec = [0, 0, 0];
  let sg = 0;
  let sgg = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) {
    const g = norm(s);
    mean[0] += s[0] / n;
    mean[1] += s[1] / n;
    mean[2] += s[2] / n;
    sg += g;
    sgg += g * g;
    min = Math.min(min, g);
    max = Math.max(max, g);
  }
  return { mean, std: Math.sqrt(Math.max(0, sgg / n - (sg / n) ** 2)), g: sg / n, min, max };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? 'around the impact';
  const perturbation = PERTURBATIONS.find((p) => p.includes(only));
  if (!perturbation) throw new Error(`no perturbation matches ${only}`);
  const dataDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
  const trials = transportTrials(dataDir, args.includes('--held-out') ? 'held-out' : 'tuning');
  console.log(
    [
      'label',
      'fall',
      'called',
      'gapMs',
      'impactInGap',
      'preTilt',
      'preStd',
      'preMin',
      'postMax',
      'turnDeg',
      'postStd',
      'postG',
      'settleDeg',
      'settleStd',
      'holdDeg',
      'holdStd',
      'afterS',
    ].join('\t'),
  );
  const startAt = Date.UTC(2026, 2, 2, 10);
  for (const trial of trials) {
    const { batches, impactAt } = perturbedStream(trial, perturbation, startAt);
    // The samples in the wearable's own time (stamps are the hub's here: no clock perturbation in these rows).
    const timed: { t: number; s: Vec }[] = [];
    for (const b of [...batches].sort((p, q) => p.ts - q.ts))
      b.value.samples.forEach((s, k) => timed.push({ t: b.ts + (k * 1000) / b.value.rate, s }));
    // The longest gap within 3 s of the impact.
    let gapAt = -1;
    let gapMs = 0;
    for (let i = 1; i < timed.length; i++) {
      const d = timed[i]!.t - timed[i - 1]!.t;
      if (d > gapMs && Math.abs(timed[i]!.t - impactAt) < 3000 + d) [gapAt, gapMs] = [i, d];
    }
    // A gap that holds the impact comes first, whatever its length.
    const holding = timed.findIndex(
      (p, i) => i > 0 && timed[i - 1]!.t < impactAt && p.t > impactAt && p.t - timed[i - 1]!.t > 250,
    );
    if (holding > 0) [gapAt, gapMs] = [holding, timed[holding]!.t - timed[holding - 1]!.t];
    if (gapAt < 0) continue;
    const from = timed[gapAt - 1]!.t;
    const to = timed[gapAt]!.t;
    const window = (a: number, b: number): Vec[] => timed.filter((p) => p.t >= a && p.t < b).map((p) => p.s);
    const last03 = stats(window(from - 300, from + 1));
    const earlier = stats(window(from - 1600, from - 800));
    const last1 = stats(window(from - 1000, from + 1));
    const first05 = stats(window(to, to + 500));
    const first03 = stats(window(to, to + 300));
    const first1 = stats(window(to, to + 1000));
    const post = stats(window(to + 1000, to + 3000));
    // Lying on: the furthest 0.5 s mean from that posture, and the largest 0.5 s spread, over the 12 s after the settling.
    let holdDeg = 0;
    let holdStd = 0;
    for (let t0 = to + 1000; t0 < to + 13000; t0 += 500) {
      const w = window(t0, t0 + 500);
      if (w.length < 5) continue;
      const h = stats(w);
      holdDeg = Math.max(holdDeg, angleDeg(h.mean, post.mean));
      holdStd = Math.max(holdStd, h.std);
    }
    const outcome = runTransportTrial(trial, perturbation);
    console.log(
      [
        trial.label,
        trial.isFall ? 1 : 0,
        outcome.callOuts > 0 ? 1 : 0,
        Math.round(gapMs),
        impactAt > from && impactAt < to ? 1 : 0,
        Math.round(angleDeg(last03.mean, earlier.mean)),
        last1.std.toFixed(3),
        last1.min.toFixed(2),
        first05.max.toFixed(2),
        Math.round(angleDeg(last03.mean, post.mean)),
        post.std.toFixed(3),
        post.g.toFixed(2),
        Math.round(angleDeg(first03.mean, post.mean)),
        first1.std.toFixed(3),
        Math.round(holdDeg),
        holdStd.toFixed(3),
        ((timed.at(-1)!.t - to) / 1000).toFixed(1),
      ].join('\t'),
    );
  }
}
