// Rule parameters with the SPEC section 6 defaults; every number can be overridden per home.

export interface RuleParams {
  /** Days of history before learned normal replaces the cold-start defaults. */
  learningDays: number;
  inactivity: {
    floorMinutes: number;
    capMinutes: number;
    coldStartDayMinutes: number;
    coldStartNightMinutes: number;
    preAlertMinutes: number;
  };
  possibleFall: {
    floorMinutes: number;
    coldStartDayMinutes: number;
    coldStartNightMinutes: number;
  };
  noMorningActivity: {
    /** Minutes after the learned usual rising time. */
    marginMinutes: number;
    /** Local time used until learned (HH:MM). */
    coldStartTime: string;
  };
  nightExit: { noMotionMinutes: number };
  outOfBed: { coldStartMinutes: number };
  bathroom: { coldStartDayMinutes: number; coldStartNightMinutes: number };
  climate: { coldBelowC: number; heatAboveC: number; sustainMinutes: number };
  sensorOffline: { silentHours: number };
  lowBattery: { percent: number };
  fall: {
    /** Impact peak of the acceleration magnitude, in g. */
    impactG: number;
    /** Free-fall dip before the impact, in g. */
    freeFallG: number;
    /** Seconds after impact over which stillness is judged. */
    stillSeconds: number;
  };
}

export const DEFAULT_RULE_PARAMS: RuleParams = {
  learningDays: 14,
  inactivity: {
    floorMinutes: 120,
    capMinutes: 720,
    coldStartDayMinutes: 240,
    coldStartNightMinutes: 600,
    preAlertMinutes: 10,
  },
  possibleFall: { floorMinutes: 30, coldStartDayMinutes: 45, coldStartNightMinutes: 20 },
  noMorningActivity: { marginMinutes: 90, coldStartTime: '10:00' },
  nightExit: { noMotionMinutes: 10 },
  outOfBed: { coldStartMinutes: 45 },
  bathroom: { coldStartDayMinutes: 60, coldStartNightMinutes: 30 },
  climate: { coldBelowC: 16, heatAboveC: 30, sustainMinutes: 120 },
  sensorOffline: { silentHours: 25 },
  lowBattery: { percent: 15 },
  fall: { impactG: 2.5, freeFallG: 0.6, stillSeconds: 2 },
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

/** JSON Schema of the `rules` object of a home, derived from the defaults: same groups, numbers or HH:MM strings. */
export function ruleOverridesSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [group, values] of Object.entries(DEFAULT_RULE_PARAMS)) {
    if (typeof values === 'number') {
      properties[group] = { type: 'number', minimum: 0 };
      continue;
    }
    const inner: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      inner[key] =
        typeof value === 'number'
          ? { type: 'number', minimum: 0 }
          : { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' };
    }
    properties[group] = { type: 'object', additionalProperties: false, properties: inner };
  }
  return { type: 'object', additionalProperties: false, properties };
}
