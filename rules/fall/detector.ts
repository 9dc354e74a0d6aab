// Streaming wearable fall detector: accel samples in, fall detections out (pure, no clock, no I/O).
//
// Samples (any rate, any message boundaries, overlapping messages laid end to end) are folded into fixed
// 20 ms cells (50 Hz), keeping per cell the mean vector (direction of gravity), the largest magnitude
// (impact) and the smallest (free fall), so short peaks survive the resampling.
// A fall is: an impact (a peak >= impactG, or an impulse over 200 ms of impactG's excess held for 100 ms,
// which a low rate does not flatten; below 50 Hz also the speed lost over a 0.6 s landing) with a dip <= freeFallG in the second before it; then, after
// 1 s of settling, `stillSeconds` lying still (magnitude standard deviation <= stillStdG, mean magnitude
// gravity's) in a posture >= postureChangeDeg away from the one before the impact (1.6–0.8 s or 2.4–1.6 s
// before it, whichever differs more), or, for a wearer upright before it, from the upright learned while walking
// (session 38: a pendant on a sloping chest). Impacts within 2 s of the first
// belong to the same fall. The report then waits `recoverSeconds`: a person upright again and
// walking over the last 2 s of that window is still reported, but downgraded (the engine records it as
// info); otherwise critical.
// Defaults and the data they were chosen on: docs/fall-detection.md.
//
// A wearable may stop sending at any moment (battery, range, a burst around the impact only). The
// detector's time is its samples' time, so it cannot see silence by itself: `wakeAt()` says when it
// must be woken if no further sample arrives, and `wake(now)` then decides with the samples it has
// (the engine arms that wake-up in its timer queue). Its state survives a restart (`exportState`).
import type { AccelValue } from '../types.js';
import type { RuleParams } from '../params.js';

export interface FallDetection {
  /** Time of the (first) impact, in the samples' time. */
  at: number;
  peakG: number;
  downgraded: boolean;
  detail: Record<string, unknown>;
}
export interface FallDetector {
  /** Feed one `accel` event; `samples: []` only advances time, like `wake(ts)`. */
  push(ts: number, value: AccelValue): FallDetection[];
  /** Samples' time at which to call `wake` if nothing more arrives, or null when nothing is pending. */
  wakeAt(): number | null;
  /** Samples' time of the first sample of the last message taken in (NaN before any). */
  lastMessageAt(): number;
  /** Samples' time of the last sample taken in (-Infinity before any). */
  lastTakenAt(): number;
  /** No sample arrived up to `now` (samples' time): decide what is pending with the samples there are. */
  wake(now: number): FallDetection[];
  /** Time of the first impact of a confirmed fall still in its recovery window, or null. */
  pendingFallAt(): number | null;
  /** JSON-serialisable state, or null when there is nothing worth keeping (no candidate fall). */
  exportState(): FallDetectorState | null;
}

const CELL_MS = 20;
/** History kept for the posture before the impact and the free-fall dip: 2.56 s of cells. */
const HISTORY_CELLS = 128;
/** Posture before the impact: mean over 1.6 s to 0.8 s before it (the body is still upright then). */
const PRE_FROM_CELLS = 80;
const PRE_TO_CELLS = 40;
/**
 * An earlier posture, 2.4–1.6 s before the impact: a fall that starts turning more than 0.8 s before
 * its hardest impact (backwards onto a chair, then the floor; a collapse) is already leaning in the
 * window above, and at a low rate its first, softer impact may go unseen. The posture change is the
 * larger of the two (the body was upright in one of them). As long as the first window, so that it
 * too averages over a step (a thigh lifted on a stair, a swinging arm).
 */
const EARLIER_PRE_WINDOWS: readonly (readonly [number, number])[] = [[120, 81]];
/** Cells back that the windows before the impact span (a radio gap in them: PRE_GRAVITY_TOLERANCE_G). */
const PRE_SPAN_CELLS = Math.max(PRE_FROM_CELLS, ...EARLIER_PRE_WINDOWS.map(([fromBack]) => fromBack));
/** Free fall is searched in the second before the impact. */
const FREE_FALL_CELLS = 50;
/** The impact's peak is the largest magnitude within 0.5 s of its first crossing (rebounds included). */
const PEAK_SEARCH_MS = 500;
const PEAK_SEARCH_CELLS = PEAK_SEARCH_MS / CELL_MS;
/** Impacts this close to the first one belong to one fall (knees, then hip, then shoulder). */
const EPISODE_MS = 2000;
/** Settling after the impact (rebounds, rolling) before stillness is judged. */
const SETTLE_MS = 1000;
const SETTLE_CELLS = SETTLE_MS / CELL_MS;
/**
 * Getting up is judged on the last 2 s taken in after the impact's settling second (session 69: never on the fall itself
 * or the walk before it): posture within UPRIGHT_DEG of the one before the fall.
 */
const RECOVERY_CELLS = 100;
const UPRIGHT_DEG = 30;
/**
 * Gaps up to this long (a few dropped samples) are bridged by holding the last value. A longer one is a
 * radio gap (a BLE wearable losing its link as the body hits the floor or lies on it): nothing is
 * invented for it, and the history is kept across it, up to the silence after which the engine judges
 * on silence (`silenceMs`); beyond that the detector restarts. Held values over a longer gap faked
 * stillness, and a restart lost the posture before the impact (fifth round, docs/fall-detection.md).
 */
const RADIO_GAP_MS = 250;
/**
 * Moving like walking: magnitude standard deviation over 2 s above this. MobiFall subject 2: standing
 * 0.02 g (95th percentile), walking 0.17 g (1st percentile); walking drifts < 8° in posture (99th).
 */
const MOVING_STD_G = 0.1;
/**
 * Silence is established when nothing arrived for 1.5 times the last message's span, at least 2 s
 * (a wearable sending 1 s messages) and at most 10 s (the largest payload holds ~13 s at 200 Hz).
 * Judging sooner would cut a stillness window that the next message completes.
 */
const MIN_SILENCE_MS = 2000;
const MAX_SILENCE_MS = 10_000;
/**
 * Below the cells' 50 Hz a sample spans more than one cell: the sensor's own low-pass (or a sample
 * falling beside the peak) flattens a 20–50 ms impact, so the excess over 1 g that counts as an
 * impact shrinks linearly to LOW_RATE_IMPACT_SCALE at 20 Hz. 0.8 (impactG 2.0 → 1.8 g at 20 Hz) was
 * chosen at 20 Hz on the tuning subjects only (SisFall SA01–SA07, MobiFall 1–5): docs/fall-detection.md.
 */
const FULL_RATE_HZ = 50;
const LOW_RATE_HZ = 20;
const LOW_RATE_IMPACT_SCALE = 0.8;
/**
 * An impact is also the impulse of the magnitude's excess over 1 g within 200 ms reaching that of
 * `impactG` held for 100 ms: 0.1 g·s at the default 2 g (a change of speed of about 1 m/s, a body stopped
 * by the floor, not a step or sitting down). Unlike one sample's peak, an integral survives a low rate:
 * a sensor's own low-pass keeps the area under the curve, and a 20 Hz grid that lands beside a 50 ms
 * peak still sums the samples around it. The 100 ms was chosen on the tuning subjects only (SisFall
 * SA01–SA07, MobiFall 1–5): docs/fall-detection.md.
 */
const IMPULSE_CELLS = 10;
const IMPULSE_HOLD_MS = 100;
/**
 * Below 50 Hz an impact is also the speed lost over the whole landing: the impulse of the magnitude's excess over 1 g
 * within 0.6 s (knees, hip, then trunk reach the floor one after another) reaching 0.15 g·s, about 1.5 m/s, as a share
 * weighted like the descent (`descentWeight`: fully at 20 Hz, not from 50 Hz, where a sample resolves the peaks). A
 * low rate's filter smears each thump of a landing over the next ones, and a phone in a trouser pocket clipped at
 * ±2 g flattens them: no sample and no 200 ms then holds a fall's impact, but the sum over the landing survives the
 * filter (its area) and holds more than one thump. A sit-down into a seat stops the body once, at about 1 m/s (the
 * tuning split's car transfers: up to 0.12–0.13 g·s over 0.6 s at 20 Hz). It only opens a candidate (nothing pending):
 * during one, the sum stays over the threshold for 0.6 s after a landing and would keep restarting it. Chosen on the
 * tuning subjects only (MobiFall 1–5 and SisFall SA01–SA07): docs/fall-detection.md, twelfth round.
 */
const LANDING_CELLS = 30;
const LANDING_IMPULSE_GS = 0.15;
/**
 * An impact is also a softer peak after a fast descent: the evidence of the peak (its excess over 1 g as
 * a share of the threshold's) and of the descent (the speed gained falling, the largest integral of
 * (1 g − magnitude) over any stretch of the second before the impact, as a share of DESCENT_FULL_GS)
 * add up to 1. A 3 m/s drop (0.3 g·s) then needs only a quarter of the excess (1.25 g at the default 2 g),
 * a 1 m/s sit-down three quarters (1.75 g), and a peak needs at least MIN_PEAK_SHARE of it. The descent is
 * below 1 g, where no range clips, and an integral survives any rate and filter, so a fall is still seen
 * when a ±2 g range clipped the impact or a low rate and its filter flattened it. It counts fully at 20 Hz
 * and fades out at 50 Hz (`descentWeight`), like the peak's scaling: from 50 Hz a sample resolves the
 * impact (a ±2 g sensor still shows ~2 g), and on the tuning subjects the descent added false alarms
 * there (sitting into a seat, lying down quickly) and no fall. Chosen on the tuning subjects only
 * (SisFall SA01–SA07, MobiFall 1–5): docs/fall-detection.md.
 */
const DESCENT_FULL_GS = 0.4;
const MIN_PEAK_SHARE = 0.2;
const DESCENT_CELLS = 50;
/**
 * Lying still, the sensor measures gravity alone: the window's mean magnitude must lie within this of
 * 1 g (a cheap MEMS part's offset is about ±0.1 g per axis). A window in mid-air, such as a jogging
 * stride's flight phase cut short by silence (0.5 g, and its direction says nothing about posture),
 * is not stillness however smooth it is.
 */
const STILL_GRAVITY_TOLERANCE_G = 0.25;
/**
 * A posture is the direction of gravity, so a window before the impact gives one only if its mean vector
 * measures gravity: over 0.8 s of standing, walking or stairs the body's own acceleration averages out and the
 * mean's length is about 1 g. A wearable whose range clips (±2 g, ±4 g) cuts the heavy side of every step on
 * the vertical axis and not the light one, so on stairs taken quickly the mean shrinks (0.3 g on the tuning
 * subjects' ±2 g stairs) and tilts towards the axes that did not clip: a posture 73° "away" from the standing
 * one after it. A window whose mean is more than this from 1 g is not a posture and is not compared; when no
 * window before the impact measures gravity, there is no posture to have changed from, and no fall. Falls
 * from jogging at ±2 g show down to 0.74 g; the stairs 0.3 g: 0.5 is the middle of the free interval on the
 * tuning subjects (SisFall SA01–SA07): docs/fall-detection.md, eighth round. After a radio gap within the
 * windows' span, or with a history shorter than the first window (a restart after silence), they hold what
 * arrived, not the time before the impact (a descent cut short is not gravity either): unknown is not absent,
 * and they are compared as they are.
 */
const PRE_GRAVITY_TOLERANCE_G = 0.5;
/**
 * A sample at the range's edge is a lower bound, not a value (ninth round). A wearable whose range clips (±2 g,
 * ±4 g) reports the same largest code at every hard step, on the axis the step pushes along; a signal within its
 * range does not peak at exactly the same value twice. The edge is the furthest reading on any axis over the 2.56 s
 * before the impact, if it is over 1 g and reached in at least CLIP_RUNS runs of cells more than
 * CLIP_RUN_GAP_CELLS apart (two steps; a low rate's held cells and one plateau are one run), each to within
 * CLIP_EDGE_TOLERANCE_G (the same code). No constant here was chosen on data.
 */
const CLIP_RUNS = 2;
const CLIP_RUN_GAP_CELLS = 5;
const CLIP_EDGE_TOLERANCE_G = 1e-6;
/**
 * The clipped axis must carry at least this share of the window's largest component. Chosen on the tuning subjects
 * only (SisFall SA01–SA07): their ±2 g stairs' clipped axis carries 0.63 of it where the window is most tilted
 * (D06_SA04, 32–35°), a gentle jump's forward axis at the edge 0.46 (D19_SA03_R04, read as clipped it gave a
 * 47° call-out): docs/fall-detection.md, ninth round.
 */
const CLIPPED_SHARE = 0.5;
/**
 * A window before the impact that measures less than 1 g, with an axis that reached the range's edge within the
 * windows' span, is read as clipped on that axis: the range cut the heavy side of each step there, and only there (the
 * light side and the other axes stay within the range), so the mean lost length on that axis alone and tilted
 * towards the others: on the tuning subjects' ±2 g stairs the window's tilt from the standing posture after them
 * grows as its length shrinks (24° at 0.6 g, 37–39° at 0.5 g). The other axes are read as they are; the clipped one
 * takes what is left of 1 g, with the sign of its readings at the edge (`axis`: 1, 2, 3 for x, y, z, signed; 0:
 * none, the window is read as it is). A window that measures 1 g or more is unchanged.
 */
function gravityOfClipped(v: [number, number, number], axis: number): [number, number, number] {
  const a = Math.abs(axis) - 1;
  if (!(norm(...v) < 1) || a < 0 || a > 2) return v;
  // Only the axis that carries gravity in the window (its largest component, on the edge's side) loses the heavy side
  // of the steps; an edge reached on another axis (a jump's landing thrown sideways) says nothing about it.
  // Only an axis that carries a good share of gravity in the window (on the edge's side, at least CLIPPED_SHARE of its
  // largest component) loses the heavy side of the steps; an edge reached on another axis (a jump's landing thrown
  // forward) says little about the window's gravity.
  const c = (v[a] ?? 0) * Math.sign(axis);
  if (!(c > 0) || v.some((o) => CLIPPED_SHARE * Math.abs(o) > c)) return v;
  const others = v.reduce((sum, c, i) => (i === a ? sum : sum + c * c), 0);
  const out: [number, number, number] = [...v];
  out[a] = Math.sign(axis) * Math.sqrt(Math.max(0, 1 - others));
  return out;
}
/**
 * Getting still may take longer than the settling second: an older faller struggles, tries to get up and sinks
 * back before lying still (Becker et al. 2012's resting phase after the impact; seventh round). A window that
 * is not still is slid on, cell by cell, for up to this much longer; the first still window is judged (posture,
 * gravity) as the fixed one was. Chosen on the tuning subjects only (SisFall SA01–SA07 made older, their daily
 * activities and those of older adults SE01–SE15): docs/fall-detection.md.
 */
const STILL_SEARCH_MS = 3000;
/**
 * A radio gap that swallows the impact itself (tenth round): the descent and the peak are lost; what survives is the
 * posture before the gap, the posture after it and the stillness. A posture change alone is also a wearer lying down
 * in bed, turning over in it, bending, or sitting into a seat, so the detector asks more of it:
 * - it must know the wearer's **upright posture**: the mean direction of gravity over 2 s of walking (WALK_CELLS;
 *   magnitude spread at least MOVING_STD_G, the mean measuring gravity, its two halves within WALK_DRIFT_DEG of each
 *   other, and at least WALK_MIN_STEPS steps in it), noted no more than GAP_WALK_RECENT_MS before the gap;
 * - the wearer was still moving in the last second before the gap (GAP_MOVING_CELLS, spread at least MOVING_STD_G):
 *   walking or already losing balance, not sitting still on a bed before lying down on it;
 * - and still upright when the link dropped: the last 0.3 s before the gap (GAP_LAST_CELLS) within UPRIGHT_DEG of the
 *   upright posture (a sit-down has turned a pocketed phone's thigh 42–75° by then, a fall from walking 0–27°);
 * then, after the gap, the stillness must be `postureChangeDeg` or more away from the upright posture.
 * No constant here was chosen on data (docs/fall-detection.md, tenth round).
 */
const WALK_CELLS = 100;
const WALK_DRIFT_DEG = 15;
/** Walking repeats: at least three steps in the 2 s (a slow walker's 80 steps a minute gives 2.7). */
const WALK_MIN_STEPS = 3;
const GAP_WALK_RECENT_MS = 10_000;
/** The posture when the link dropped: the mean of the last 0.3 s of cells before the gap. */
const GAP_LAST_CELLS = 15;
/** Moving when the link dropped: the magnitude's spread over the last second before the gap (MOVING_STD_G). */
const GAP_MOVING_CELLS = 50;
/** A stillness window cut by silence is judged on its own if it holds at least 0.5 s of samples. */
const MIN_STILL_CELLS = 25;
/** Fewer cells than this after the peak search (0.1 s): nothing to judge, no fall. */
const MIN_CUT_CELLS = 5;
/**
 * A message sent again (a bridge re-sending after a lost acknowledgement, without MQTT's DUP flag) is one of the last
 * taken in, stamped the same and holding the same samples: it is not taken in again (laid end to end, a second
 * copy of an impact after the lying still made a new candidate with no posture change; session 32). A serial bridge
 * killed as it sent what it held sends again at its next start up to 64 it had in flight (MAX_IN_FLIGHT,
 * firmware-bridge/mqtt-outbox.ts), a minute of batches at one a second: with only the last 8 known, the fall among
 * them was judged and called out a second time (review, session 62). Twice that many now (about 4.5 KB of keys in a
 * saved detector); a batch with a stamp of its own is never one of them.
 */
const RECENT_MESSAGES = 128;
/**
 * A message that opens a radio gap (it starts more than RADIO_GAP_MS after the last sample taken in, and within
 * MAX_SILENCE_MS) is held until the next message comes in or the engine's wake-up fires, whichever is first (session
 * 33). A batch overtaken on the way in (two paths, a retry) then fills the gap before it, in the samples' own order,
 * rather than being laid end to end after it (the impact replayed after the lying still). The bound is one message: the
 * next arrival or the silence the engine waits for anyway releases it; never the wall clock. Stream order otherwise
 * unchanged, so a gap the transport really lost is judged as before, a batch later.
 */
interface HeldMessage {
  ts: number;
  rate: number;
  samples: AccelValue['samples'];
}

/**
 * A batch that comes in behind later ones (session 64, issue 11): a serial bridge's outbox puts a message the broker
 * keeps dropping the connection at behind every message it holds, and MQTT reconnects re-send in other orders. Taken
 * end to end after the later batches, an impact came after the lying still it caused and no fall was ever called.
 * Where a message leaves a hole in the samples' time (HOLE_MIN_CELLS or more), the detector keeps its state from
 * before the hole and every message taken since (`ReorderHole`, `TakenMessage`); a late message that fits a hole is
 * put in its place and the samples from the hole on are judged again, in the samples' order. Nothing waits for the
 * hole to fill, so a batch in order is judged as it comes (no added latency), and an in-order stream keeps nothing.
 * The bound: holes that end (the first sample after them) within REORDER_MS of the newest sample, so a batch up to
 * REORDER_MS older than the newest is put in its place; at most REORDER_HOLES of them and REORDER_SAMPLES samples taken
 * since the oldest (at most 144 KB of samples and 4 states of about 17 KB as
 * JSON, only while a stream has holes: a wearable losing one batch in five kept 64 KB of heap and saved 100 KB with 4,
 * 115 KB and 180 KB with 8, and the held-out transport evaluation called the same falls with either; session 64). A message older than that, or one that does not fit a hole (a wearable clock
 * stepped back), is taken as before: laid end to end, the time line monotonic. Dropped, it would blind the detector
 * after a clock stepped back (every later batch "older"); laid after a lying still, it shows no change of posture.
 * rules/README.md, "Session 64 review".
 */
const REORDER_MS = 60_000;
const REORDER_SAMPLES = 6000;
const REORDER_HOLES = 4;
/** A gap of at least this many cells (40 ms, and 1.5 samples) between two messages is a hole a late one may fill. */
const HOLE_MIN_CELLS = 2;
/** Falls reported lately, for knowing a fall judged again (REORDER_MS) from a new one. */
const REPORTED_KEPT = 8;

/** A message taken in since the oldest hole kept: its samples flat (x, y, z; NaN for a sample that was not valid), 24 bytes each. */
interface TakenMessage {
  ts: number;
  rate: number;
  samples: Float64Array;
}

/** A hole in the samples' time: the state before the message after it (`journal[index]`), and its span. */
interface ReorderHole {
  index: number;
  from: number;
  to: number;
  state: FallDetectorState;
}

/** A fall reported: its impact and when it was decided (samples' time), and whether as a record only. */
interface ReportedFall {
  at: number;
  decidedAt: number;
  downgraded: boolean;
}

/** A message's identity: its stamp, rate, length and a hash of its samples (a copy has all four; a new message not). */
function messageKey(ts: number, rate: number, samples: readonly unknown[]): string {
  let h = 0x811c9dc5;
  for (const s of samples) {
    if (!Array.isArray(s)) continue;
    for (let i = 0; i < 3; i++) h = Math.imul(h ^ Math.round((Number(s[i]) || 0) * 1e6), 16777619);
  }
  return `${ts}:${rate}:${samples.length}:${h >>> 0}`;
}

type Phase = 'idle' | 'impact' | 'recover';

/** Running sums of cells: mean vector and the magnitude's standard deviation. */
interface Stats {
  n: number;
  sx: number;
  sy: number;
  sz: number;
  sg: number;
  sgg: number;
}

/** The detector's state as JSON (ring buffers as plain arrays; infinities and NaN as null). */
export interface FallDetectorState {
  v: 1;
  cells: number;
  ring: [number[], number[], number[], number[]];
  open: [number | null, number, number, number, number, number, number | null];
  /** Impulse per history cell and of the open cell (absent in states saved before it was measured). */
  impulse?: number[];
  openImpulse?: number;
  /** Each history cell's furthest reading on one axis and that axis, signed, and the open cell's (absent in older states). */
  reach?: number[];
  reachAxis?: number[];
  openReach?: [number, number];
  /** Descent (∫ 1 g − magnitude) per history cell and of the open cell (absent in older states). */
  descent?: number[];
  openDescent?: number;
  descentGs?: number;
  /** `cells` when the last radio gap ended, and whether the candidate's dip fell in one (absent in older states). */
  gapCell?: number | null;
  /** A radio gap just ended with nothing pending, and the last sample before it (absent in older states). */
  gapEnded?: boolean;
  gapFrom?: number | null;
  dipLost?: boolean;
  /** The candidate's impact fell in a radio gap, and the upright posture then known [x, y, z, at] (absent in older states). */
  impactInGap?: boolean;
  /** The confirmed fall's posture change was measured from the learned upright (session 38; absent in older states). */
  fromUpright?: boolean;
  walk?: [number, number, number, number] | null;
  /**
   * The candidate was judged on a silence and turned away; samples that continue its stream (no silence in the samples'
   * own time) take it up again (absent in older states: false). Saved with phase 'idle'.
   */
  resumable?: boolean;
  /** The last messages' keys (RECENT_MESSAGES; absent in older states). */
  recent?: string[];
  /** A message held because it opened a radio gap (HeldMessage; absent in older states: none). */
  held?: { ts: number; rate: number; samples: AccelValue['samples'] } | null;
  /**
   * The holes a late message may still fill and the messages taken since the oldest (flat samples, null for a sample
   * that was not valid), the falls reported lately and the newest sample judged before the last re-judging (session 64;
   * absent in older states and in a hole's own state: none).
   */
  reorder?: {
    journal: { ts: number; rate: number; samples: (number | null)[] }[];
    holes: { index: number; from: number; to: number; state: FallDetectorState }[];
    reported: ReportedFall[];
    reanalysedTo: number | null;
  };
  lastSampleAt: number | null;
  lastMessageAt: number | null;
  lastMessageMs: number;
  rateHz: number;
  phase: Phase;
  impactAt: number;
  impactCell: number;
  episodeStart: number;
  peakG: number;
  freeFallG: number;
  pre: [number, number, number];
  /** Mean vectors of EARLIER_PRE_WINDOWS, flattened (absent in states saved before they were kept). */
  preEarlier?: number[];
  /** The windows before the first impact hold what arrived, not that time (absent in older states: they do). */
  preAsArrived?: boolean;
  /** The axis at the range's edge for each window before the impact, signed, 0: none (absent in older states: none). */
  preClip?: number[];
  postureDeg: number;
  stillStdG: number;
  stillMs: number;
  post: Stats;
  recoverStart: number;
  /**
   * `cells` at the end of the confirmed fall's settling second: the getting up is judged on the cells closed since
   * (session 69; absent in older states: judged on the last cells taken in, as before).
   */
  recoverCell?: number;
}

/** A vector's length: Math.hypot guards against overflow that g-scale values never reach, at several times the cost. */
const norm = (x: number, y: number, z: number): number => Math.sqrt(x * x + y * y + z * z);
function emptyStats(): Stats {
  return { n: 0, sx: 0, sy: 0, sz: 0, sg: 0, sgg: 0 };
}
function resetStats(s: Stats): void {
  s.n = s.sx = s.sy = s.sz = s.sg = s.sgg = 0;
}
function addStats(s: Stats, x: number, y: number, z: number, sign = 1): void {
  const g = norm(x, y, z);
  s.n += sign;
  s.sx += sign * x;
  s.sy += sign * y;
  s.sz += sign * z;
  s.sg += sign * g;
  s.sgg += sign * g * g;
}
/**
 * Standard deviation of the magnitude, in g: shaking, steps and struggling raise it; slowly
 * settling into a posture (the pocket or pendant turning with the body) does not.
 */
function magnitudeStd(s: Stats): number {
  if (s.n === 0) return 0;
  return Math.sqrt(Math.max(0, s.sgg / s.n - (s.sg / s.n) ** 2));
}
/** The window's mean magnitude is gravity's (STILL_GRAVITY_TOLERANCE_G): not in mid-air, not pushed. */
function measuresGravity(s: Stats): boolean {
  return s.n > 0 && Math.abs(s.sg / s.n - 1) <= STILL_GRAVITY_TOLERANCE_G;
}
function angleDeg(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
  const na = norm(ax, ay, az);
  const nb = norm(bx, by, bz);
  if (na === 0 || nb === 0) return 0;
  const c = (ax * bx + ay * by + az * bz) / (na * nb);
  return (Math.acos(Math.min(1, Math.max(-1, c))) * 180) / Math.PI;
}
const STANDARD_GRAVITY_MPS2 = 9.81;
const round2 = (v: number): number => Math.round(v * 100) / 100;
const round1 = (v: number): number => Math.round(v * 10) / 10;
/** The impact threshold for samples arriving at `rateHz` (see LOW_RATE_IMPACT_SCALE). */
export function impactThresholdG(impactG: number, rateHz: number, lowRateScale = LOW_RATE_IMPACT_SCALE): number {
  if (!(rateHz < FULL_RATE_HZ)) return impactG;
  const f = Math.min(1, Math.max(0, (rateHz - LOW_RATE_HZ) / (FULL_RATE_HZ - LOW_RATE_HZ)));
  return 1 + (impactG - 1) * (lowRateScale + (1 - lowRateScale) * f);
}
/** How much the descent counts towards an impact at `rateHz`: 1 at 20 Hz and below, 0 from 50 Hz. */
export function descentWeight(rateHz: number): number {
  return Math.min(1, Math.max(0, (FULL_RATE_HZ - rateHz) / (FULL_RATE_HZ - LOW_RATE_HZ)));
}
/**
 * A ring buffer's value; every index used is taken modulo HISTORY_CELLS, so the fallback never applies. The same as
 * `ring.at(i) ?? 0` (an index truncated, a negative one counted from the end), by plain indexing: `at` was 40 % of the
 * SisFall evaluation's CPU time (docs/testing.md, session 34).
 */
const ringAt = (ring: Float64Array, i: number): number => {
  const k = Math.trunc(i) || 0;
  return ring[k < 0 ? k + ring.length : k] ?? 0;
};
const finiteOr = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
/** Flat samples back as [x, y, z] (a sample that was not valid stays not valid: NaN). */
function nestedSamples(flat: Float64Array): AccelValue['samples'] {
  const out: AccelValue['samples'] = [];
  for (let k = 0; k + 2 < flat.length; k += 3) out.push([flat[k] ?? NaN, flat[k + 1] ?? NaN, flat[k + 2] ?? NaN]);
  return out;
}
/** A message's samples as x, y, z one after another; NaN for a sample that is not three finite numbers. */
function flatSamples(samples: AccelValue['samples']): Float64Array {
  const flat = new Float64Array(samples.length * 3).fill(NaN);
  for (let k = 0; k < samples.length; k++) {
    const s: unknown = samples[k];
    if (!Array.isArray(s)) continue;
    const [x, y, z] = s as unknown[];
    if (typeof x !== 'number' || typeof y !== 'number' || typeof z !== 'number') continue;
    flat[3 * k] = x;
    flat[3 * k + 1] = y;
    flat[3 * k + 2] = z;
  }
  return flat;
}

/**
 * The detector's constants that were chosen on data (docs/fall-detection.md), as one object so that the
 * evaluation's cross-validation can choose them again on other subjects. The hub always uses the defaults.
 */
export interface FallDetectorTuning {
  /** LOW_RATE_IMPACT_SCALE. */
  lowRateImpactScale: number;
  /** IMPULSE_HOLD_MS. */
  impulseHoldMs: number;
  /** DESCENT_FULL_GS. */
  descentFullGs: number;
  /** STILL_SEARCH_MS. */
  stillSearchMs: number;
  /** LANDING_IMPULSE_GS (Infinity: no landing test). */
  landingImpulseGs: number;
}
export const DEFAULT_FALL_TUNING: Readonly<FallDetectorTuning> = {
  lowRateImpactScale: LOW_RATE_IMPACT_SCALE,
  impulseHoldMs: IMPULSE_HOLD_MS,
  descentFullGs: DESCENT_FULL_GS,
  stillSearchMs: STILL_SEARCH_MS,
  landingImpulseGs: LANDING_IMPULSE_GS,
};

/** A fresh detector, or one restored from `exportState()` (a malformed state gives a fresh one). */
export function createFallDetector(
  params: RuleParams['fall'],
  state?: unknown,
  tuning: Readonly<FallDetectorTuning> = DEFAULT_FALL_TUNING,
): FallDetector {
  const detector = new StreamingFallDetector(params, tuning);
  if (state) detector.restore(state);
  return detector;
}

class StreamingFallDetector implements FallDetector {
  private readonly stillMs: number;
  /** Cells in the stillness window. */
  private readonly stillCells: number;
  private readonly recoverMs: number;
  /** Impulse that counts as an impact, in g·s (see IMPULSE_HOLD_MS). */
  private readonly impulseGs: number;

  // Ring of closed cells: mean x, y, z and minimum magnitude.
  private hx = new Float64Array(HISTORY_CELLS);
  private hy = new Float64Array(HISTORY_CELLS);
  private hz = new Float64Array(HISTORY_CELLS);
  private hMin = new Float64Array(HISTORY_CELLS);
  /** Impulse of each cell: the integral of the magnitude's excess over 1 g, in g·s. */
  private hImp = new Float64Array(HISTORY_CELLS);
  /** Descent of each cell: the integral of (1 g − magnitude), in g·s (positive while dropping). */
  private hDesc = new Float64Array(HISTORY_CELLS);
  /**
   * Each cell's furthest reading on one axis (the largest |x|, |y| or |z| of its samples) and that axis, signed
   * (1, 2, 3 for x, y, z; 0 for a cell bridged without samples): a range's edge shows there (CLIP_RUNS).
   */
  private hReach = new Float64Array(HISTORY_CELLS);
  private hReachAxis = new Float64Array(HISTORY_CELLS);
  /** Sum of the positive descents of the current cell and the DESCENT_CELLS before it: a cheap upper bound. */
  private descentBound = 0;
  /** Sum of the (positive) impulses of the current cell and the LANDING_CELLS − 1 before it: landing()'s cheap test. */
  private landingBound = 0;
  /** Cells closed since the last (re)start. */
  private cells = 0;
  /** `cells` when the last radio gap ended (-Infinity: none since the (re)start). */
  private gapCell = -Infinity;
  /** A radio gap just ended with nothing pending: the next cell closed may start a candidate whose impact it hid. */
  private gapEnded = false;
  /** Time of the last sample before the last radio gap. */
  private gapFrom = -Infinity;
  /** The last messages taken in (`messageKey`), oldest first. */
  private recent: string[] = [];
  /** A message that opened a radio gap, held until the next one or the wake-up (HeldMessage). */
  private held: HeldMessage | null = null;
  /** Messages taken since the oldest hole kept (REORDER_MS), in the order taken, and the holes in them. */
  private journal: TakenMessage[] = [];
  private journalSamples = 0;
  private holes: ReorderHole[] = [];
  /** Falls reported lately (REPORTED_KEPT). */
  private reported: ReportedFall[] = [];
  /** The newest sample judged before the last time a late message was put in its place (-Infinity: never). */
  private reanalysedTo = -Infinity;

  // The open cell.
  private cellStart = NaN;
  private cn = 0;
  private cx = 0;
  private cy = 0;
  private cz = 0;
  private cMax = 0;
  private cMin = Infinity;
  private cImp = 0;
  private cDesc = 0;
  private cReach = 0;
  private cReachAxis = 0;
  /** Time of the last sample taken in; a message starting before it continues after it. */
  private lastSampleAt = -Infinity;
  private lastMsgAt = NaN;
  private lastMessageMs = 0;
  private rateHz = 0;
  /** Impact threshold for the current message's rate. */
  private impactG: number;
  /** Weight of the descent in the impact test at the current message's rate. */
  private descentWeight = 0;

  // The candidate fall.
  private phase: Phase = 'idle';
  private impactAt = 0;
  /** `cells` when the (last) impact's cell was closed. */
  private impactCell = 0;
  private episodeStart = 0;
  private peakG = 0;
  private freeFallG = 0;
  /** A radio gap lay in the second before an impact: the dip may have been in it (not judged). */
  private dipLost = false;
  /** The candidate's impact was not seen: it started at the end of a radio gap (GAP_WALK_RECENT_MS). */
  private impactInGap = false;
  /** The confirmed fall lies postureChangeDeg from the wearer's learned upright, not from the posture just before. */
  private fromLearnedUpright = false;
  /** Speed gained in the descent before the impact, in g·s. */
  private descentGs = 0;
  private preX = 0;
  private preY = 0;
  private preZ = 0;
  /** Mean vectors of EARLIER_PRE_WINDOWS that the history held whole at the impact, flattened (x, y, z, …). */
  private preEarlier: number[] = [];
  /**
   * The windows before the first impact hold what arrived, not that time (a radio gap ended within PRE_SPAN_CELLS
   * of it, or the history is shorter than the first window): compared as they are (PRE_GRAVITY_TOLERANCE_G).
   */
  private preAsArrived = false;
  /** Per window before the impact (the first, then EARLIER_PRE_WINDOWS): the axis at the range's edge, signed, or 0. */
  private preClip: number[] = [];
  private postureDeg = 0;
  private stillStdG = 0;
  /** Length of the stillness actually judged (shorter when the wearable fell silent). */
  private judgedStillMs = 0;
  private post = emptyStats();
  private recoverStart = 0;
  /**
   * `cells` at the end of the confirmed fall's settling second (-Infinity: unknown, a state saved before session 69).
   * Getting up is judged on the cells closed since, never on the fall itself or the walk before it (RECOVERY_CELLS).
   */
  private recoverCell = -Infinity;
  /** The wearer's upright posture: the mean gravity over the last 2 s of walking seen (NaN: none yet), and its time. */
  private walkX = NaN;
  private walkY = 0;
  private walkZ = 0;
  private walkAt = -Infinity;
  /**
   * The candidate was judged on a silence and turned away (too little after the impact, or not yet still): the silence
   * may have been the transport's, not the wearable's (a hub restarting, a bridge forwarding every few seconds, a
   * wearable clock behind the hub's), and samples continuing the stream from where it stopped take the candidate up
   * again, judged as if they had come in time (session 32, docs/fall-detection.md).
   */
  private resumable = false;
  /** Scratch: the magnitudes of the window noteWalking reads. */
  private readonly walkMags = new Float64Array(WALK_CELLS);

  constructor(
    private readonly params: RuleParams['fall'],
    private readonly tuning: Readonly<FallDetectorTuning>,
  ) {
    this.stillMs = params.stillSeconds * 1000;
    this.stillCells = Math.max(1, Math.ceil(this.stillMs / CELL_MS));
    this.recoverMs = params.recoverSeconds * 1000;
    this.impulseGs = ((params.impactG - 1) * tuning.impulseHoldMs) / 1000;
    this.impactG = params.impactG;
  }

  pendingFallAt(): number | null {
    return this.phase === 'recover' ? this.episodeStart : null;
  }

  lastMessageAt(): number {
    return this.held ? this.held.ts : this.lastMsgAt;
  }

  lastTakenAt(): number {
    return this.held ? this.heldEnd(this.held) : this.lastSampleAt;
  }

  wakeAt(): number | null {
    // A held message is released at the latest when the silence after it is established, as a candidate would be judged.
    const release = this.held ? this.heldEnd(this.held) + this.silenceMs(this.held) : null;
    if (this.phase === 'recover') {
      const end = this.recoverStart + this.recoverMs;
      return release === null ? end : Math.min(end, release);
    }
    if (this.phase === 'idle') return release;
    return release ?? this.lastSampleAt + this.silenceMs();
  }

  wake(now: number): FallDetection[] {
    const out: FallDetection[] = [];
    if (!Number.isFinite(now)) return out;
    // Nothing more came: a held message is taken in first (it is the latest the wearable sent).
    this.release(out);
    if (this.phase === 'impact' && now >= this.lastSampleAt + this.silenceMs()) {
      this.judge(this.lastSampleAt, true, out);
    }
    if (this.phase === 'recover' && now >= this.recoverStart + this.recoverMs) {
      // The window ended in silence: the getting up is judged on the samples that arrived after the impact's settling
      // second, as it would be on a stream (the window's own checks start 2 s into it; a wearer up and walking who then
      // went out of range is not a call-out). None, or under 0.5 s of them: not seen up (session 69: the walk before the
      // impact, the last 2 s to arrive from a wearable silent within a second of it, read as getting up). The open cell is
      // complete: nothing more can come before `now`.
      if (this.cn > 0 && now >= this.cellStart + CELL_MS) {
        this.closeCell(out);
        this.cellStart += CELL_MS;
        this.cn = 0;
      }
      if (this.phase === 'recover') this.decide(now, this.recoveredOrNull(), out);
    }
    return out;
  }

  push(ts: number, value: AccelValue): FallDetection[] {
    const out: FallDetection[] = [];
    const samples = value?.samples;
    if (!Number.isFinite(ts)) return out;
    if (Array.isArray(samples) && samples.length === 0) return this.wake(ts);
    if (!(value?.rate > 0) || !Array.isArray(samples)) return out;
    // A copy of a message already taken in (sent again): not taken again.
    const key = messageKey(ts, value.rate, samples);
    if (this.recent.includes(key)) return out;
    this.recent.push(key);
    if (this.recent.length > RECENT_MESSAGES) this.recent.shift();
    // Behind later ones on the way in (REORDER_MS): put in its place if it fits a hole they left.
    if (ts < this.lastSampleAt && this.fillHole(ts, value.rate, samples, out)) return out;
    const held = this.held;
    if (held && ts < held.ts) {
      // Overtaken by the held one on the way in: it comes first in the wearable's time, then the held one (which may
      // still open a gap, and is held again).
      this.held = null;
      this.takeMessage(ts, value.rate, samples, out);
      this.holdOrTake(held, out);
      return out;
    }
    this.release(out);
    this.holdOrTake({ ts, rate: value.rate, samples }, out);
    return out;
  }

  /** Samples' time of a held message's last sample. */
  private heldEnd(m: HeldMessage): number {
    return m.ts + ((Math.max(1, m.samples.length) - 1) * 1000) / m.rate;
  }

  /** The held message, if any, taken in now. */
  private release(out: FallDetection[]): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    this.takeMessage(held.ts, held.rate, held.samples, out);
  }

  /** Hold a message that opens a radio gap (HeldMessage); take any other in at once. */
  private holdOrTake(m: HeldMessage, out: FallDetection[]): void {
    const gapMs = m.ts - this.lastSampleAt;
    if (gapMs > RADIO_GAP_MS && gapMs <= MAX_SILENCE_MS) this.held = m;
    else this.takeMessage(m.ts, m.rate, m.samples, out);
  }

  /** One message's samples, in the detector's time line; a hole before it is noted (REORDER_MS). */
  private takeMessage(ts: number, rate: number, samples: AccelValue['samples'], out: FallDetection[]): void {
    const stepMs = 1000 / rate;
    const gapMs = ts - this.lastSampleAt;
    if (Number.isFinite(gapMs) && gapMs >= Math.max(HOLE_MIN_CELLS * CELL_MS, 1.5 * stepMs) && samples.length > 0)
      this.holes.push({ index: this.journal.length, from: this.lastSampleAt, to: ts, state: this.stateNow() });
    // The stream's first message: nothing is known before it, so the time before it (REORDER_MS) is a hole too. A
    // wearable's first batches overtaken on the way in (its first batch behind its second) are then put in their
    // place; laid end to end, an impact in the first batch came after the lying still it caused and no fall was
    // called, and every later batch of the stream was a batch late (review, session 65).
    else if (!Number.isFinite(gapMs) && samples.length > 0)
      this.holes.push({ index: this.journal.length, from: ts - REORDER_MS, to: ts, state: this.stateNow() });
    // Kept only while there is a hole a late message may fill: a stream in order keeps nothing.
    if (this.holes.length > 0) {
      this.journal.push({ ts, rate, samples: flatSamples(samples) });
      this.journalSamples += samples.length;
    }
    // A message stamped before the previous one ended (sensor clock drift, a sender or hub that
    // stamps on arrival, a burst of buffered messages) is laid end to end with it: squeezing its
    // samples into the past would erase the signal; the time line stays monotonic.
    const startAt = ts > this.lastSampleAt ? ts : this.lastSampleAt + stepMs;
    this.impactG = impactThresholdG(this.params.impactG, rate, this.tuning.lowRateImpactScale);
    this.descentWeight = descentWeight(rate);
    let taken = 0;
    for (let k = 0; k < samples.length; k++) {
      const s = samples[k];
      if (!Array.isArray(s)) continue;
      const x = s[0];
      const y = s[1];
      const z = s[2];
      if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) continue;
      this.take(startAt + k * stepMs, stepMs, x, y, z, out);
      taken++;
    }
    if (taken > 0) {
      this.lastMsgAt = startAt;
      this.lastMessageMs = samples.length * stepMs;
      this.rateHz = rate;
    }
    if (this.holes.length > 0) this.trimHoles();
  }

  /** Forget the holes beyond the bound (REORDER_MS, REORDER_HOLES, REORDER_SAMPLES) and the messages before the oldest left. */
  private trimHoles(): void {
    let drop = 0;
    while (
      drop < this.holes.length &&
      (this.holes.length - drop > REORDER_HOLES ||
        (this.holes[drop]?.to ?? Infinity) < this.lastSampleAt - REORDER_MS ||
        this.journalSamples > REORDER_SAMPLES)
    ) {
      drop++;
      const next = this.holes[drop]?.index ?? this.journal.length;
      for (const m of this.journal.slice(0, next)) this.journalSamples -= m.samples.length / 3;
      this.journal.splice(0, next);
      for (let i = drop; i < this.holes.length; i++) this.holes[i]!.index -= next;
    }
    if (drop > 0) this.holes.splice(0, drop);
  }

  /**
   * A message that came in behind later ones: if it fits a hole they left (to within half a sample), the detector goes
   * back to its state before that hole and takes it and every message since in the samples' order (REORDER_MS). A fall
   * found again is not reported again (`decide`). False: no hole fits it.
   */
  private fillHole(ts: number, rate: number, samples: AccelValue['samples'], out: FallDetection[]): boolean {
    const halfStepMs = 500 / rate;
    const endAt = ts + ((Math.max(1, samples.length) - 1) * 1000) / rate;
    const i = this.holes.findIndex((h) => ts > h.from - halfStepMs && endAt < h.to + halfStepMs);
    const hole = this.holes[i];
    if (!hole) return false;
    const late: TakenMessage = { ts, rate, samples: flatSamples(samples) };
    const after = this.journal.slice(hole.index);
    const at = after.findIndex((m) => m.ts > ts);
    after.splice(at < 0 ? after.length : at, 0, late);
    this.reanalysedTo = Math.max(this.reanalysedTo, this.lastSampleAt);
    // Back to before the hole; what is not the samples' analysis stays (copies known, a held message, reports).
    const kept = {
      recent: this.recent,
      held: this.held,
      journal: this.journal.slice(0, hole.index),
      holes: this.holes.slice(0, i),
      reported: this.reported,
      reanalysedTo: this.reanalysedTo,
    };
    Object.assign(this, new StreamingFallDetector(this.params, this.tuning));
    this.restore(hole.state);
    Object.assign(this, kept);
    this.journalSamples = 0;
    for (const m of this.journal) this.journalSamples += m.samples.length / 3;
    for (const m of after) this.takeMessage(m.ts, m.rate, nestedSamples(m.samples), out);
    return true;
  }

  exportState(): FallDetectorState | null {
    // An idle detector is saved once it has taken samples: its history (2.56 s of cells, the posture before an impact
    // that comes in after a restart) and its last messages' keys (session 32, "a fall across a hub restart").
    if (this.phase === 'idle' && !this.resumable && !Number.isFinite(this.lastSampleAt)) return null;
    const state = this.stateNow();
    state.recent = [...this.recent];
    if (this.held) state.held = { ts: this.held.ts, rate: this.held.rate, samples: [...this.held.samples] };
    if (this.holes.length > 0 || this.reported.length > 0)
      state.reorder = {
        journal: this.journal.map((m) => ({
          ts: m.ts,
          rate: m.rate,
          samples: Array.from(m.samples, (v) => (Number.isFinite(v) ? v : null)),
        })),
        holes: this.holes.map((h) => ({ ...h })),
        reported: this.reported.map((r) => ({ ...r })),
        reanalysedTo: Number.isFinite(this.reanalysedTo) ? this.reanalysedTo : null,
      };
    return state;
  }

  /** The samples' analysis as JSON: what a hole keeps (ReorderHole), and the core of `exportState`. */
  private stateNow(): FallDetectorState {
    const nullIfNot = (v: number): number | null => (Number.isFinite(v) ? v : null);
    return {
      v: 1,
      cells: this.cells,
      ring: [Array.from(this.hx), Array.from(this.hy), Array.from(this.hz), Array.from(this.hMin)],
      open: [nullIfNot(this.cellStart), this.cn, this.cx, this.cy, this.cz, this.cMax, nullIfNot(this.cMin)],
      impulse: Array.from(this.hImp),
      openImpulse: this.cImp,
      descent: Array.from(this.hDesc),
      openDescent: this.cDesc,
      reach: Array.from(this.hReach),
      reachAxis: Array.from(this.hReachAxis),
      openReach: [this.cReach, this.cReachAxis],
      descentGs: this.descentGs,
      gapCell: nullIfNot(this.gapCell),
      gapEnded: this.gapEnded,
      gapFrom: nullIfNot(this.gapFrom),
      dipLost: this.dipLost,
      impactInGap: this.impactInGap,
      ...(this.fromLearnedUpright ? { fromUpright: true } : {}),
      walk: Number.isNaN(this.walkX) ? null : [this.walkX, this.walkY, this.walkZ, this.walkAt],
      ...(this.resumable ? { resumable: true } : {}),
      lastSampleAt: nullIfNot(this.lastSampleAt),
      lastMessageAt: nullIfNot(this.lastMsgAt),
      lastMessageMs: this.lastMessageMs,
      rateHz: this.rateHz,
      phase: this.phase,
      impactAt: this.impactAt,
      impactCell: this.impactCell,
      episodeStart: this.episodeStart,
      peakG: this.peakG,
      freeFallG: this.freeFallG,
      pre: [this.preX, this.preY, this.preZ],
      preEarlier: [...this.preEarlier],
      preAsArrived: this.preAsArrived,
      preClip: [...this.preClip],
      postureDeg: this.postureDeg,
      stillStdG: this.stillStdG,
      stillMs: this.judgedStillMs,
      post: { ...this.post },
      recoverStart: this.recoverStart,
      ...(Number.isFinite(this.recoverCell) ? { recoverCell: this.recoverCell } : {}),
    };
  }

  /** Take a state from `exportState()`; anything malformed leaves the detector fresh. */
  restore(raw: unknown): void {
    const s = raw as Partial<FallDetectorState>;
    const resumable = s?.phase === 'idle' && s.resumable === true;
    if (s?.v !== 1 || (s.phase !== 'impact' && s.phase !== 'recover' && s.phase !== 'idle')) return;
    const ring = s.ring;
    if (!Array.isArray(ring) || ring.length !== 4 || !ring.every((r) => Array.isArray(r) && r.length === HISTORY_CELLS))
      return;
    if (!Array.isArray(s.open) || s.open.length !== 7 || !Array.isArray(s.pre) || s.pre.length !== 3 || !s.post) return;
    this.hx = Float64Array.from(ring[0], (v) => finiteOr(v, 0));
    this.hy = Float64Array.from(ring[1], (v) => finiteOr(v, 0));
    this.hz = Float64Array.from(ring[2], (v) => finiteOr(v, 0));
    this.hMin = Float64Array.from(ring[3], (v) => finiteOr(v, 0));
    if (Array.isArray(s.impulse) && s.impulse.length === HISTORY_CELLS)
      this.hImp = Float64Array.from(s.impulse, (v) => finiteOr(v, 0));
    this.cImp = finiteOr(s.openImpulse, 0);
    if (Array.isArray(s.descent) && s.descent.length === HISTORY_CELLS)
      this.hDesc = Float64Array.from(s.descent, (v) => finiteOr(v, 0));
    this.cDesc = finiteOr(s.openDescent, 0);
    if (
      Array.isArray(s.reach) &&
      s.reach.length === HISTORY_CELLS &&
      Array.isArray(s.reachAxis) &&
      s.reachAxis.length === HISTORY_CELLS
    ) {
      this.hReach = Float64Array.from(s.reach, (v) => finiteOr(v, 0));
      this.hReachAxis = Float64Array.from(s.reachAxis, (v) => finiteOr(v, 0));
    }
    this.cReach = Array.isArray(s.openReach) ? finiteOr(s.openReach[0], 0) : 0;
    this.cReachAxis = Array.isArray(s.openReach) ? finiteOr(s.openReach[1], 0) : 0;
    this.descentGs = finiteOr(s.descentGs, 0);
    this.cells = finiteOr(s.cells, 0);
    this.descentBound = 0;
    for (let back = Math.min(DESCENT_CELLS + 1, this.cells) - 1; back >= 0; back--)
      this.descentBound += Math.max(0, ringAt(this.hDesc, (this.cells - 1 - back) % HISTORY_CELLS));
    this.landingBound = 0;
    for (let back = Math.min(LANDING_CELLS, this.cells) - 1; back >= 0; back--)
      this.landingBound += Math.max(0, ringAt(this.hImp, (this.cells - 1 - back) % HISTORY_CELLS));
    const [cellStart, cn, cx, cy, cz, cMax, cMin] = s.open;
    this.cellStart = finiteOr(cellStart, NaN);
    this.cn = finiteOr(cn, 0);
    this.cx = finiteOr(cx, 0);
    this.cy = finiteOr(cy, 0);
    this.cz = finiteOr(cz, 0);
    this.cMax = finiteOr(cMax, 0);
    this.cMin = finiteOr(cMin, Infinity);
    this.gapCell = finiteOr(s.gapCell, -Infinity);
    this.gapEnded = s.gapEnded === true;
    this.gapFrom = finiteOr(s.gapFrom, -Infinity);
    this.dipLost = s.dipLost === true;
    this.impactInGap = s.impactInGap === true;
    this.fromLearnedUpright = s.fromUpright === true;
    if (Array.isArray(s.walk) && s.walk.length === 4 && s.walk.every((v) => Number.isFinite(v)))
      [this.walkX, this.walkY, this.walkZ, this.walkAt] = s.walk;
    this.lastSampleAt = finiteOr(s.lastSampleAt, -Infinity);
    this.lastMsgAt = finiteOr(s.lastMessageAt, NaN);
    this.lastMessageMs = finiteOr(s.lastMessageMs, 0);
    this.rateHz = finiteOr(s.rateHz, 0);
    this.impactG = impactThresholdG(this.params.impactG, this.rateHz, this.tuning.lowRateImpactScale);
    this.descentWeight = descentWeight(this.rateHz);
    this.impactAt = finiteOr(s.impactAt, 0);
    this.impactCell = finiteOr(s.impactCell, 0);
    this.episodeStart = finiteOr(s.episodeStart, 0);
    this.peakG = finiteOr(s.peakG, 0);
    this.freeFallG = finiteOr(s.freeFallG, 0);
    this.preX = finiteOr(s.pre[0], 0);
    this.preY = finiteOr(s.pre[1], 0);
    this.preZ = finiteOr(s.pre[2], 0);
    this.preEarlier =
      Array.isArray(s.preEarlier) && s.preEarlier.length % 3 === 0 ? s.preEarlier.map((v) => finiteOr(v, 0)) : [];
    this.preAsArrived = s.preAsArrived === true;
    this.preClip = Array.isArray(s.preClip) ? s.preClip.map((v) => finiteOr(v, 0)) : [];
    this.postureDeg = finiteOr(s.postureDeg, 0);
    this.stillStdG = finiteOr(s.stillStdG, 0);
    this.judgedStillMs = finiteOr(s.stillMs, 0);
    const p = s.post;
    this.post = {
      n: finiteOr(p.n, 0),
      sx: finiteOr(p.sx, 0),
      sy: finiteOr(p.sy, 0),
      sz: finiteOr(p.sz, 0),
      sg: finiteOr(p.sg, 0),
      sgg: finiteOr(p.sgg, 0),
    };
    this.recoverStart = finiteOr(s.recoverStart, 0);
    this.recoverCell = finiteOr(s.recoverCell, -Infinity);
    this.resumable = resumable;
    if (Array.isArray(s.recent)) this.recent = s.recent.filter((k) => typeof k === 'string').slice(-RECENT_MESSAGES);
    const h = s.held;
    this.held =
      h && Number.isFinite(h.ts) && h.rate > 0 && Number.isFinite(h.rate) && Array.isArray(h.samples)
        ? { ts: h.ts, rate: h.rate, samples: h.samples }
        : null;
    this.restoreReorder(s.reorder);
    this.phase = s.phase;
  }

  /** The holes, messages and reports of `exportState().reorder`; anything malformed leaves none. */
  private restoreReorder(r: FallDetectorState['reorder']): void {
    if (!r || !Array.isArray(r.journal) || !Array.isArray(r.holes) || !Array.isArray(r.reported)) return;
    const journal: TakenMessage[] = [];
    for (const m of r.journal) {
      if (!m || !Number.isFinite(m.ts) || !(m.rate > 0) || !Array.isArray(m.samples) || m.samples.length % 3 !== 0)
        return;
      journal.push({ ts: m.ts, rate: m.rate, samples: Float64Array.from(m.samples, (v) => finiteOr(v, NaN)) });
    }
    const holes: ReorderHole[] = [];
    for (const h of r.holes) {
      const valid =
        h &&
        Number.isInteger(h.index) &&
        h.index >= 0 &&
        h.index < journal.length &&
        Number.isFinite(h.from) &&
        Number.isFinite(h.to) &&
        h.state?.v === 1 &&
        Array.isArray(h.state.ring);
      if (!valid) return;
      holes.push({ index: h.index, from: h.from, to: h.to, state: h.state });
    }
    if (holes.length > 0 && holes[0]?.index !== 0) return;
    this.journal = holes.length > 0 ? journal : [];
    this.journalSamples = 0;
    for (const m of this.journal) this.journalSamples += m.samples.length / 3;
    this.holes = holes;
    this.reported = r.reported
      .filter((f) => f && Number.isFinite(f.at) && Number.isFinite(f.decidedAt))
      .map((f) => ({ at: f.at, decidedAt: f.decidedAt, downgraded: (f.downgraded as unknown) === true }))
      .slice(-REPORTED_KEPT);
    this.reanalysedTo = finiteOr(r.reanalysedTo, -Infinity);
  }

  /** The silence after the last message (or after `m`, a held one) after which the engine judges on silence. */
  private silenceMs(m?: HeldMessage): number {
    const spanMs = m ? (m.samples.length * 1000) / m.rate : this.lastMessageMs;
    return Math.min(MAX_SILENCE_MS, Math.max(MIN_SILENCE_MS, 1.5 * spanMs));
  }

  /** One valid sample at time `t`: fold it into the open cell, closing cells as time passes. */
  private take(t: number, stepMs: number, x: number, y: number, z: number, out: FallDetection[]): void {
    const silentMs = t - this.lastSampleAt;
    this.lastSampleAt = t;
    if (this.resumable) {
      // A candidate judged on a silence that the samples now show was not the wearable's: taken up again. Up to the
      // longest silence the engine waits for, a gap in the samples' own time is a radio gap (history kept, the candidate
      // judged on the samples after it) when no timer fired in it. For an impact that was seen and not yet judged on a
      // stillness window (the timer fired within the settling second), a timer that fired in the gap (the transport
      // lost the batches after the impact, the next came after the silence) changes nothing (session 33: up to then only
      // a gap within the current silence, 2 s for 1 s batches, was taken up: two batches lost after an impact lost
      // it). A candidate already judged on a window (not still: the wearer moving) or started at a gap's end (its
      // impact presumed in that gap) is not: the end of this gap is judged afresh, as before.
      this.resumable = false;
      const unjudged = !this.impactInGap && this.judgedStillMs === 0;
      if (silentMs <= this.silenceMs() || (unjudged && silentMs <= MAX_SILENCE_MS)) this.phase = 'impact';
    }
    if (Number.isNaN(this.cellStart)) {
      this.cellStart = t;
    } else if (t >= this.cellStart + CELL_MS) {
      if (t - this.cellStart > RADIO_GAP_MS) {
        if (this.cn > 0) this.closeCell(out);
        // In the recovery window the engine waits for the window's end, not for silence: a wearer seen
        // again before it is still judged on what they do (a longer silence restarted and called out).
        const inWindow = this.phase === 'recover' && t < this.recoverStart + this.recoverMs;
        // The engine judges a silence on the hub's clock, from the last batch's arrival (its timer, `wakeAt`); a gap in
        // the samples' own time that the hub did not hear as a silence (a wearable's clock stepping forward, a burst of
        // batches lost while the next ones kept coming) is a radio gap, with the history kept, up to the longest
        // silence the engine ever waits for (session 32: restarting after `silenceMs` lost the posture before an
        // impact and judged a candidate on a stillness cut short, on every clock step of 2 s).
        if (silentMs > MAX_SILENCE_MS && !inWindow) {
          // Longer than the engine ever waits before judging on silence: decide, then start afresh.
          this.restart(this.cellStart, out);
          this.cellStart = t;
        } else {
          // A radio gap (a wearable losing its link around an impact): no cells are invented for it
          // (held values would fake stillness), the history stays, so the posture before the gap is
          // still the posture before an impact after it, and a candidate's stillness is judged on
          // samples that arrived.
          this.cellStart += Math.floor((t - this.cellStart) / CELL_MS) * CELL_MS;
          this.gapCell = this.cells;
          this.gapEnded = this.phase === 'idle';
          this.gapFrom = t - silentMs;
        }
      } else {
        this.closeCell(out);
        const lx = this.cx / this.cn;
        const ly = this.cy / this.cn;
        const lz = this.cz / this.cn;
        const lg = norm(lx, ly, lz);
        this.cellStart += CELL_MS;
        // Bridge a short gap by holding the last mean (no invented peaks or dips).
        while (t >= this.cellStart + CELL_MS) {
          this.onCell(this.cellStart, lx, ly, lz, lg, lg, 0, 0, 0, 0, out);
          this.cellStart += CELL_MS;
        }
      }
      this.cn = 0;
    }
    const g = norm(x, y, z);
    if (this.cn === 0) {
      this.cx = this.cy = this.cz = this.cImp = this.cDesc = this.cReach = this.cReachAxis = 0;
      this.cMax = g;
      this.cMin = g;
    }
    // Each sample stands for its own period (at most a gap's bridge), so the sum is the same at any rate.
    const periodS = Math.min(stepMs, RADIO_GAP_MS) / 1000;
    this.cImp += Math.max(0, g - 1) * periodS;
    this.cDesc += (1 - g) * periodS;
    this.cn++;
    this.cx += x;
    this.cy += y;
    this.cz += z;
    if (g > this.cMax) this.cMax = g;
    if (g < this.cMin) this.cMin = g;
    const ax = Math.abs(x);
    const ay = Math.abs(y);
    const az = Math.abs(z);
    if (ax > this.cReach || ay > this.cReach || az > this.cReach) {
      if (ax >= ay && ax >= az) [this.cReach, this.cReachAxis] = [ax, Math.sign(x)];
      else if (ay >= az) [this.cReach, this.cReachAxis] = [ay, 2 * Math.sign(y)];
      else [this.cReach, this.cReachAxis] = [az, 3 * Math.sign(z)];
    }
  }

  /** Restart after a long gap: a candidate is judged with what it has, a confirmed fall reported. */
  private restart(at: number, out: FallDetection[]): void {
    if (this.phase === 'impact') this.judge(at, true, out);
    if (this.phase === 'recover') this.decide(at, this.recoveredOrNull(), out);
    this.resumable = false;
    this.cells = 0;
    this.gapCell = -Infinity;
    this.gapEnded = false;
    this.descentBound = 0;
    this.landingBound = 0;
    this.phase = 'idle';
    this.cellStart = NaN;
    this.cn = 0;
  }

  /** Mean of history cells `fromBack` to `toBack` cells back (both inclusive), clipped to what exists. */
  private historyMean(fromBack: number, toBack: number): [number, number, number] {
    const from = Math.min(fromBack, this.cells - 1, HISTORY_CELLS - 1);
    const to = Math.min(toBack, from);
    let sx = 0;
    let sy = 0;
    let sz = 0;
    let n = 0;
    for (let back = from; back >= to && back >= 0; back--) {
      const i = (this.cells - 1 - back) % HISTORY_CELLS;
      sx += ringAt(this.hx, i);
      sy += ringAt(this.hy, i);
      sz += ringAt(this.hz, i);
      n++;
    }
    return n === 0 ? [0, 0, 0] : [sx / n, sy / n, sz / n];
  }

  /**
   * The range's edge, if the cells `fromBack` to `toBack` back show one: the furthest reading on any axis over them,
   * reached exactly in at least CLIP_RUNS runs of cells more than CLIP_RUN_GAP_CELLS apart (a saturated sensor reports
   * the same largest code at every hard step; a signal within its range does not peak at exactly the same value
   * twice). NaN: no edge seen.
   */
  private clipEdge(fromBack: number, toBack: number): number {
    const from = Math.min(fromBack, this.cells - 1, HISTORY_CELLS - 1);
    const to = Math.min(toBack, from);
    let edge = 0;
    for (let back = from; back >= to && back >= 0; back--)
      edge = Math.max(edge, ringAt(this.hReach, (this.cells - 1 - back) % HISTORY_CELLS));
    let runs = 0;
    let lastAt = Infinity;
    for (let back = from; back >= to && back >= 0; back--) {
      if (this.axisAtEdge((this.cells - 1 - back) % HISTORY_CELLS, edge) === 0) continue;
      if (lastAt - back > CLIP_RUN_GAP_CELLS) runs++;
      lastAt = back;
    }
    return edge > 1 && runs >= CLIP_RUNS ? edge : NaN;
  }

  /** The axis of ring cell `i` that reached the range's edge, signed (1, 2, 3 for x, y, z), or 0. */
  private axisAtEdge(i: number, edge: number): number {
    return ringAt(this.hReach, i) >= edge - CLIP_EDGE_TOLERANCE_G ? ringAt(this.hReachAxis, i) : 0;
  }

  /** The axis that clipped in the window (the one with most cells at the edge), signed, or 0. */
  private clippedAxis(fromBack: number, toBack: number, edge: number): number {
    if (Number.isNaN(edge)) return 0;
    const from = Math.min(fromBack, this.cells - 1, HISTORY_CELLS - 1);
    const to = Math.min(toBack, from);
    const counts = new Map<number, number>();
    for (let back = from; back >= to && back >= 0; back--) {
      const axis = this.axisAtEdge((this.cells - 1 - back) % HISTORY_CELLS, edge);
      if (axis !== 0) counts.set(axis, (counts.get(axis) ?? 0) + 1);
    }
    let axis = 0;
    let most = 0;
    for (const [a, n] of counts)
      if (n > most) {
        most = n;
        axis = a;
      }
    return axis;
  }

  /** The last WALK_CELLS cells, if the wearer was walking in them: their mean gravity is the upright posture. */
  private noteWalking(at: number): void {
    if (this.cells < WALK_CELLS) return;
    const half = WALK_CELLS / 2;
    const a = emptyStats();
    const b = emptyStats();
    const mags = this.walkMags;
    for (let back = WALK_CELLS - 1; back >= 0; back--) {
      const i = (this.cells - 1 - back) % HISTORY_CELLS;
      const [x, y, z] = [ringAt(this.hx, i), ringAt(this.hy, i), ringAt(this.hz, i)];
      const g = norm(x, y, z);
      mags[back] = g;
      const s = back >= half ? a : b;
      s.n++;
      s.sx += x;
      s.sy += y;
      s.sz += z;
      s.sg += g;
      s.sgg += g * g;
    }
    const all: Stats = {
      n: a.n + b.n,
      sx: a.sx + b.sx,
      sy: a.sy + b.sy,
      sz: a.sz + b.sz,
      sg: a.sg + b.sg,
      sgg: a.sgg + b.sgg,
    };
    const [x, y, z] = [all.sx / all.n, all.sy / all.n, all.sz / all.n];
    if (magnitudeStd(all) < MOVING_STD_G || Math.abs(norm(x, y, z) - 1) > STILL_GRAVITY_TOLERANCE_G) return;
    if (angleDeg(a.sx, a.sy, a.sz, b.sx, b.sy, b.sz) > WALK_DRIFT_DEG) return;
    // Steps: the magnitude rising from below its mean to above it (by half of MOVING_STD_G either way) at least
    // WALK_MIN_STEPS times. Turning over in bed or shifting in a chair moves as much, but does not repeat.
    const mean = all.sg / all.n;
    let steps = 0;
    let low = false;
    for (let back = WALK_CELLS - 1; back >= 0; back--) {
      const g = mags[back] ?? mean;
      if (g < mean - MOVING_STD_G / 2) low = true;
      else if (low && g > mean + MOVING_STD_G / 2) {
        steps++;
        low = false;
      }
    }
    if (steps < WALK_MIN_STEPS) return;
    [this.walkX, this.walkY, this.walkZ, this.walkAt] = [x, y, z, at];
  }

  /**
   * At the first cell after a radio gap: the wearer was moving when the link dropped (the magnitude's spread over the
   * GAP_MOVING_CELLS before the gap at least MOVING_STD_G): walking, or already losing balance; not sitting still.
   */
  private movingBeforeGap(): boolean {
    if (this.cells <= GAP_MOVING_CELLS) return false;
    const s = emptyStats();
    for (let back = GAP_MOVING_CELLS; back >= 1; back--) {
      const i = (this.cells - 1 - back) % HISTORY_CELLS;
      addStats(s, ringAt(this.hx, i), ringAt(this.hy, i), ringAt(this.hz, i));
    }
    return magnitudeStd(s) >= MOVING_STD_G;
  }

  /** The impulse of the last LANDING_CELLS closed cells, weighted like the descent, reaches LANDING_IMPULSE_GS. */
  private landing(): boolean {
    const needed = this.tuning.landingImpulseGs * (this.params.impactG - 1);
    // Most cells fail on the running sum; only the rest pay for the exact one (no rounding drift).
    if (this.descentWeight === 0 || this.landingBound * this.descentWeight < needed * 0.999) return false;
    let sum = 0;
    for (let back = Math.min(LANDING_CELLS, this.cells) - 1; back >= 0; back--)
      sum += ringAt(this.hImp, (this.cells - 1 - back) % HISTORY_CELLS);
    // A home's stricter impactG asks for a harder landing too (LANDING_IMPULSE_GS is at the default 2 g).
    return sum * this.descentWeight >= needed;
  }

  /** Impulse of the last IMPULSE_CELLS closed cells, in g·s. */
  private recentImpulse(): number {
    let sum = 0;
    for (let back = Math.min(IMPULSE_CELLS, this.cells) - 1; back >= 0; back--) {
      sum += ringAt(this.hImp, (this.cells - 1 - back) % HISTORY_CELLS);
    }
    return sum;
  }

  /**
   * Speed gained falling before the current cell: the largest sum of consecutive cells' descent within
   * the DESCENT_CELLS before it (Kadane), in g·s. Standing still gives 0, a step's dip about 0.06.
   */
  private descentBefore(): number {
    let best = 0;
    let run = 0;
    for (let back = Math.min(DESCENT_CELLS, this.cells - 1); back >= 1; back--) {
      run = Math.max(0, run + ringAt(this.hDesc, (this.cells - 1 - back) % HISTORY_CELLS));
      if (run > best) best = run;
    }
    return best;
  }

  /** Peak and descent together (DESCENT_FULL_GS); the descent is only summed for a peak that could count. */
  private descentEvidence(maxG: number): boolean {
    if (this.descentWeight === 0) return false;
    const peakShare = (maxG - 1) / (this.impactG - 1);
    const share = this.descentWeight / this.tuning.descentFullGs;
    // Most cells (steps) fail even with the bound; only the rest pay for the exact search.
    if (peakShare < MIN_PEAK_SHARE || peakShare + share * this.descentBound < 1) return false;
    return peakShare + share * this.descentBefore() >= 1;
  }

  private historyMin(backCells: number): number {
    let m = Infinity;
    for (let back = Math.min(backCells, this.cells) - 1; back >= 0; back--) {
      m = Math.min(m, ringAt(this.hMin, (this.cells - 1 - back) % HISTORY_CELLS));
    }
    return m;
  }

  private startCandidate(at: number, maxG: number, inGap = false): void {
    this.phase = 'impact';
    this.impactInGap = inGap;
    this.fromLearnedUpright = false;
    this.impactAt = at;
    this.impactCell = this.cells;
    this.episodeStart = at;
    this.peakG = maxG;
    this.freeFallG = this.historyMin(FREE_FALL_CELLS);
    // A radio gap in the second before the impact may hold the dip: unknown is not absent.
    this.dipLost = this.cells - this.gapCell <= FREE_FALL_CELLS;
    this.descentGs = this.descentBefore();
    // An impact the gap hid: the posture before it is the one the wearer had when the link dropped (GAP_WALK_RECENT_MS).
    [this.preX, this.preY, this.preZ] = inGap
      ? this.historyMean(GAP_LAST_CELLS, 1)
      : this.historyMean(PRE_FROM_CELLS, PRE_TO_CELLS);
    this.preAsArrived = this.cells - this.gapCell <= PRE_SPAN_CELLS || this.cells <= PRE_FROM_CELLS;
    this.preEarlier = [];
    // The range clips before the sensor's filter: a step clipped and then filtered reads below the edge, so the axis
    // that reached it is read over the windows' whole span, and holds for each of them.
    // The range clips before the sensor's filter: a step clipped and then filtered reads below the edge, so the axis
    // at the edge is read over the windows' whole span, and holds for each of them.
    const clipped = this.clippedAxis(PRE_SPAN_CELLS, PRE_TO_CELLS, this.clipEdge(HISTORY_CELLS - 1, 0));
    this.preClip = [clipped];
    for (const [fromBack, toBack] of EARLIER_PRE_WINDOWS)
      if (this.cells > fromBack) {
        this.preEarlier.push(...this.historyMean(fromBack, toBack));
        this.preClip.push(clipped);
      }
    resetStats(this.post);
  }

  /** A further impact of the same fall: stillness is judged after it, posture against before the first. */
  private continueEpisode(at: number, maxG: number): void {
    this.impactAt = at;
    this.impactCell = this.cells;
    if (maxG > this.peakG) this.peakG = maxG;
    this.noteFurtherDip();
    resetStats(this.post);
  }

  /** The dip and descent before a further impact of the same fall count for the fall (the second before it). */
  private noteFurtherDip(): void {
    this.freeFallG = Math.min(this.freeFallG, this.historyMin(FREE_FALL_CELLS));
    this.dipLost ||= this.cells - this.gapCell <= FREE_FALL_CELLS;
    this.descentGs = Math.max(this.descentGs, this.descentBefore());
  }

  /**
   * Judge the candidate: posture change and stillness after the impact. `cut`: the wearable fell silent
   * before the stillness window was complete; judge on what arrived (at least 0.5 s of it, else on the
   * cells after the peak search, for posture only). A confirmed fall enters its recovery window, which
   * starts when it would have with a full signal, so a silent wearable is not reported later.
   */
  private judge(at: number, cut: boolean, out: FallDetection[]): void {
    let mx: number;
    let my: number;
    let mz: number;
    let still: boolean;
    if (this.post.n >= (cut ? MIN_STILL_CELLS : 1)) {
      mx = this.post.sx / this.post.n;
      my = this.post.sy / this.post.n;
      mz = this.post.sz / this.post.n;
      this.stillStdG = magnitudeStd(this.post);
      still = this.stillStdG <= this.params.stillStdG && measuresGravity(this.post);
      this.judgedStillMs = this.post.n * CELL_MS;
    } else {
      // Silent within the settling second: judge on the cells after the peak search (rebounds raise
      // their spread, so this errs towards no alarm; the possible-fall silence rule remains).
      const after = Math.min(this.cells - this.impactCell - PEAK_SEARCH_CELLS, HISTORY_CELLS);
      if (after < MIN_CUT_CELLS) {
        this.phase = 'idle';
        this.resumable = true;
        this.judgedStillMs = 0;
        return;
      }
      const s = emptyStats();
      for (let back = after - 1; back >= 0; back--) {
        const i = (this.cells - 1 - back) % HISTORY_CELLS;
        addStats(s, ringAt(this.hx, i), ringAt(this.hy, i), ringAt(this.hz, i));
      }
      mx = s.sx / s.n;
      my = s.sy / s.n;
      mz = s.sz / s.n;
      this.stillStdG = magnitudeStd(s);
      still = this.stillStdG <= this.params.stillStdG && measuresGravity(s);
      this.judgedStillMs = 0;
    }
    const dip = this.freeFallG <= this.params.freeFallG || this.dipLost;
    // Not still yet: the window slides on for a while (STILL_SEARCH_MS), unless the wearable fell silent (judged on
    // what arrived) or the ring cannot hold the window and the cell leaving it. The first still window is judged
    // once and for all: sliding on over still windows would give a posture drifting near the threshold many
    // chances to cross it (a wearer settling into a chair).
    const searching =
      !still &&
      !cut &&
      dip &&
      this.stillCells < HISTORY_CELLS &&
      at + CELL_MS < this.impactAt + SETTLE_MS + this.stillMs + this.tuning.stillSearchMs;
    if (searching) return;
    // The largest change from a window before the impact that measures gravity (PRE_GRAVITY_TOLERANCE_G); that
    // window is then the posture to get back to. None: no posture before the impact, nothing changed from.
    let pre: [number, number, number] | null = null;
    this.postureDeg = 0;
    this.fromLearnedUpright = false;
    const windows = this.impactInGap ? [] : [this.preX, this.preY, this.preZ, ...this.preEarlier];
    // An impact the gap hid (GAP_WALK_RECENT_MS): still upright when the link dropped, and the change is from upright.
    if (
      this.impactInGap &&
      angleDeg(this.walkX, this.walkY, this.walkZ, this.preX, this.preY, this.preZ) <= UPRIGHT_DEG
    ) {
      pre = [this.walkX, this.walkY, this.walkZ];
      this.postureDeg = angleDeg(this.walkX, this.walkY, this.walkZ, mx, my, mz);
    }
    for (let i = 0; i + 2 < windows.length; i += 3) {
      const w = windows.slice(i, i + 3) as [number, number, number];
      if (!this.preAsArrived && Math.abs(norm(...w) - 1) > PRE_GRAVITY_TOLERANCE_G) continue;
      const [ex, ey, ez] = this.preAsArrived ? w : gravityOfClipped(w, this.preClip[i / 3] ?? 0);
      const deg = angleDeg(ex, ey, ez, mx, my, mz);
      if (pre === null || deg > this.postureDeg) {
        this.postureDeg = deg;
        pre = [ex, ey, ez];
      }
    }
    // Lying against the wearer's own upright (session 38): a wearer seen in their learned upright attitude just before the
    // impact (the window chosen within UPRIGHT_DEG of it) who lies still postureChangeDeg or more from it has left
    // upright, even when the posture just before moved less: a pendant resting on a sloping chest already leans towards
    // its lying attitude when the wearer stands still, and turns only 25–45° from there (docs/fall-detection.md,
    // eighteenth round). The posture to get back to is then the learned upright, as after an impact a gap hid.
    if (
      pre !== null &&
      !this.impactInGap &&
      this.postureDeg < this.params.postureChangeDeg &&
      !Number.isNaN(this.walkX) &&
      angleDeg(this.walkX, this.walkY, this.walkZ, pre[0], pre[1], pre[2]) <= UPRIGHT_DEG
    ) {
      const fromUpright = angleDeg(this.walkX, this.walkY, this.walkZ, mx, my, mz);
      if (fromUpright >= this.params.postureChangeDeg) {
        pre = [this.walkX, this.walkY, this.walkZ];
        this.postureDeg = fromUpright;
        this.fromLearnedUpright = true;
      }
    }
    const isFall = dip && pre !== null && this.postureDeg >= this.params.postureChangeDeg && still;
    if (!isFall || pre === null) {
      this.phase = 'idle';
      this.resumable = cut;
      return;
    }
    [this.preX, this.preY, this.preZ] = pre;
    this.phase = 'recover';
    this.recoverCell = this.impactCell + SETTLE_CELLS;
    this.recoverStart = this.impactAt + SETTLE_MS + this.stillMs;
    if (!cut) this.recoverStart = Math.max(this.recoverStart, at + CELL_MS);
    if (this.recoverMs <= 0) this.decide(at, null, out);
  }

  /**
   * A decision on silence: the judgement when the wearer was seen up (its figures go on the card), else
   * none, so a call-out's detail stays what it was before silence was judged on samples.
   */
  private recoveredOrNull(): ReturnType<StreamingFallDetector['recoveredNow']> {
    const recovery = this.recoveredNow();
    return recovery?.recovered ? recovery : null;
  }

  /**
   * Over the last 2 s taken in after the impact's settling second: back near the posture held before the fall, and moving
   * like walking. Fewer than MIN_STILL_CELLS of them (a wearable silent since within 1.5 s of the impact): not seen up.
   */
  private recoveredNow(): { recovered: boolean; fromUprightDeg: number; movingStdG: number } | null {
    const n = Math.min(RECOVERY_CELLS, this.cells, this.cells - this.recoverCell);
    if (!(n >= MIN_STILL_CELLS)) return null;
    let sx = 0;
    let sy = 0;
    let sz = 0;
    let sg = 0;
    let sgg = 0;
    for (let back = n - 1; back >= 0; back--) {
      const i = (this.cells - 1 - back) % HISTORY_CELLS;
      const x = ringAt(this.hx, i);
      const y = ringAt(this.hy, i);
      const z = ringAt(this.hz, i);
      const g = norm(x, y, z);
      sx += x;
      sy += y;
      sz += z;
      sg += g;
      sgg += g * g;
    }
    const fromUprightDeg = angleDeg(this.preX, this.preY, this.preZ, sx / n, sy / n, sz / n);
    const movingStdG = Math.sqrt(Math.max(0, sgg / n - (sg / n) ** 2));
    return { recovered: fromUprightDeg <= UPRIGHT_DEG && movingStdG >= MOVING_STD_G, fromUprightDeg, movingStdG };
  }

  private decide(
    at: number,
    recovery: ReturnType<StreamingFallDetector['recoveredNow']> | null,
    out: FallDetection[],
  ): void {
    const recovered = recovery?.recovered ?? false;
    this.phase = 'idle';
    // Judged again after a late message was put in its place (fillHole): a fall already reported over the same time (from
    // its impact to its decision) is not reported again, unless as a call-out where it was a record.
    const fall: ReportedFall = { at: this.episodeStart, decidedAt: at, downgraded: recovered };
    const again = (r: ReportedFall): boolean =>
      fall.at <= r.decidedAt && r.at <= fall.decidedAt && (!r.downgraded || fall.downgraded);
    if (fall.at <= this.reanalysedTo && this.reported.some(again)) return;
    this.reported.push(fall);
    if (this.reported.length > REPORTED_KEPT) this.reported.shift();
    // Silent since its last sample: the wearer was last seen lying still, and nothing says otherwise.
    const silentSeconds = at > this.lastSampleAt ? round1((at - this.lastSampleAt) / 1000) : 0;
    out.push({
      at: this.episodeStart,
      peakG: round2(this.peakG),
      downgraded: recovered,
      detail: {
        impactAt: this.episodeStart,
        peakG: round2(this.peakG),
        freeFallG: round2(this.freeFallG),
        ...(this.dipLost ? { freeFallLostInGap: true } : {}),
        ...(this.impactInGap ? { impactLostInGap: true } : {}),
        ...(this.fromLearnedUpright ? { postureFromUpright: true } : {}),
        descentMps: round1(this.descentGs * STANDARD_GRAVITY_MPS2),
        postureChangeDeg: Math.round(this.postureDeg),
        stillSeconds: round1(this.judgedStillMs / 1000),
        stillStdG: round2(this.stillStdG),
        sampleRateHz: this.rateHz,
        decidedAt: at,
        recovered,
        ...(silentSeconds > 0 ? { wearableSilentSeconds: silentSeconds } : {}),
        ...(recovery
          ? { fromUprightDeg: Math.round(recovery.fromUprightDeg), movingStdG: round2(recovery.movingStdG) }
          : {}),
      },
    });
  }

  /** One 20 ms cell closed at time `at` (its start): run the state machine. */
  private onCell(
    at: number,
    x: number,
    y: number,
    z: number,
    maxG: number,
    minG: number,
    impulse: number,
    descent: number,
    reach: number,
    reachAxis: number,
    out: FallDetection[],
  ): void {
    const i = this.cells % HISTORY_CELLS;
    this.hReach[i] = reach;
    this.hReachAxis[i] = reachAxis;
    this.hx[i] = x;
    this.hy[i] = y;
    this.hz[i] = z;
    this.hMin[i] = minG;
    this.hImp[i] = impulse;
    this.hDesc[i] = descent;
    this.descentBound += Math.max(0, descent);
    // The cell leaving the window is DESCENT_CELLS + 1 back; HISTORY_CELLS is larger, so it is still in the ring.
    if (this.cells > DESCENT_CELLS)
      this.descentBound -= Math.max(0, ringAt(this.hDesc, (this.cells - DESCENT_CELLS - 1) % HISTORY_CELLS));
    this.landingBound += Math.max(0, impulse);
    if (this.cells >= LANDING_CELLS)
      this.landingBound -= Math.max(0, ringAt(this.hImp, (this.cells - LANDING_CELLS) % HISTORY_CELLS));
    this.cells++;
    const hit =
      maxG >= this.impactG ||
      this.recentImpulse() >= this.impulseGs ||
      this.descentEvidence(maxG) ||
      (this.phase === 'idle' && this.landing());
    const afterGap = this.gapEnded;
    this.gapEnded = false;

    if (this.phase === 'idle') {
      if (hit) this.startCandidate(at, maxG);
      else if (afterGap && this.gapFrom - this.walkAt <= GAP_WALK_RECENT_MS && this.movingBeforeGap())
        this.startCandidate(at, maxG, true);
      else if (this.cells % WALK_CELLS === 0) this.noteWalking(at);
      return;
    }
    if (this.phase === 'impact') {
      // An impact seen after all (the gap hid only the descent): a candidate like any other, as if none had started.
      if (hit && this.impactInGap) {
        this.startCandidate(at, maxG);
        return;
      }
      const elapsed = at - this.impactAt;
      if (elapsed < PEAK_SEARCH_MS) {
        if (maxG > this.peakG) this.peakG = maxG;
        // A further impact inside the peak search is one of the same fall, as one after it is (continueEpisode): the
        // dip in the second before it counts too (session 72). Up to then only an impact 0.5 s or more after the
        // first had its dip read, so a free fall between a first bump and the hard impact counted or not as one
        // sample's instant moved the first bump across the search's end (jittered 20 Hz timing).
        if (hit) this.noteFurtherDip();
        return;
      }
      // A new impact before stillness was judged: part of the same fall if soon after the first,
      // otherwise the earlier one was not the fall's (a hard step, a stumble) and this one starts afresh.
      if (hit) {
        if (at - this.episodeStart <= EPISODE_MS) this.continueEpisode(at, maxG);
        else this.startCandidate(at, maxG);
        return;
      }
      if (elapsed < SETTLE_MS) return;
      addStats(this.post, x, y, z);
      // A window that was not still slides on (STILL_SEARCH_MS): the cell leaving it is stillCells back in the ring, which
      // holds only cells that arrived, so after a radio gap too the window is the last stillCells cells that arrived.
      if (this.post.n > this.stillCells) {
        const i = (this.cells - 1 - this.stillCells) % HISTORY_CELLS;
        addStats(this.post, ringAt(this.hx, i), ringAt(this.hy, i), ringAt(this.hz, i), -1);
      }
      // A window of cells that arrived: after a radio gap it ends that much later.
      if (this.post.n < this.stillCells) return;
      this.judge(at, false, out);
      return;
    }
    // phase === 'recover': downgrade as soon as the person is up and moving, else critical at the end.
    const elapsed = at + CELL_MS - this.recoverStart;
    if (elapsed < RECOVERY_CELLS * CELL_MS && elapsed < this.recoverMs) return;
    const recovery = this.recoveredNow();
    if ((recovery?.recovered ?? false) || elapsed >= this.recoverMs) this.decide(at, recovery, out);
  }

  private closeCell(out: FallDetection[]): void {
    this.onCell(
      this.cellStart,
      this.cx / this.cn,
      this.cy / this.cn,
      this.cz / this.cn,
      this.cMax,
      this.cMin,
      this.cImp,
      this.cDesc,
      this.cReach,
      this.cReachAxis,
      out,
    );
  }
}
