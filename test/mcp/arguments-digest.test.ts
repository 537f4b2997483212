// argumentsDigests: what binds a requestState to the arguments of the call that paused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphTool } from '../../src/graphs/tool.js';
import { compileValidator } from '../../src/graphs/validator.js';
import { argumentsDigests, sameArguments } from '../../src/mcp/arguments-digest.js';

const schema = {
  type: 'object',
  properties: { topic: { type: 'string' }, depth: { type: 'string', enum: ['quick', 'thorough'], default: 'quick' }, tags: { type: 'object' } },
  required: ['topic'],
};
/** A tool with only its input schema and the argument check graph-mcp compiles for every tool, which is all the digests read. */
const toolOf = (inputSchema: Record<string, unknown>) =>
  ({ definition: { inputSchema }, validateArguments: compileValidator(inputSchema, 'test', { fillDefaults: true }) }) as unknown as GraphTool;
const tool = toolOf(schema);
const same = (a: unknown, b: unknown, as = tool, then = tool) => sameArguments(argumentsDigests(as, a), argumentsDigests(then, b));

test('the same arguments in another key order, at any depth, are the same call', () => {
  const a = argumentsDigests(tool, { topic: 'x', depth: 'quick', tags: { a: 1, b: [1, { d: 2, c: 3 }] } });
  assert.deepEqual(a, argumentsDigests(tool, { tags: { b: [1, { c: 3, d: 2 }], a: 1 }, depth: 'quick', topic: 'x' }));
});

test('a default left out and the default given are the same call; another value is not', () => {
  assert.ok(same({ topic: 'x' }, { topic: 'x', depth: 'quick' }));
  assert.ok(!same({ topic: 'x' }, { topic: 'x', depth: 'thorough' }));
  assert.ok(!same({ topic: 'x' }, { topic: 'y' }));
  assert.ok(!same({ topic: 'x', tags: { a: [1, 2] } }, { topic: 'x', tags: { a: [2, 1] } }));
});

test('the same arguments are the same call when the tool gained or lost a default in between (a new version deployed)', () => {
  const before = toolOf({ ...schema, properties: { ...schema.properties, depth: { type: 'string', enum: ['quick', 'thorough'] } } });
  assert.ok(same({ topic: 'x' }, { topic: 'x' }, before, tool), 'gained a default');
  assert.ok(same({ topic: 'x' }, { topic: 'x' }, tool, before), 'lost it');
  assert.ok(!same({ topic: 'x' }, { topic: 'x', depth: 'thorough' }, before, tool));
  // A state minted before the arguments as sent were bound: the filled-in digest alone.
  assert.ok(!sameArguments({ args: argumentsDigests(before, { topic: 'x' }).args }, argumentsDigests(tool, { topic: 'x' })));
});

test('the arguments are not changed, and none at all is the empty object', () => {
  const args = { topic: 'x' };
  argumentsDigests(tool, args);
  assert.deepEqual(args, { topic: 'x' });
  const open = toolOf({ type: 'object' });
  assert.deepEqual(argumentsDigests(open, undefined), argumentsDigests(open, {}));
});
