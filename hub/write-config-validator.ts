// Writes dist/hub/config-validator.generated.cjs (npm run build): the configuration's validator as code, so a hub does
// not compile the schema at every start (hub/config-validator.ts checks it was made from the schema it has).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configValidatorCode, GENERATED_VALIDATOR } from './config-validator.js';

const target = fileURLToPath(new URL(GENERATED_VALIDATOR, import.meta.url));
writeFileSync(target, configValidatorCode());
process.stdout.write(`wrote ${target}\n`);
