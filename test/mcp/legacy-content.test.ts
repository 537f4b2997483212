// Questions sent on a 2025-era stream, in the form vocabulary of the client's revision.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JSONRPCRequest } from '@modelcontextprotocol/server';
import { questionFor } from '../../src/mcp/legacy-content.js';

const form = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}): JSONRPCRequest => ({
  jsonrpc: '2.0',
  id: 'q1',
  method: 'elicitation/create',
  params: { mode: 'form', message: 'Well?', requestedSchema: { type: 'object', properties, required: ['pick'] }, ...extra },
});
const fieldsOf = (message: JSONRPCRequest | undefined) => (message?.params as { requestedSchema: { properties: Record<string, Record<string, unknown>> } }).requestedSchema.properties;

test('2025-06-18: titled choices become enum and enumNames, typed as a string; a default is said in the description, as the user sees it', () => {
  const asked = questionFor('2025-06-18', form({
    pick: { title: 'Pick', oneOf: [{ const: 'a', title: 'Alpha' }, { const: 'b', title: 'Beta' }], default: 'b' },
    untitled: { type: 'string', oneOf: [{ const: 'x' }] },
  }));
  assert.deepEqual(fieldsOf(asked).pick, { title: 'Pick', type: 'string', enum: ['a', 'b'], enumNames: ['Alpha', 'Beta'], description: 'Default: Beta.' });
  assert.deepEqual(fieldsOf(asked).untitled, { type: 'string', enum: ['x'], enumNames: ['x'] });
  assert.equal((asked!.params as { mode?: unknown }).mode, undefined);
  assert.deepEqual((asked!.params as { requestedSchema: { required: string[] } }).requestedSchema.required, ['pick']);
});

test('2025-06-18: defaults of strings, numbers and plain choices move into the description (joined as a sentence); a boolean keeps its own; empty ones are left out', () => {
  const fields = fieldsOf(questionFor('2025-06-18', form({
    count: { type: 'integer', description: 'How many', default: 5 },
    note: { type: 'string', description: 'A note.', default: 'none' },
    color: { type: 'string', enum: ['red', 'blue'], default: 'blue' },
    flag: { type: 'boolean', default: false },
    empty: { type: 'string', default: '' },
    nothing: { type: 'string', default: null },
    many: { type: 'array', items: { anyOf: [{ const: 'a', title: 'A' }] }, default: ['a'] },
  })));
  assert.deepEqual(fields.count, { type: 'integer', description: 'How many. Default: 5.' });
  assert.deepEqual(fields.note, { type: 'string', description: 'A note. Default: none.' });
  assert.deepEqual(fields.color, { type: 'string', enum: ['red', 'blue'], description: 'Default: blue.' });
  assert.deepEqual(fields.flag, { type: 'boolean', default: false });
  assert.deepEqual(fields.empty, { type: 'string' });
  assert.deepEqual(fields.nothing, { type: 'string' });
  // No earlier form has a multi-select: sent as it is, for a client that cannot show it to refuse.
  assert.deepEqual(fields.many, { type: 'array', items: { anyOf: [{ const: 'a', title: 'A' }] }, default: ['a'] });
});

test('2025-06-18: a oneOf that is no list of choices stays as it was', () => {
  const fields = fieldsOf(questionFor('2025-06-18', form({ none: { type: 'string', oneOf: [] }, odd: { type: 'string', oneOf: [{ pattern: '^a' }] } })));
  assert.deepEqual(fields.none, { type: 'string', oneOf: [] });
  assert.deepEqual(fields.odd, { type: 'string', oneOf: [{ pattern: '^a' }] });
});

test('a URL-mode question cannot be read before 2025-11-25; from 2025-11-25 on, and for other requests, nothing changes', () => {
  const url: JSONRPCRequest = { jsonrpc: '2.0', id: 'q2', method: 'elicitation/create', params: { mode: 'url', message: 'Sign in', url: 'https://example.com/x', elicitationId: 'e1' } };
  assert.equal(questionFor('2025-06-18', url), undefined);
  assert.equal(questionFor('2025-11-25', url), url);
  const titled = form({ pick: { type: 'string', oneOf: [{ const: 'a', title: 'Alpha' }], default: 'a' } });
  assert.equal(questionFor('2025-11-25', titled), titled);
  const roots: JSONRPCRequest = { jsonrpc: '2.0', id: 'q3', method: 'roots/list', params: {} };
  assert.equal(questionFor('2025-06-18', roots), roots);
});
