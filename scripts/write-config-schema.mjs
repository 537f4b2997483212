// Writes agent.config.schema.json from the zod schema in src/config/schema.ts
// (via the build output), so editors can complete and check agent.config.json.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/config/json-schema.js';

writeFileSync(new URL('../agent.config.schema.json', import.meta.url), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
