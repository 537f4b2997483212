import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { messageText, toPlainJson } from '../../src/graphs/to-json.js';

test('messages become plain objects with their type, content and tool calls', () => {
  const plain = toPlainJson([
    new HumanMessage('hi'),
    new AIMessage({ content: '', tool_calls: [{ id: 'c1', name: 'calc', args: { a: 1 } }] }),
    new ToolMessage({ content: '2', tool_call_id: 'c1' }),
  ]);
  assert.deepEqual(plain, [
    { type: 'human', content: 'hi' },
    { type: 'ai', content: '', tool_calls: [{ id: 'c1', name: 'calc', args: { a: 1 } }] },
    { type: 'tool', content: '2', tool_call_id: 'c1' },
  ]);
});

test('dates, bigints, non-finite numbers, functions and cycles become JSON-safe', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  assert.deepEqual(
    toPlainJson({ at: new Date('2026-01-02T03:04:05Z'), big: 10n, inf: Infinity, fn: () => 1, cyclic }),
    { at: '2026-01-02T03:04:05.000Z', big: '10', inf: null, cyclic: { name: 'loop' } },
  );
});

test('a String, Number or Boolean object is its value, as JSON.stringify writes it (then scrubbed like any text)', () => {
  const plain = toPlainJson({ token: [new String('Bearer abc')], n: new Number(3), yes: new Boolean(false) });
  assert.deepEqual(plain, { token: ['Bearer abc'], n: 3, yes: false });
  assert.deepEqual(plain, JSON.parse(JSON.stringify({ token: [new String('Bearer abc')], n: new Number(3), yes: new Boolean(false) })));
});

test('a Map becomes an object of its entries, a Set its items, an Error its name and message (no stack)', () => {
  const plain = toPlainJson({
    counts: new Map<unknown, unknown>([['a', 1], [2, new Set(['x'])]]),
    tags: new Set(['red', new Date('2026-01-02T03:04:05Z')]),
    failure: new TypeError('bad input'),
  });
  assert.deepEqual(plain, { counts: { a: 1, 2: ['x'] }, tags: ['red', '2026-01-02T03:04:05.000Z'], failure: { name: 'TypeError', message: 'bad input' } });
});

test('the text of structured message content joins its text parts', () => {
  const message = new AIMessage({ content: [{ type: 'text', text: 'The answer ' }, { type: 'text', text: 'is 4.' }] });
  assert.equal(messageText(message), 'The answer is 4.');
});

test('a "__proto__" key (as JSON.parse makes one) stays a key of its own, and no prototype changes', () => {
  const parsed = JSON.parse('{"__proto__":{"polluted":true},"ok":1}') as Record<string, unknown>;
  const plain = toPlainJson({ data: parsed, map: new Map([['__proto__', 'mapped']]) }) as Record<string, Record<string, unknown>>;
  assert.equal(JSON.stringify(plain), '{"data":{"__proto__":{"polluted":true},"ok":1},"map":{"__proto__":"mapped"}}');
  assert.equal(Object.getPrototypeOf(plain.data), Object.prototype);
  assert.equal((plain.data as { polluted?: unknown }).polluted, undefined);
  assert.ok(Object.hasOwn(plain.data!, '__proto__'));
});

test('bytes become base64 (a Buffer, also as a checkpoint stores it), other typed arrays arrays of numbers, an invalid date null', () => {
  const bytes = Buffer.from('hello');
  const stored = JSON.parse(JSON.stringify(bytes)) as unknown;
  assert.deepEqual(toPlainJson({ bytes, u8: new Uint8Array(bytes), view: new Uint8Array(bytes.buffer, bytes.byteOffset + 1, 2), raw: new Uint8Array(bytes).buffer, stored, floats: new Float32Array([0.5, 2]), when: new Date(Number.NaN) }), {
    bytes: 'aGVsbG8=',
    u8: 'aGVsbG8=',
    view: 'ZWw=',
    raw: 'aGVsbG8=',
    stored: 'aGVsbG8=',
    floats: [0.5, 2],
    when: null,
  });
  // An object that only looks like one is left alone.
  assert.deepEqual(toPlainJson({ type: 'Buffer', data: [1, 2], more: true }), { type: 'Buffer', data: [1, 2], more: true });
});
