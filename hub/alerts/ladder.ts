// Which responder groups an alert goes to, level by level, and how long each level has to acknowledge.
import type { EscalationLevel, HubConfig } from '../config-types.js';
import type { HomeConfig } from '../../rules/types.js';
import type { Severity } from '../../rules/vocabulary.js';

/**
 * Level timeouts used when the configuration names no ladder (SPEC 5: critical 60 s, then 120 s).
 * An empty list means the alert goes to the first group and never escalates.
 */
export const DEFAULT_TIMEOUTS_SECONDS: Record<Severity, readonly number[]> = {
  critical: [60, 120],
  high: [120, 300],
  medium: [900, 1800],
  low: [3600],
  info: [],
};

/** Group used when the configuration has no responders at all: alerts still go to MQTT and the dashboard. */
export const FALLBACK_GROUP = 'responders';

/**
 * The ladder for a new alert: `escalation["<name>:<severity>"]`, else `escalation[<name>]` (not for `info`), where
 * the name is the home's `escalation` or "default"; else the default timeouts over the configured groups in order.
 */
export function ladderFor(config: HubConfig, homeId: string, severity: Severity): EscalationLevel[] {
  const home = homeById(config.homes, homeId);
  const name = home?.escalation ?? 'default';
  const ladders = config.escalation ?? {};
  // An info record (e.g. a wearable impact the wearer got up from) calls nobody out: a ladder named for every
  // severity does not make it escalate; only one named for it (`<name>:info`) does.
  const configured = ladders[`${name}:${severity}`] ?? (severity === 'info' ? undefined : ladders[name]);
  if (configured && configured.length > 0) return configured.map((l) => ({ ...l }));

  const groups = [...new Set((config.responders ?? []).map((r) => r.group))];
  const groupAt = (level: number): string => groups[Math.min(level, groups.length - 1)] ?? FALLBACK_GROUP;
  const timeouts = DEFAULT_TIMEOUTS_SECONDS[severity];
  if (timeouts.length === 0) return [{ group: groupAt(0), timeoutSeconds: 0 }];
  // With fewer groups than levels, the last group is told again at the next level (a reminder).
  return timeouts.map((timeoutSeconds, i) => ({ group: groupAt(i), timeoutSeconds }));
}

/**
 * A new alert's ladder as it is stored (its JSON text): `ladderFor`, made once per configuration, ladder name and
 * severity, not on every raise (building the ladder and serialising it were ~2 % of a press's turn; session 25). A
 * configuration is not changed in place: a reload (SIGHUP) is a new object, which gets its own.
 */
export function ladderTextFor(config: HubConfig, homeId: string, severity: Severity): string {
  const name = homeById(config.homes, homeId)?.escalation ?? 'default';
  let texts = ladderTexts.get(config);
  if (texts === undefined) {
    texts = new Map();
    ladderTexts.set(config, texts);
  }
  const key = `${name}\u0000${severity}`;
  let text = texts.get(key);
  if (text === undefined) {
    text = JSON.stringify(ladderFor(config, homeId, severity));
    texts.set(key, text);
  }
  return text;
}

/** Per configuration, by ladder name and severity; as many entries as the configuration names ladders, times five. */
const ladderTexts = new WeakMap<HubConfig, Map<string, string>>();

/** Epoch ms at which the alert leaves `level`, or null when that level never times out. */
export function levelDueAt(ladder: readonly EscalationLevel[], level: number, fromMs: number): number | null {
  const step = ladder[level];
  if (!step || step.timeoutSeconds <= 0) return null;
  return fromMs + step.timeoutSeconds * 1000;
}

/**
 * Each configuration's homes by id: a raise looks its home up on the alert path, and a scheme has a thousand homes
 * (the linear search was about 1 % of a press's CPU). Made again when the array changes length (homes added in place).
 */
const homeIndexes = new WeakMap<readonly HomeConfig[], { size: number; byId: Map<string, HomeConfig> }>();

function homeById(homes: readonly HomeConfig[] | undefined, homeId: string): HomeConfig | undefined {
  if (!homes) return undefined;
  let index = homeIndexes.get(homes);
  if (index?.size !== homes.length) {
    // The first home of an id wins, as `find` had it.
    const byId = new Map<string, HomeConfig>();
    for (const home of homes) if (!byId.has(home.id)) byId.set(home.id, home);
    index = { size: homes.length, byId };
    homeIndexes.set(homes, index);
  }
  return index.byId.get(homeId);
}
