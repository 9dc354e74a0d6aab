// The rules package: the engine the hub and replay drive, its rules (the registry), configuration defaults and parameters.
export { RulesEngine, defaultHomeConfig, type RulesEngineOptions } from './engine.js';
export { BUILT_IN_RULES } from './built-in.js';
export { newTimerSlot, type AnyRule, type RuleDefinition } from './registry.js';
export {
  DEFAULT_RULE_PARAMS,
  resolveRuleParams,
  ruleOverridesSchema,
  type RuleParams,
  type RuleOverrides,
} from './params.js';
export type { HomeConfig, RuleDecision, SensorEvent } from './types.js';
