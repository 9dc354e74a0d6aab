// Writes docs/telecare.config.schema.json from hub/config-schema.ts (npm run schema:config), so the shipped file has one source.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hubConfigSchema } from './config-schema.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const target = path.join(projectRoot, 'docs', 'telecare.config.schema.json');
writeFileSync(target, `${JSON.stringify(hubConfigSchema, null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
