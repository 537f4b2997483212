// Compiled JSON Schema validators: the questions runs ask are compiled as they come, and are not all kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileValidator, keptValidators } from '../../src/graphs/validator.js';

const refund = (id: number) => ({
  type: 'object',
  properties: { approved: { type: 'boolean', description: `Approve refund #${id}?` } },
  required: ['approved'],
});

test('schemas that carry a call\'s own data (one per question) are not kept without bound, in ajv or here; each still checks its values', () => {
  // The first compile loads ajv's meta-schemas (kept for good, as they should be).
  compileValidator(refund(-2), 'interrupt responseSchema');
  const before = keptValidators();
  for (let id = 0; id < 2_000; id += 1) {
    const check = compileValidator(refund(id), 'interrupt responseSchema');
    assert.deepEqual(check({ approved: true }), []);
    assert.deepEqual(check({}), ['approved: required']);
  }
  const after = keptValidators();
  assert.ok(after.kept - before.kept <= 256, `kept ${after.kept - before.kept} more`);
  assert.ok(after.ajv - before.ajv <= 0, `ajv's own cache grew by ${after.ajv - before.ajv}`);
});

test('a validator made before its schema left the cache still checks; the schema compiled again checks the same', () => {
  const first = compileValidator(refund(-1), 'interrupt responseSchema');
  for (let id = 10_000; id < 10_300; id += 1) compileValidator(refund(id), 'interrupt responseSchema');
  assert.deepEqual(first({ approved: 'yes' }), ['approved: must be boolean']);
  assert.deepEqual(compileValidator(refund(-1), 'interrupt responseSchema')({ approved: 'yes' }), ['approved: must be boolean']);
});

test('a schema that does not compile is refused each time, and leaves nothing behind', () => {
  const before = keptValidators();
  for (let i = 0; i < 50; i += 1) {
    assert.throws(() => compileValidator({ type: 'object', properties: { a: { type: `no-such-type-${i}` } } }, 'interrupt responseSchema'), /not a valid JSON Schema/);
  }
  assert.deepEqual(keptValidators(), before);
});

test('a schema whose items are the whole schema again ("$ref": "#", as zod writes a recursive one) compiles and checks, in both dialects, leaving nothing in ajv', () => {
  const tree = (id: number) => ({ type: 'object', description: `tree ${id}`, properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } }, required: ['name'] });
  const draft07 = (id: number) => ({ $schema: 'http://json-schema.org/draft-07/schema#', ...tree(id) });
  // The first compile of each dialect loads its meta-schemas.
  compileValidator(tree(-1), 'input schema');
  compileValidator(draft07(-1), 'input schema');
  const before = keptValidators();
  for (let id = 0; id < 300; id += 1) {
    for (const schema of [tree(id), draft07(id)]) {
      const check = compileValidator(schema, 'input schema');
      assert.deepEqual(check({ name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] }), []);
      const problems = check({ name: 'a', children: [{ name: 'b', children: [{ children: [] }] }] });
      assert.equal(problems.length, 1, problems.join('; '));
      assert.match(problems[0]!, /name: required/);
    }
  }
  assert.ok(keptValidators().ajv - before.ajv <= 0, `ajv's own cache grew by ${keptValidators().ajv - before.ajv}`);
});
