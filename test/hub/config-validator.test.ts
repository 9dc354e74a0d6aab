// The configuration's validator generated at build time (hub/config-validator.ts): the same verdicts, errors and
// defaults as Ajv's compile of the schema at start, and never used when made from another schema or damaged.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONFIG_AJV_OPTIONS,
  configValidatorCode,
  GENERATED_VALIDATOR,
  loadConfigValidator,
} from '../../hub/config-validator.js';
import { hubConfigSchema } from '../../hub/config-schema.js';
import { ONE_HOME_CONFIG, projectRoot, tempDir } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('config-validator');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const folder = (): URL => pathToFileURL(dir + path.sep);

const home = ONE_HOME_CONFIG.homes[0]!;
const CASES: unknown[] = [
  ONE_HOME_CONFIG,
  {},
  { homes: [{ ...home, rules: { inactivityMinutes: -5 } }] },
  { homes: [{ ...home, rules: { noSuchRule: 3 } }] },
  { homes: [{ ...home, devices: [{ id: 'p1', kind: 'teapot', room: 'living' }] }] },
  { homes: [{ ...home, timezone: 7 }], extra: true },
  { hub: { name: 'bad name!' }, homes: 'none' },
  { responders: [{ id: 'r', webhook: { url: 12 } }] },
];

describe('the generated configuration validator', () => {
  it('gives the same verdict, errors and filled-in defaults as compiling the schema at start', () => {
    // The generated code requires Ajv's runtime helpers, found as from dist/hub/.
    fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'));
    fs.writeFileSync(path.join(dir, GENERATED_VALIDATOR), configValidatorCode());
    const generated = loadConfigValidator(folder());
    expect(generated.source).toBe('generated');
    const compiled = new Ajv(CONFIG_AJV_OPTIONS).compile(hubConfigSchema);
    let refused = 0;
    for (const raw of CASES) {
      const a = structuredClone(raw);
      const b = structuredClone(raw);
      const verdict = generated.validate(a);
      expect(verdict).toBe(compiled(b));
      expect(generated.validate.errors ?? null).toEqual(compiled.errors ?? null);
      expect(a).toEqual(b);
      if (!verdict) refused++;
    }
    expect(refused).toBe(CASES.length - 2);
  });

  it('is not used when made from another schema, damaged or absent: the schema is compiled instead', () => {
    expect(loadConfigValidator(folder()).source).toBe('compiled');
    const file = path.join(dir, GENERATED_VALIDATOR);
    fs.writeFileSync(file, configValidatorCode().replace(/configSchemaKey = "[0-9a-f]+"/, 'configSchemaKey = "0"'));
    expect(loadConfigValidator(folder()).source).toBe('compiled');
    fs.writeFileSync(file, 'module.exports = (');
    const fallback = loadConfigValidator(folder());
    expect(fallback.source).toBe('compiled');
    expect(fallback.validate({ homes: 'none' })).toBe(false);
  });
});
