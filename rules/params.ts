// Rule parameters with the SPEC section 6 defaults; every number can be overridden per home.

export interface RuleParams {
  /**
   * Days of history after which the after-any-activity possible-fall stands on the home's model alone; before, it takes
   * over gradually from inactivity's day value, as every other threshold does (`learned.priorWeight`).
   */
  learningDays: number;
  /** How learned normal turns a home's own quiet periods into a threshold. */
  learned: {
    /** Share of past quiet periods (same context) that must end before the threshold, in percent. */
    quantilePercent: number;
    /**
     * Of the quiet periods longer than that quantile, at most one per this many days of the history a threshold rests
     * on is left out (0: no such bound, the quantile alone): a length the home has had again within that many days is
     * kept, so the share a quantile leaves out does not grow with the count as a history grows (session 48).
     */
    leaveOutDays: number;
    /** The threshold is the quantile times (1 + marginPercent/100) plus marginMinutes. */
    marginPercent: number;
    marginMinutes: number;
    /** Below this many quiet periods at the same weekday and hour, pool the same hour of every weekday. */
    minSamples: number;
    /**
     * Weight of the cold-start value (or the care plan's), in quiet periods, against the home's own
     * history: a learned threshold shorter than the prior takes over as n / (n + priorWeight), so the
     * model takes over day by day; one longer than the prior is believed at once (it can only spare
     * a false alarm).
     */
    priorWeight: number;
  };
  /** An exit door closed and nothing inside for this long: the resident is out. */
  presence: {
    outAfterMinutes: number;
    /** An appliance's power rising by at least this much counts as the resident's activity. */
    powerRiseW: number;
    /**
     * A PIR or presence sensor that reports a held state and is still on counts as someone there for
     * at most this long: longer holds are mostly stuck sensors or a lost `off` (Kasteren B: 99 % of
     * PIR holds end within 3 min), and must not keep alerts back.
     */
    heldMaxMinutes: number;
    /**
     * A bed or chair mat whose on-states mostly end within this many seconds reports pressure changes (each
     * movement on it), not a held occupancy: its `off` after such a short hold is the resident still on it.
     */
    matPulseSeconds: number;
    /**
     * A mat's evidence of someone resting lasts at most this long without a new report: a mat held longer than
     * anyone sleeps is stuck (Kasteren B and C: mats left on for 1 to 10 days).
     */
    matHeldMaxHours: number;
    /**
     * An outing nothing has ended (no arrival by the exit door, nothing inside) ends after
     * max(`outingBoundMinHours`, `outingBoundFactor` x the longest outing the home has had): the resident is then
     * "not seen", no longer out, and inactivity calls. Where that bound would pass `outingBoundMaxHours` (a resident
     * known to go away for longer) an outing has no bound, as before; 0 turns the bound off. A collapse behind an
     * outing that was wrongly confirmed (a door opened and closed while the resident stayed in, unseen) is called late
     * rather than never. The longest outing is that of the last 8 to 16 weeks (`ABSENCE_MEMORY_DAYS` in home-state.ts):
     * a trip of days months ago no longer leaves every outing unbounded (review, session 31).
     */
    outingBoundMinHours: number;
    outingBoundFactor: number;
    outingBoundMaxHours: number;
    /**
     * The longest outing that sets an outing's bound is that of the outings that began within this many hours of the
     * same time of day (local); 12 or more: of every outing, as in session 26.
     */
    outingBoundHourWindow: number;
    /**
     * Where the bound would pass `outingBoundMaxHours` (a resident seen away for a day or more), it is still
     * `outingBoundFactor` x the longest outing, up to this many days: an outing longer than any the home has had is
     * called late ("away longer than ever: confirm, or set away mode") rather than never. 0 (the default): no bound
     * there, as in session 27; on Kasteren B it called the empty home after its annotation ended (+1 or +2 false
     * alarms in 7 failure variants) and saved no collapse within 24 h (eval/README.md, session 28). The wait on a device
     * alone in a home shown empty for a day or more (`emptyHomeBoundMs` in possible-fall.ts) follows it alike. Neither
     * applies in a home configured for two or more residents: there both stop at `outingBoundMaxHours` (session 77).
     */
    outingBoundLateMaxDays: number;
    /**
     * An outing begun within `outAfterMinutes` of an arrival by the exit door that nothing inside saw (the door moved
     * again minutes after someone came in: keys forgotten, a caller seen off) has a bound of at most this many hours,
     * even where the home's days away give outings none; so has the wait on a device alone after it. 0: off. 22 (the
     * default since session 71; session 69 shipped it off): on Kasteren B with half its sensors (`--seed 9`) it calls 5
     * collapses otherwise missed within 24 h. Its cost is a call at 22 h when a resident pops in and leaves for a day or
     * more without away mode: B's three such departures are the study's set-up and tear-down (21 Jul, before the
     * annotation; 7 Aug, in to fasten a camera and gone, the annotation's end; 12 Aug, after it), 8 false alarms over
     * 12 seeds there (rules/README.md, session 71). 0 for a resident who pops in and leaves for days unannounced.
     */
    outingAfterArrivalMaxHours: number;
    /**
     * A device the resident moves that reported day after day and has said nothing on this many of the home's living
     * days in a row (or that Zigbee2MQTT calls offline) is dead to the rules: possible-fall and bathroom-too-long hold
     * off while it is (`HomeState.deviceDead`, session 29). 0: no device is ever taken for dead (the room rules never
     * hold off; as before session 29). Off trades false alarms for delay: held out, CASAS with its busiest device dead
     * has a median of 110 min off and 123 on (155 with session 29's home-wide hold), Kasteren C 41.0 false alarms per
     * 30 days off and 27.3 on (20.5 home-wide).
     */
    deadDeviceDays: number;
    /**
     * A dead device holds possible-fall and bathroom-too-long off only for a silence that began at a device whose
     * silences it ended at least this share of the time (`HomeState.roomRulesHeld`, session 30: which device ended the
     * silences that began at each is counted from the home's own record; session 31: among those that began within
     * 1-2 h of the silence's own hour, where there are 30 of them); elsewhere they arm. The silences of a device with
     * too few counted to say (under 30 over the day) are held, as all were in session 29. 0: every silence held
     * (session 29).
     */
    deadDeviceEndShare: number;
  };
  inactivity: {
    floorMinutes: number;
    capMinutes: number;
    coldStartDayMinutes: number;
    coldStartNightMinutes: number;
    /**
     * Cold-start allowance of a silence on a bed mat that reports each movement (it pulses) and is not held on:
     * no movement in bed at all for this long, from the resident's bedtime to the end of the night window. Shorter
     * than a night: a sleeper turns over within hours. Chosen on Kasteren B (tuning): its mat was once silent for
     * 246 min of sleep (eval/README.md, fourth round).
     */
    coldStartStillInBedMinutes: number;
    /**
     * A silence that starts outside the bedroom and runs into the night gets the day value, not the night allowance,
     * once the home has had this many silences longer than the day value and none of them began in that room: the
     * home's nights are seen to begin elsewhere (going to bed passes a sensor). 0: never. A week of nights, as
     * `noMorningActivity.priorMornings`; chosen before any held-out figure (eval/README.md, tenth round).
     */
    nightSeenMinSilences: number;
    /**
     * A silence that begins with the resident sitting on a chair mat that holds (reports on when sat on and off when
     * left, not each movement: `matPulses` false, activity.ts) is someone watching television, reading, dozing: issue 11
     * (section 4), "a chair or couch mat occupied for five hours is someone watching television". Until the mat's own
     * sittings say how long this resident sits (`sittingMinDays`), such a silence is allowed at least this long: five
     * hours with the learned margins (`learned.marginPercent` 10 %, `learned.marginMinutes` 10), 340 min. Decided from
     * the words, not on any home's figures (eval/README.md, twenty-second round).
     */
    coldStartSittingMinutes: number;
    /**
     * Once a chair mat that holds has had sittings on this many local days, its own record sets its allowance: the
     * longest sitting of each day, taken as log-normal across days, at its upper prediction bound for the next day at
     * `possibleFall.stillNightPercent` (the law night stillness uses for a night's longest still spell). 0: never (the
     * cold-start allowance stays). A fortnight, as `possibleFall.stillMinNights`.
     */
    sittingMinDays: number;
    preAlertMinutes: number;
  };
  possibleFall: {
    floorMinutes: number;
    coldStartDayMinutes: number;
    coldStartNightMinutes: number;
    /**
     * Once learned, a silence after any activity (a cupboard, a door, an appliance) is a possible fall
     * when a silence that long after that activity has at most this probability (percent) in the
     * home's own history (0: only after a PIR or the bathroom, as before learning).
     */
    afterActivityPercent: number;
    /**
     * A silence at night still on a bed mat that reports each movement (or after the bedroom PIR, where no bed mat
     * works) is a possible fall once it is longer than this home's still nights allow (`night-stillness.ts`): only
     * after this many nights of at least 3 h seen so...
     */
    stillMinNights: number;
    /** ...and at the upper bound a normal night crosses with this probability (percent), from those nights. */
    stillNightPercent: number;
    /**
     * Up and about (`possible-fall.ts`): in a home whose bed and chair mats work, a silence that starts with no mat
     * occupied, in a room one passes through or works in, is judged on the home's own silences in that same context
     * once it has seen this many of a minute or more (0: never; the room's silences stand, as before).
     */
    upMinSilences: number;
    /**
     * A rest in the bedroom begun after the night window's end (by noon) is still the resident's night for the doubt
     * of getting up (`possible-fall.ts` `restBegunInOwnNight`, session 33) once at least this many of the recent
     * mornings, and more than half of them, saw the resident first up outside the bedroom... (0: never)
     */
    ownNightMornings: number;
    /** ...this many minutes or more after the hour that rest began. */
    ownNightBeforeRisingMinutes: number;
  };
  noMorningActivity: {
    /** Minutes after the learned usual rising time. */
    marginMinutes: number;
    /** Local time used until learned (HH:MM), unless the care plan gives the usual rising time. */
    coldStartTime: string;
    /** Weight of the cold-start (or care-plan) rising time, in mornings, against the learned one. */
    priorMornings: number;
    /** A resident still in bed (bed mat) at the check is looked at again this much later, once. */
    inBedGraceMinutes: number;
    /**
     * The learned check is never earlier than the second-latest of the recent mornings' risings plus this many minutes
     * (-1: no such bound, the usual rising time plus `marginMinutes` alone, as SPEC 6 words it). A home whose risings
     * spread over hours is not called on each of its late mornings; one whose risings keep close is checked at the
     * usual time plus the margin, as before (session 48).
     */
    lateMarginMinutes: number;
  };
  nightExit: { noMotionMinutes: number };
  outOfBed: { coldStartMinutes: number };
  bathroom: { coldStartDayMinutes: number; coldStartNightMinutes: number };
  climate: { coldBelowC: number; heatAboveC: number; sustainMinutes: number };
  sensorOffline: { silentHours: number };
  lowBattery: { percent: number };
  /**
   * After each start of the hub, a silence that fell due while it was down (or falls due in the grace) is called only
   * if the home's sensors say nothing for this long: a bridge sends what it buffered once the broker is back, and a
   * resident up and about trips a PIR within a minute. Emergencies are never held; 0: called at the start, as before
   * session 55.
   */
  restart: { graceSeconds: number };
  fall: {
    /** Impact peak of the acceleration magnitude, in g. */
    impactG: number;
    /** Free-fall dip before the impact, in g. */
    freeFallG: number;
    /** Seconds after impact over which stillness is judged. */
    stillSeconds: number;
    /** Largest vector standard deviation, in g, that still counts as lying still. */
    stillStdG: number;
    /** Smallest change of the gravity direction, in degrees, between before and after the impact. */
    postureChangeDeg: number;
    /** Seconds after stillness during which getting up and moving downgrades the fall (0: never). */
    recoverSeconds: number;
  };
}

export const DEFAULT_RULE_PARAMS: RuleParams = {
  learningDays: 14,
  learned: {
    quantilePercent: 99,
    leaveOutDays: 120,
    marginPercent: 10,
    marginMinutes: 10,
    minSamples: 30,
    priorWeight: 30,
  },
  presence: {
    outAfterMinutes: 10,
    powerRiseW: 10,
    heldMaxMinutes: 30,
    matPulseSeconds: 60,
    matHeldMaxHours: 16,
    outingBoundMinHours: 18,
    outingBoundFactor: 1.25,
    outingBoundMaxHours: 22,
    outingBoundHourWindow: 12,
    outingBoundLateMaxDays: 0,
    outingAfterArrivalMaxHours: 22,
    deadDeviceDays: 3,
    deadDeviceEndShare: 0.02,
  },
  inactivity: {
    floorMinutes: 120,
    capMinutes: 720,
    coldStartDayMinutes: 240,
    coldStartNightMinutes: 600,
    coldStartStillInBedMinutes: 300,
    nightSeenMinSilences: 7,
    coldStartSittingMinutes: 340,
    sittingMinDays: 14,
    preAlertMinutes: 10,
  },
  // afterActivityPercent: tuned on the first learned week of Kasteren house A only (eval/README.md).
  possibleFall: {
    floorMinutes: 30,
    coldStartDayMinutes: 45,
    coldStartNightMinutes: 20,
    afterActivityPercent: 0.1,
    stillMinNights: 14,
    stillNightPercent: 1,
    upMinSilences: 30,
    ownNightMornings: 3,
    ownNightBeforeRisingMinutes: 120,
  },
  noMorningActivity: {
    marginMinutes: 90,
    coldStartTime: '10:00',
    priorMornings: 7,
    inBedGraceMinutes: 120,
    lateMarginMinutes: 30,
  },
  nightExit: { noMotionMinutes: 10 },
  outOfBed: { coldStartMinutes: 45 },
  bathroom: { coldStartDayMinutes: 60, coldStartNightMinutes: 30 },
  climate: { coldBelowC: 16, heatAboveC: 30, sustainMinutes: 120 },
  sensorOffline: { silentHours: 25 },
  lowBattery: { percent: 15 },
  restart: { graceSeconds: 120 },
  // Chosen by grid search on MobiFall v2 falls of subjects 1-5 and odd ADL trials (middle of the
  // plateau where both reach 100 %); held-out figures and curves in docs/fall-detection.md.
  fall: { impactG: 2.0, freeFallG: 0.9, stillSeconds: 2, stillStdG: 0.2, postureChangeDeg: 45, recoverSeconds: 10 },
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type RuleOverrides = DeepPartial<RuleParams>;

/** The parameters of one home: defaults overlaid with the home's overrides. */
export function resolveRuleParams(overrides: RuleOverrides | undefined): RuleParams {
  const out = structuredClone(DEFAULT_RULE_PARAMS) as unknown as Record<string, unknown>;
  for (const [group, values] of Object.entries(overrides ?? {})) {
    if (values !== null && typeof values === 'object') {
      out[group] = { ...(out[group] as object), ...values };
    } else if (values !== undefined) {
      out[group] = values;
    }
  }
  return out as unknown as RuleParams;
}

/**
 * The most any `...Minutes` rule parameter may be: a rule that waits more than a day before an alert leaves a silent
 * home unwatched that long (minutes typed as seconds). hub/config.ts words this bound's refusal.
 */
export const MAX_RULE_MINUTES = 1440;
const upToADay =
  'minutes, up to a day: a rule that waits longer before an alert leaves a silent home unwatched that long';

/**
 * Range of every number a home may set, with the reason (the schema's `description`): a typo beyond them must stop the
 * start naming the field, not turn a safety rule quietly off (session 30). Bounds are wide: no sensible home needs to
 * pass them, and every default lies well inside (test/hub/config-param-bounds.test.ts).
 */
export const RULE_PARAM_BOUNDS: {
  [G in keyof RuleParams]: RuleParams[G] extends number
    ? ParamBound
    : { [K in keyof RuleParams[G] as RuleParams[G][K] extends number ? K : never]: ParamBound };
} = {
  learningDays: [0, 365, 'days of history before the learned model stands alone; a year at most'],
  learned: {
    quantilePercent: [0, 100, 'a percentage'],
    leaveOutDays: [0, 3650, 'days; 0 turns the bound off; ten years at most'],
    marginPercent: [0, 200, "percent; a threshold tripled at most: more would hide the home's own quiet periods"],
    marginMinutes: [0, MAX_RULE_MINUTES, upToADay],
    minSamples: [0, 365, 'quiet periods'],
    priorWeight: [0, 365, "quiet periods; more and the home's own history would never take over"],
  },
  presence: {
    outAfterMinutes: [0, 240, 'minutes; longer and a resident who went out would never be seen as out'],
    powerRiseW: [0, 10000, 'watts; no household appliance rises by more than 10 kW, so more would mean never'],
    heldMaxMinutes: [0, 720, "minutes, up to SPEC 6's 12 h inactivity cap: a stuck sensor must not keep alerts back"],
    matPulseSeconds: [0, 3600, 'seconds'],
    matHeldMaxHours: [0, 24, 'hours; nobody rests longer than a day: a mat held on longer is stuck'],
    outingBoundMinHours: [0, 168, 'hours; a week at most (a longer absence is away mode)'],
    outingBoundFactor: [0, 10, 'times the longest outing'],
    outingBoundMaxHours: [
      0,
      168,
      'hours; 0 turns the outing bound off; a week at most (a longer absence is away mode)',
    ],
    outingBoundHourWindow: [0, 24, 'hours of the day; 12 or more: every outing'],
    outingBoundLateMaxDays: [0, 60, 'days; 0: no bound past outingBoundMaxHours (the default)'],
    outingAfterArrivalMaxHours: [
      0,
      168,
      'hours; 0: off; the bound of an outing begun within minutes of an unseen arrival (22 by default)',
    ],
    deadDeviceDays: [
      0,
      60,
      'living days; 0: no device is ever taken for dead (a larger value would be "off" without saying so)',
    ],
    deadDeviceEndShare: [0, 1, 'a share; 0: every silence held; above 1 no silence would ever be held'],
  },
  inactivity: {
    floorMinutes: [0, MAX_RULE_MINUTES, upToADay],
    capMinutes: [0, MAX_RULE_MINUTES, `${upToADay} (SPEC 6: 12 h)`],
    coldStartDayMinutes: [0, MAX_RULE_MINUTES, upToADay],
    coldStartNightMinutes: [0, MAX_RULE_MINUTES, upToADay],
    coldStartStillInBedMinutes: [0, MAX_RULE_MINUTES, upToADay],
    nightSeenMinSilences: [0, 365, 'silences; 0: never'],
    coldStartSittingMinutes: [0, MAX_RULE_MINUTES, upToADay],
    sittingMinDays: [0, 365, 'days; 0: never (the cold-start allowance stays)'],
    preAlertMinutes: [0, 60, 'minutes before the alert; an hour at most'],
  },
  possibleFall: {
    floorMinutes: [0, MAX_RULE_MINUTES, upToADay],
    coldStartDayMinutes: [0, MAX_RULE_MINUTES, upToADay],
    coldStartNightMinutes: [0, MAX_RULE_MINUTES, upToADay],
    afterActivityPercent: [0, 100, 'a percentage; 0: only after a PIR or the bathroom'],
    stillMinNights: [0, 365, 'nights'],
    stillNightPercent: [0, 100, 'a percentage'],
    upMinSilences: [0, 1000, 'silences; 0: never'],
    ownNightMornings: [0, 28, 'mornings; 0: never; the rising time is learned from the last 28'],
    ownNightBeforeRisingMinutes: [0, 720, 'minutes; 12 h at most'],
  },
  noMorningActivity: {
    marginMinutes: [0, MAX_RULE_MINUTES, upToADay],
    priorMornings: [0, 365, 'mornings'],
    inBedGraceMinutes: [0, MAX_RULE_MINUTES, upToADay],
    lateMarginMinutes: [
      -1,
      MAX_RULE_MINUTES,
      'minutes after the second-latest recent rising, up to a day; -1 turns it off',
    ],
  },
  nightExit: { noMotionMinutes: [0, 240, 'minutes (SPEC 6: 10); 4 h at most'] },
  outOfBed: { coldStartMinutes: [0, MAX_RULE_MINUTES, upToADay] },
  bathroom: {
    coldStartDayMinutes: [0, MAX_RULE_MINUTES, upToADay],
    coldStartNightMinutes: [0, MAX_RULE_MINUTES, upToADay],
  },
  climate: {
    coldBelowC: [0, 25, '°C; a room above 25 °C is not cold'],
    heatAboveC: [20, 50, '°C; a room is never hotter than 50 °C, so more would mean never'],
    sustainMinutes: [0, MAX_RULE_MINUTES, upToADay],
  },
  // 0 called every device offline after each of its reports, and cleared it at the next: a new alert per report.
  sensorOffline: {
    silentHours: [
      1,
      168,
      'hours, 1 to a week (EN 50134-2 asks for a supervision signal every 24 h); 0 is no allowance',
    ],
  },
  lowBattery: { percent: [0, 100, 'a percentage'] },
  restart: {
    graceSeconds: [0, 900, 'seconds after a start; 0: a silence overdue is called at once; 15 min at most'],
  },
  fall: {
    impactG: [0, 16, "g; a wearable's accelerometer reads 16 g at most"],
    freeFallG: [0, 1, 'g; free fall is below gravity (1 g)'],
    stillSeconds: [0, 60, 'seconds'],
    stillStdG: [0, 2, 'g'],
    postureChangeDeg: [0, 180, 'degrees'],
    recoverSeconds: [0, 600, 'seconds; 0: never'],
  },
};

/** Smallest and largest value a home may set, and why (the schema's description). */
export type ParamBound = readonly [minimum: number, maximum: number, reason: string];

function numberSchema(bound: ParamBound | undefined, name: string): Record<string, unknown> {
  if (!bound) throw new Error(`rules parameter ${name} has no bound in RULE_PARAM_BOUNDS`);
  const [minimum, maximum, reason] = bound;
  return { type: 'number', minimum, maximum, description: `${minimum} to ${maximum}: ${reason}.` };
}

/**
 * JSON Schema of the `rules` object of a home, derived from the defaults: same groups, numbers within
 * `RULE_PARAM_BOUNDS` or HH:MM strings.
 */
export function ruleOverridesSchema(): Record<string, unknown> {
  const bounds = RULE_PARAM_BOUNDS as unknown as Record<string, ParamBound | Record<string, ParamBound>>;
  const properties: Record<string, unknown> = {};
  for (const [group, values] of Object.entries(DEFAULT_RULE_PARAMS)) {
    if (typeof values === 'number') {
      properties[group] = numberSchema(bounds[group] as ParamBound | undefined, group);
      continue;
    }
    const groupBounds = (bounds[group] ?? {}) as Record<string, ParamBound>;
    const inner: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      inner[key] =
        typeof value === 'number'
          ? numberSchema(groupBounds[key], `${group}.${key}`)
          : { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' };
    }
    properties[group] = { type: 'object', additionalProperties: false, properties: inner };
  }
  return { type: 'object', additionalProperties: false, properties };
}
