// The rules package: the engine the hub and replay drive, its configuration defaults, and the rule parameters.
export { RulesEngine, defaultHomeConfig } from './engine.js';
export {
  DEFAULT_RULE_PARAMS,
  resolveRuleParams,
  ruleOverridesSchema,
  type RuleParams,
  type RuleOverrides,
} from './params.js';
export type { HomeConfig, RuleDecision, SensorEvent } from './types.js';
