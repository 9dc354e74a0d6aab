// Daily activity features of one home (SPEC section 7), as the API, replay and reports give them.

export interface DailyFeatures {
  homeId: string;
  /** Local date of the home, YYYY-MM-DD. */
  date: string;
  /** Local HH:MM of the first activity outside the bedroom after the night, or null. */
  risingTime: string | null;
  /** Local HH:MM of going to bed on the evening that starts this date's night, or null. */
  bedtime: string | null;
  activeMinutes: number;
  roomTransitions: number;
  bathroomVisitsDay: number;
  bathroomVisitsNight: number;
  nightActivityMinutes: number;
  minutesOut: number;
  kitchenUses: number;
  meanIndoorTempC: number | null;
  alerts: number;
}
