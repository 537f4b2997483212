import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { ROOT } from '../helpers/server.js';

test('the published agent.config.schema.json is generated from the zod schema (not stale)', async () => {
  const published = JSON.parse(await readFile(path.join(ROOT, 'agent.config.schema.json'), 'utf8'));
  assert.deepEqual(published, configJsonSchema(), 'run `npm run build` to regenerate agent.config.schema.json');
});

test('the example agent.config.json is valid against the published schema, and a broken one is not', async () => {
  const schema = JSON.parse(await readFile(path.join(ROOT, 'agent.config.schema.json'), 'utf8'));
  const validate = new Ajv2020({ strict: false }).compile(schema);
  const example = JSON.parse(await readFile(path.join(ROOT, 'agent.config.json'), 'utf8'));
  assert.equal(validate(example), true, JSON.stringify(validate.errors));
  assert.equal(validate({ graphs: { a: { path: './a.ts:g', timeout_ms: 'soon' } } }), false);
  // LangGraph's http.mount_prefix is honoured, so editors must not flag it.
  assert.equal(validate({ graphs: { a: './a.ts:g' }, http: { mount_prefix: '/agents' } }), true, JSON.stringify(validate.errors));
  assert.equal(validate({ graphs: { a: './a.ts:g' }, http: { mount_prefix: 'agents' } }), false);
});
