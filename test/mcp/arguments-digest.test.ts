// argumentsDigest: what binds a requestState to the arguments of the call that paused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphTool } from '../../src/graphs/tool.js';
import { compileValidator } from '../../src/graphs/validator.js';
import { argumentsDigest } from '../../src/mcp/arguments-digest.js';

const schema = {
  type: 'object',
  properties: { topic: { type: 'string' }, depth: { type: 'string', enum: ['quick', 'thorough'], default: 'quick' }, tags: { type: 'object' } },
  required: ['topic'],
};
// The digest reads only the tool's argument check, the one graph-mcp compiles for every tool.
const tool = { validateArguments: compileValidator(schema, 'test', { fillDefaults: true }) } as Pick<GraphTool, 'validateArguments'> as GraphTool;

test('the same arguments in another key order, at any depth, have the same digest', () => {
  assert.equal(
    argumentsDigest(tool, { topic: 'x', depth: 'quick', tags: { a: 1, b: [1, { d: 2, c: 3 }] } }),
    argumentsDigest(tool, { tags: { b: [1, { c: 3, d: 2 }], a: 1 }, depth: 'quick', topic: 'x' }),
  );
});

test("a default left out and the default given are the same call; another value is not", () => {
  assert.equal(argumentsDigest(tool, { topic: 'x' }), argumentsDigest(tool, { topic: 'x', depth: 'quick' }));
  assert.notEqual(argumentsDigest(tool, { topic: 'x' }), argumentsDigest(tool, { topic: 'x', depth: 'thorough' }));
  assert.notEqual(argumentsDigest(tool, { topic: 'x' }), argumentsDigest(tool, { topic: 'y' }));
  assert.notEqual(argumentsDigest(tool, { topic: 'x', tags: { a: [1, 2] } }), argumentsDigest(tool, { topic: 'x', tags: { a: [2, 1] } }));
});

test('the arguments are not changed, and none at all is the empty object', () => {
  const args = { topic: 'x' };
  argumentsDigest(tool, args);
  assert.deepEqual(args, { topic: 'x' });
  const open = { validateArguments: compileValidator({ type: 'object' }, 'open', { fillDefaults: true }) } as GraphTool;
  assert.equal(argumentsDigest(open, undefined), argumentsDigest(open, {}));
});
