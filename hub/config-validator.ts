// The configuration's validator: Ajv's code for hub/config-schema.ts, generated at build time when it can be (saves
// ~0.3 s of CPU at every start; docs/performance.md, "Start-up (session 34)"), compiled at start when it cannot.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import { hubConfigSchema } from './config-schema.js';

// verbose: a rule parameter out of its range is told with its value and the reason for the bound (its description).
export const CONFIG_AJV_OPTIONS: Options = {
  allErrors: true,
  useDefaults: true,
  strict: true,
  strictTuples: false,
  verbose: true,
};

/** The build's file, beside this module in dist/hub/ (`npm run build` writes it; the TypeScript sources have none). */
export const GENERATED_VALIDATOR = 'config-validator.generated.cjs';

/** What the generated code was made from: the schema and the options. A file made from another is never used. */
export function configSchemaKey(): string {
  return createHash('sha256')
    .update(JSON.stringify({ schema: hubConfigSchema, options: CONFIG_AJV_OPTIONS, ajv: 8 }))
    .digest('hex');
}

/** Ajv's standalone code for the schema, ending with the key it was made from. */
export function configValidatorCode(): string {
  const { default: standaloneCode } = createRequire(import.meta.url)('ajv/dist/standalone') as {
    default: (ajv: Ajv, validate: ValidateFunction) => string;
  };
  const ajv = new Ajv({ ...CONFIG_AJV_OPTIONS, code: { source: true } });
  const code = standaloneCode(ajv, ajv.compile(hubConfigSchema));
  return `${code}\nmodule.exports.configSchemaKey = ${JSON.stringify(configSchemaKey())};\n`;
}

/**
 * The generated validator when the build made one from this very schema and options, else Ajv's compile now (the
 * same checks and messages either way; test/hub/config-validator.test.ts). `source` says which.
 */
export function loadConfigValidator(dir: URL = new URL('./', import.meta.url)): {
  validate: ValidateFunction;
  source: 'generated' | 'compiled';
} {
  const file = new URL(GENERATED_VALIDATOR, dir);
  if (existsSync(file)) {
    try {
      const generated = createRequire(file)(file.pathname) as ValidateFunction & { configSchemaKey?: string };
      if (typeof generated === 'function' && generated.configSchemaKey === configSchemaKey()) {
        return { validate: generated, source: 'generated' };
      }
    } catch {
      // A damaged or foreign file: compiled below, as without one.
    }
  }
  return { validate: new Ajv(CONFIG_AJV_OPTIONS).compile(hubConfigSchema), source: 'compiled' };
}
