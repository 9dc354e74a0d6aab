// The hub's rules, in the order the engine calls them: the one list a new rule joins.
import { bathroomDefinition } from './bathroom-too-long.js';
import { climateRule } from './climate.js';
import { emergencyRule } from './emergency.js';
import { inactivityDefinition } from './inactivity.js';
import { lowBatteryRule } from './low-battery.js';
import { nightExitRule } from './night-exit.js';
import { nightStillnessDefinition } from './night-stillness.js';
import { noMorningActivityDefinition } from './no-morning-activity.js';
import { outOfBedDefinition } from './out-of-bed-too-long.js';
import { possibleFallDefinition } from './possible-fall.js';
import type { AnyRule, OUT_CHECK_TIMER } from './registry.js';
import { sensorOfflineRule } from './sensor-offline.js';
import { tamperRule } from './tamper.js';
import { wearableFallDefinition } from './wearable-fall.js';

/**
 * Order matters where one rule reads what another just set, and it ranks the home timers due at the same instant
 * (`RuleRegistry.tieRank`: the out-check, then the morning check, then the other home timers in this order, then the
 * device timers; session 71: no longer the order they were armed in, which a restart did not keep):
 * - night-exit before out-of-bed: both hear each activity before the home records it (door, then bed);
 * - inactivity before possible-fall: possible-fall after any activity arms only when earlier than inactivity's
 *   deadline, which inactivity has just re-armed; bathroom-too-long after both; night-stillness after
 *   inactivity for the same reason;
 * - no-morning-activity after the silence rules hear an activity, and first to hear each event (it keeps the next
 *   morning's check armed before any other timer is armed by the event);
 * - sensor-offline before the device rules: an event says the device is alive before what it reports is judged;
 * - emergency first of all: it reads and arms nothing the others set, and the live hub tells its alert (a pendant
 *   press) before the other rules hear the event (`RulesEngine.handleFirst`).
 */
export const BUILT_IN_RULES = [
  emergencyRule,
  nightExitRule,
  inactivityDefinition,
  possibleFallDefinition,
  nightStillnessDefinition,
  bathroomDefinition,
  outOfBedDefinition,
  noMorningActivityDefinition,
  sensorOfflineRule,
  lowBatteryRule,
  tamperRule,
  climateRule,
  wearableFallDefinition,
] as const satisfies readonly AnyRule[];

type TimersOf<Rule> = Rule extends { readonly homeTimers: readonly (infer Name)[] } ? Name : never;

/** The home timers of the built-in rules, and the engine's own: `home.timers[name]` is typed for these. */
export type BuiltInHomeTimer = TimersOf<(typeof BUILT_IN_RULES)[number]> | typeof OUT_CHECK_TIMER;
