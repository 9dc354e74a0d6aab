// Streaming wearable fall detector: accel samples in, fall detections out (pure, no clock, no I/O).
//
// Samples (any rate, any message boundaries, overlapping messages laid end to end) are folded into fixed
// 20 ms cells (50 Hz), keeping per cell the mean vector (direction of gravity), the largest magnitude
// (impact) and the smallest (free fall), so short peaks survive the resampling.
// A fall is: an impact peak >= impactG with a dip <= freeFallG in the second before it; then, after
// 1 s of settling, `stillSeconds` lying still (magnitude standard deviation <= stillStdG) in a
// posture >= postureChangeDeg away from the one before the impact. Impacts within 2 s of the first
// belong to the same fall. The report then waits `recoverSeconds`: a person upright again and
// walking over the last 2 s of that window is still reported, but downgraded; otherwise critical.
// Defaults were chosen on MobiFall v2 subjects 1-5 and held-out trials: docs/fall-detection.md.
// `push(ts, { rate, samples: [] })` only advances time, so a silent wearable cannot hold back a fall.
import type { AccelValue } from '../types.js';
import type { RuleParams } from '../params.js';

export interface FallDetection {
  at: number;
  peakG: number;
  downgraded: boolean;
  detail: Record<string, unknown>;
}
export interface FallDetector {
  /** Feed one `accel` event; `samples: []` only advances time (see below). */
  push(ts: number, value: AccelValue): FallDetection[];
}

const CELL_MS = 20;
/** History kept for the posture before the impact and the free-fall dip: 2.56 s of cells. */
const HISTORY_CELLS = 128;
/** Posture before the impact: mean over 1.6 s to 0.8 s before it (the body is still upright then). */
const PRE_FROM_CELLS = 80;
const PRE_TO_CELLS = 40;
/** Free fall is searched in the second before the impact. */
const FREE_FALL_CELLS = 50;
/** The impact's peak is the largest magnitude within 0.5 s of its first crossing (rebounds included). */
const PEAK_SEARCH_MS = 500;
/** Impacts this close to the first one belong to one fall (knees, then hip, then shoulder). */
const EPISODE_MS = 2000;
/** Settling after the impact (rebounds, rolling) before stillness is judged. */
const SETTLE_MS = 1000;
/** Getting up is judged on the last 2 s: posture within UPRIGHT_DEG of the one before the fall. */
const RECOVERY_CELLS = 100;
const UPRIGHT_DEG = 30;
/** Gaps up to this long are bridged by holding the last value; longer ones restart the detector. */
const MAX_GAP_MS = 1500;
/**
 * Moving like walking: magnitude standard deviation over 2 s above this. MobiFall subject 2: standing
 * 0.02 g (95th percentile), walking 0.17 g (1st percentile); walking drifts < 8° in posture (99th).
 */
const MOVING_STD_G = 0.1;

type Phase = 'idle' | 'impact' | 'recover';

interface Stats {
  n: number;
  sx: number;
  sy: number;
  sz: number;
  /** Sum and sum of squares of the magnitude, for its standard deviation. */
  sg: number;
  sgg: number;
}

function emptyStats(): Stats {
  return { n: 0, sx: 0, sy: 0, sz: 0, sg: 0, sgg: 0 };
}
function resetStats(s: Stats): void {
  s.n = s.sx = s.sy = s.sz = s.sg = s.sgg = 0;
}
function addStats(s: Stats, x: number, y: number, z: number): void {
  const g = Math.hypot(x, y, z);
  s.n++;
  s.sx += x;
  s.sy += y;
  s.sz += z;
  s.sg += g;
  s.sgg += g * g;
}
/**
 * Standard deviation of the magnitude, in g: shaking, steps and struggling raise it; slowly
 * settling into a posture (the pocket or pendant turning with the body) does not.
 */
function magnitudeStd(s: Stats): number {
  if (s.n === 0) return 0;
  return Math.sqrt(Math.max(0, s.sgg / s.n - (s.sg / s.n) ** 2));
}
function angleDeg(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
  const na = Math.hypot(ax, ay, az);
  const nb = Math.hypot(bx, by, bz);
  if (na === 0 || nb === 0) return 0;
  const c = (ax * bx + ay * by + az * bz) / (na * nb);
  return (Math.acos(Math.min(1, Math.max(-1, c))) * 180) / Math.PI;
}
const round2 = (v: number): number => Math.round(v * 100) / 100;

/** For evaluation: also tells whether a fall is confirmed and only its severity still pending. */
export interface InspectableFallDetector extends FallDetector {
  /** Time of the first impact of a confirmed fall still in its recovery window (it will be reported whatever follows), or null. */
  pendingFallAt(): number | null;
}

export function createFallDetector(params: RuleParams['fall']): FallDetector {
  return createInspectableFallDetector(params);
}

export function createInspectableFallDetector(params: RuleParams['fall']): InspectableFallDetector {
  const stillMs = params.stillSeconds * 1000;
  const recoverMs = params.recoverSeconds * 1000;

  // Ring of closed cells: mean x, y, z and minimum magnitude.
  const hx = new Float64Array(HISTORY_CELLS);
  const hy = new Float64Array(HISTORY_CELLS);
  const hz = new Float64Array(HISTORY_CELLS);
  const hMin = new Float64Array(HISTORY_CELLS);
  let cells = 0; // cells closed since the last (re)start

  // The open cell.
  let cellStart = NaN;
  let cn = 0;
  let cx = 0;
  let cy = 0;
  let cz = 0;
  let cMax = 0;
  let cMin = Infinity;
  /** Time of the last sample taken in; a message starting before it continues after it. */
  let lastSampleAt = -Infinity;

  // The candidate fall.
  let phase: Phase = 'idle';
  let impactAt = 0;
  let episodeStart = 0;
  let peakG = 0;
  let freeFallG = 0;
  let preX = 0;
  let preY = 0;
  let preZ = 0;
  let postureDeg = 0;
  let stillStdG = 0;
  const post = emptyStats();
  let recoverStart = 0;

  /** Restart after a long gap; a confirmed fall is reported (not dropped) even if its recovery window was cut. */
  function restart(at: number, out: FallDetection[]): void {
    if (phase === 'recover') decide(at, null, out);
    cells = 0;
    phase = 'idle';
    cellStart = NaN;
    cn = 0;
  }

  /** Mean of history cells `from` to `to` cells back (inclusive of `from`, exclusive of `to`), clipped. */
  function historyMean(fromBack: number, toBack: number): [number, number, number] {
    const from = Math.min(fromBack, cells - 1);
    const to = Math.min(toBack, from);
    let sx = 0;
    let sy = 0;
    let sz = 0;
    let n = 0;
    for (let back = from; back >= to && back >= 0; back--) {
      const i = (cells - 1 - back) % HISTORY_CELLS;
      sx += hx[i];
      sy += hy[i];
      sz += hz[i];
      n++;
    }
    return n === 0 ? [0, 0, 0] : [sx / n, sy / n, sz / n];
  }

  function historyMin(backCells: number): number {
    let m = Infinity;
    for (let back = Math.min(backCells, cells) - 1; back >= 0; back--) {
      m = Math.min(m, hMin[(cells - 1 - back) % HISTORY_CELLS]);
    }
    return m;
  }

  function startCandidate(at: number, maxG: number): void {
    phase = 'impact';
    impactAt = at;
    episodeStart = at;
    peakG = maxG;
    freeFallG = historyMin(FREE_FALL_CELLS);
    [preX, preY, preZ] = historyMean(PRE_FROM_CELLS, PRE_TO_CELLS);
    resetStats(post);
  }

  /** A further impact of the same fall: stillness is judged after it, posture against before the first. */
  function continueEpisode(at: number, maxG: number): void {
    impactAt = at;
    if (maxG > peakG) peakG = maxG;
    freeFallG = Math.min(freeFallG, historyMin(FREE_FALL_CELLS));
    resetStats(post);
  }

  /** Over the last 2 s: back near the posture held before the fall, and moving like walking. */
  function recoveredNow(): { recovered: boolean; fromUprightDeg: number; movingStdG: number } {
    const n = Math.min(RECOVERY_CELLS, cells);
    let sx = 0;
    let sy = 0;
    let sz = 0;
    let sg = 0;
    let sgg = 0;
    for (let back = n - 1; back >= 0; back--) {
      const i = (cells - 1 - back) % HISTORY_CELLS;
      const g = Math.hypot(hx[i], hy[i], hz[i]);
      sx += hx[i];
      sy += hy[i];
      sz += hz[i];
      sg += g;
      sgg += g * g;
    }
    const fromUprightDeg = angleDeg(preX, preY, preZ, sx / n, sy / n, sz / n);
    const movingStdG = Math.sqrt(Math.max(0, sgg / n - (sg / n) ** 2));
    return { recovered: fromUprightDeg <= UPRIGHT_DEG && movingStdG >= MOVING_STD_G, fromUprightDeg, movingStdG };
  }

  function decide(at: number, recovery: ReturnType<typeof recoveredNow> | null, out: FallDetection[]): void {
    out.push({
      at: episodeStart,
      peakG: round2(peakG),
      downgraded: recovery?.recovered ?? false,
      detail: {
        freeFallG: round2(freeFallG),
        postureChangeDeg: Math.round(postureDeg),
        stillStdG: round2(stillStdG),
        decidedAt: at,
        recovered: recovery?.recovered ?? false,
        ...(recovery
          ? { fromUprightDeg: Math.round(recovery.fromUprightDeg), movingStdG: round2(recovery.movingStdG) }
          : {}),
      },
    });
    phase = 'idle';
  }

  /** One 20 ms cell closed at time `at` (its start): run the state machine. */
  function onCell(at: number, x: number, y: number, z: number, maxG: number, minG: number, out: FallDetection[]): void {
    const i = cells % HISTORY_CELLS;
    hx[i] = x;
    hy[i] = y;
    hz[i] = z;
    hMin[i] = minG;
    cells++;

    if (phase === 'idle') {
      if (maxG >= params.impactG) startCandidate(at, maxG);
      return;
    }
    if (phase === 'impact') {
      const elapsed = at - impactAt;
      if (elapsed < PEAK_SEARCH_MS) {
        if (maxG > peakG) peakG = maxG;
        return;
      }
      // A new impact before stillness was judged: part of the same fall if soon after the first,
      // otherwise the earlier one was not the fall's (a hard step, a stumble) and this one starts afresh.
      if (maxG >= params.impactG) {
        if (at - episodeStart <= EPISODE_MS) continueEpisode(at, maxG);
        else startCandidate(at, maxG);
        return;
      }
      if (elapsed < SETTLE_MS) return;
      addStats(post, x, y, z);
      if (elapsed + CELL_MS < SETTLE_MS + stillMs) return;
      postureDeg = angleDeg(preX, preY, preZ, post.sx / post.n, post.sy / post.n, post.sz / post.n);
      stillStdG = magnitudeStd(post);
      const isFall =
        freeFallG <= params.freeFallG && postureDeg >= params.postureChangeDeg && stillStdG <= params.stillStdG;
      if (!isFall) {
        phase = 'idle';
        return;
      }
      phase = 'recover';
      recoverStart = at + CELL_MS;
      if (recoverMs <= 0) decide(at, null, out);
      return;
    }
    // phase === 'recover': downgrade as soon as the person is up and moving, else critical at the end.
    const elapsed = at + CELL_MS - recoverStart;
    if (elapsed < RECOVERY_CELLS * CELL_MS && elapsed < recoverMs) return;
    const recovery = recoveredNow();
    if (recovery.recovered || elapsed >= recoverMs) decide(at, recovery, out);
  }

  function closeCell(out: FallDetection[]): void {
    onCell(cellStart, cx / cn, cy / cn, cz / cn, cMax, cMin, out);
  }

  return {
    pendingFallAt: () => (phase === 'recover' ? episodeStart : null),
    push(ts: number, value: AccelValue): FallDetection[] {
      const out: FallDetection[] = [];
      const samples = value?.samples;
      if (!Number.isFinite(ts)) return out;
      // No samples: the caller only advances time (a silent wearable). A confirmed fall whose
      // recovery window has passed is reported now rather than waiting for samples that may never come.
      if (Array.isArray(samples) && samples.length === 0) {
        if (phase === 'recover' && ts >= recoverStart + recoverMs) decide(ts, null, out);
        return out;
      }
      if (!(value?.rate > 0) || !Array.isArray(samples)) return out;
      const stepMs = 1000 / value.rate;
      // A message stamped before the previous one ended (sensor clock drift, a sender or hub that
      // stamps on arrival, a burst of buffered messages) is laid end to end with it: squeezing its
      // samples into the past would erase the signal; the time line stays monotonic.
      const startAt = ts > lastSampleAt ? ts : lastSampleAt + stepMs;
      for (let k = 0; k < samples.length; k++) {
        const s = samples[k];
        if (!Array.isArray(s)) continue;
        const x = s[0];
        const y = s[1];
        const z = s[2];
        if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) continue;
        const t = startAt + k * stepMs;
        lastSampleAt = t;
        if (Number.isNaN(cellStart)) {
          cellStart = t;
        } else if (t >= cellStart + CELL_MS) {
          if (t - cellStart > MAX_GAP_MS) {
            // Too long a silence to judge posture or stillness across it: start afresh.
            if (cn > 0) closeCell(out);
            restart(cellStart, out);
            cellStart = t;
          } else {
            closeCell(out);
            const lx = cx / cn;
            const ly = cy / cn;
            const lz = cz / cn;
            const lg = Math.hypot(lx, ly, lz);
            cellStart += CELL_MS;
            // Bridge a short gap by holding the last mean (no invented peaks or dips).
            while (t >= cellStart + CELL_MS) {
              onCell(cellStart, lx, ly, lz, lg, lg, out);
              cellStart += CELL_MS;
            }
          }
          cn = 0;
        }
        const g = Math.hypot(x, y, z);
        if (cn === 0) {
          cx = cy = cz = 0;
          cMax = g;
          cMin = g;
        }
        cn++;
        cx += x;
        cy += y;
        cz += z;
        if (g > cMax) cMax = g;
        if (g < cMin) cMin = g;
      }
      return out;
    },
  };
}
