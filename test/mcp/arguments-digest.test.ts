// argumentsDigests: what binds a requestState to the arguments of the call that paused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphTool } from '../../src/graphs/tool.js';
import { compileValidator } from '../../src/graphs/validator.js';
import { argumentsDigests, canonicalJson, sameArguments, sentDigest } from '../../src/mcp/arguments-digest.js';

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

test('the digests do not change from one version to the next: a run paused before a deploy is retried after it', () => {
  // Taken with the version before JSON.stringify wrote the text: keys in any order, keys that look like
  // array indices (which an object lists first, in numeric order), unicode, odd numbers and strings.
  const samples: unknown[] = [
    { topic: 'x', depth: 'quick', tags: { b: [1, { d: 2, c: 3 }], a: 1 } },
    { '10': 'ten', '2': 'two', b: { '1': [], a: null } },
    { 'é': 1, e: 2, Z: [true, false, -0, 1e21, 0.1], '': { '': '' } },
    ['a', { y: 1, x: [{ q: '\u2028"\\' }] }],
    'just text',
    42,
    null,
    // "__proto__" is an own key of what JSON.parse makes (nested ones reach the digest).
    JSON.parse('{"p":{"b":2,"__proto__":{"x":1}}}'),
    JSON.parse('{"p":{"__proto__":1,"b":2}}'),
    JSON.parse('{"b":1,"p":{"z":[{"__proto__":null,"a":0}]}}'),
  ];
  assert.deepEqual(samples.map((sample) => sentDigest(sample)), [
    '2DqKm87op4Mvy2sDkCz4Mx5oa2_XfFabch_OlV5xl10',
    'SjxcW7oONDPWOdFglN6-_-JcZt5DC4b703Ztm1tQy5Y',
    'i_iX2_ma8rKNGAf4Qfgxv-i2HZ8ynEiK2PfU_8xmhY8',
    'PuXfKO5UyJkg6_vwLIq9zlrLJTkT6KyO7DaxL-sr7sI',
    'LZd5ndCx83Jd0RCEMV2Le81CUOLmWarfmyfNOe4dlSE',
    'c0dctApWjo2ooEXO0RATfhWfiQrE2og7axfcZRs6gEk',
    'RBNvo1WzZ4oRRq0W9-hknpT7T8If536DEMBg9hyq_4o',
    'CYSEynb5YUW79Nezd5W8rniz4ZzQGv6N1laBJm1prGo',
    'aOn4rHb15eQ_ubybJm6qYEGErXgwLxAcm0Cs_rvhVEc',
    'd51ikY6bhzb6GyZ-7-zrruLorA44s_5ZwV2a_TrUmBA',
  ]);
});

test('canonical JSON: every object with its keys in order, at any depth, index-like keys by their text', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [{ f: 1, e: 2 }], c: null } }), '{"a":{"c":null,"d":[{"e":2,"f":1}]},"b":1}');
  assert.equal(canonicalJson({ b: { '10': 1, '9': 2, x: 3 }, a: 0 }), '{"a":0,"b":{"10":1,"9":2,"x":3}}');
  assert.equal(canonicalJson({ '1': 'a', '2': 'b' }), '{"1":"a","2":"b"}');
  assert.equal(canonicalJson([{ '10': 1, '2': 2 }, 'x']), '[{"10":1,"2":2},"x"]');
});
