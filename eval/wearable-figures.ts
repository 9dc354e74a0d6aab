// Figures of a wearable fall evaluation: sensitivity, specificity, false alarms per hour of walking and of all daily activity.
export interface StreamCondition {
  rateHz: number;
  /** Dropped samples, jittered stamps, lost messages (eval/irregular.ts). */
  irregular: boolean;
}

export interface TrialOutcome {
  label: string;
  isFall: boolean;
  /** Counts towards the hours of walking (walking, jogging, long walks). */
  walking: boolean;
  durationMs: number;
  /** Fall detections the hub would raise for the trial (the recording's end is a silent wearable). */
  detections: number;
}

export interface WearableFigures {
  falls: number;
  fallsCaught: number;
  adlTrials: number;
  adlTrialsClean: number;
  walkingAlarms: number;
  walkingMs: number;
  adlAlarms: number;
  adlMs: number;
  missed: string[];
  falseAlarmTrials: string[];
}

export function emptyFigures(): WearableFigures {
  return {
    falls: 0,
    fallsCaught: 0,
    adlTrials: 0,
    adlTrialsClean: 0,
    walkingAlarms: 0,
    walkingMs: 0,
    adlAlarms: 0,
    adlMs: 0,
    missed: [],
    falseAlarmTrials: [],
  };
}

export function record(f: WearableFigures, t: TrialOutcome): void {
  if (t.isFall) {
    f.falls++;
    if (t.detections > 0) f.fallsCaught++;
    else f.missed.push(t.label);
    return;
  }
  f.adlTrials++;
  if (t.detections === 0) f.adlTrialsClean++;
  else f.falseAlarmTrials.push(t.label);
  f.adlAlarms += t.detections;
  f.adlMs += t.durationMs;
  if (t.walking) {
    f.walkingAlarms += t.detections;
    f.walkingMs += t.durationMs;
  }
}

export const sensitivity = (f: WearableFigures): number => (f.falls > 0 ? f.fallsCaught / f.falls : NaN);
export const specificity = (f: WearableFigures): number => (f.adlTrials > 0 ? f.adlTrialsClean / f.adlTrials : NaN);
export const perHour = (alarms: number, ms: number): number => (ms > 0 ? alarms / (ms / 3_600_000) : NaN);
