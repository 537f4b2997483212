// How an interrupt's responseSchema becomes a question, and how its answers are checked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerHint, decodeAnswer, questionsFor } from '../../src/mcp/questions.js';

function ask(responseSchema: Record<string, unknown>) {
  const [question] = questionsFor([{ id: 'i1', value: { question: 'Well?' }, responseSchema }], []);
  return question!;
}

test('a field with a default need not be answered (zod 4 marks it required); zod fills it in, not the check (it would freeze a dynamic default)', () => {
  // As zod 4 writes z.object({ n: z.number().default(5), flag: z.boolean().default(false), req: z.string() }).
  const question = ask({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { n: { type: 'number', default: 5 }, flag: { type: 'boolean', default: false }, req: { type: 'string' } },
    required: ['n', 'flag', 'req'],
    additionalProperties: false,
  });
  assert.deepEqual((question.request.params as { requestedSchema: { required?: string[] } }).requestedSchema.required, ['req']);
  assert.deepEqual(decodeAnswer(question, { action: 'accept', content: { req: 'x' } }, 'client'), { ok: true, value: { req: 'x' } });
  assert.deepEqual(decodeAnswer(question, { action: 'accept', content: { req: 'x', n: 7 } }, 'client'), { ok: true, value: { req: 'x', n: 7 } });
  assert.equal(decodeAnswer(question, { action: 'accept', content: { n: 7 } }, 'client').ok, false, 'what has no default is still required');
});

test("a field the form did not ask for is left out of the answer, as zod's object leaves it, not refused: the form cannot say that extras are refused", () => {
  // As zod 4 writes z.object({ approved: z.boolean() }): additionalProperties false, which no elicitation form carries.
  const question = ask({ type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'], additionalProperties: false });
  assert.equal((question.request.params as { requestedSchema: Record<string, unknown> }).requestedSchema.additionalProperties, undefined);
  for (const from of ['client', 'model'] as const) {
    const answer = from === 'client' ? { action: 'accept', content: { approved: true, note: 'ok' } } : { approved: true, note: 'ok' };
    assert.deepEqual(decodeAnswer(question, answer, from), { ok: true, value: { approved: true } }, from);
  }
  // A schema that takes other fields keeps them.
  const open = ask({ type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'] });
  assert.deepEqual(decodeAnswer(open, { action: 'accept', content: { approved: true, note: 'ok' } }, 'client'), { ok: true, value: { approved: true, note: 'ok' } });
  // What is wrong with the fields asked for is still said.
  const wrong = decodeAnswer(question, { action: 'accept', content: { approved: 'yes', note: 'ok' } }, 'client');
  assert.match(!wrong.ok && !wrong.declined ? wrong.problem : '', /^approved: /);
});

test("a draft-07 schema (zod 3's converter) is checked as draft-07: its tuple answers, not every answer a server error", () => {
  const question = ask({
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { pair: { type: 'array', minItems: 2, maxItems: 2, items: [{ type: 'string' }, { type: 'number' }] }, note: { type: 'string' } },
    required: ['pair', 'note'],
  });
  // compileValidator threw on every answer ("items must be object,boolean"): a -32603, the run never answered.
  assert.deepEqual(decodeAnswer(question, { action: 'accept', content: { pair: '["a", 1]', note: 'n' } }, 'client'), { ok: true, value: { pair: ['a', 1], note: 'n' } });
  const wrong = decodeAnswer(question, { action: 'accept', content: { pair: '[1, "a"]', note: 'n' } }, 'client');
  assert.equal(wrong.ok, false);
  assert.match(!wrong.ok && !wrong.declined ? wrong.problem : '', /pair\[0\]: must be string/);
});

test('a responseSchema that is no JSON Schema takes any answer for the graph to check, instead of failing every answer', () => {
  const question = ask({ type: 'object', properties: { name: { type: 'strin' } }, required: ['name'] });
  // Its field, of no type a form has, is asked as JSON text; compiling the schema threw on every answer (-32603).
  assert.deepEqual(decodeAnswer(question, { action: 'accept', content: { name: '"Ada"' } }, 'client'), { ok: true, value: { name: 'Ada' } });
});

test("a number field's fractional bounds are shown in the form; an integer's noise bounds (zod's ±2^53) are not", () => {
  const question = ask({
    type: 'object',
    properties: { ratio: { type: 'number', minimum: 0.5, maximum: 10.5 }, count: { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 }, small: { type: 'integer', minimum: 1, maximum: 9 } },
  });
  const properties = (question.request.params as { requestedSchema: { properties: Record<string, Record<string, unknown>> } }).requestedSchema.properties;
  assert.deepEqual([properties.ratio?.minimum, properties.ratio?.maximum], [0.5, 10.5]);
  assert.deepEqual([properties.count?.minimum, properties.count?.maximum], [undefined, undefined]);
  assert.deepEqual([properties.small?.minimum, properties.small?.maximum], [1, 9]);
});

test("choices in every form the 2025-11-25 spec gives them are shown as choices; a oneOf that is no choice is not sent", () => {
  const question = ask({
    type: 'object',
    properties: {
      color: { type: 'string', anyOf: [{ const: 'r', title: 'Red' }, { const: 'g', title: 'Green' }] },
      size: { anyOf: [{ type: 'string', const: 's' }, { type: 'string', const: 'l' }] }, // z.union of z.literal
      legacy: { type: 'string', enum: ['a', 'b'], enumNames: ['Apple', 'Banana'] },
      tags: { type: 'array', items: { anyOf: [{ const: 'x', title: 'Ex' }, { const: 'y', title: 'Why' }] } },
      contact: { type: 'string', oneOf: [{ minLength: 3 }, { format: 'email' }] },
    },
  });
  const properties = (question.request.params as { requestedSchema: { properties: Record<string, Record<string, unknown>> } }).requestedSchema.properties;
  assert.deepEqual(properties.color, { type: 'string', oneOf: [{ const: 'r', title: 'Red' }, { const: 'g', title: 'Green' }] });
  assert.deepEqual(properties.size, { type: 'string', oneOf: [{ const: 's', title: 's' }, { const: 'l', title: 'l' }] });
  assert.deepEqual(properties.legacy, { type: 'string', enum: ['a', 'b'], enumNames: ['Apple', 'Banana'] });
  assert.deepEqual(properties.tags, { type: 'array', items: { anyOf: [{ const: 'x', title: 'Ex' }, { const: 'y', title: 'Why' }] } });
  assert.equal(properties.contact?.oneOf, undefined, 'a oneOf of constraints is not a form');
  // What is sent is still checked against the schema as written.
  const refused = decodeAnswer(question, { action: 'accept', content: { color: 'b' } }, 'client');
  assert.equal(refused.ok, false);
  assert.deepEqual(decodeAnswer(question, { action: 'accept', content: { color: 'g', size: 'l', tags: ['y'] } }, 'client'), { ok: true, value: { color: 'g', size: 'l', tags: ['y'] } });
});

test('resume_run: a one-value question (a record, a nullable text) takes the value itself, whatever its shape', () => {
  // A record was read as the one-field form's content ({"a":"b"} -> "must be object"), and a bare null refused.
  const record = ask({ type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'string' } });
  assert.deepEqual(decodeAnswer(record, { a: 'b' }, 'model'), { ok: true, value: { a: 'b' } });
  assert.deepEqual(decodeAnswer(record, '{"a":"b"}', 'model'), { ok: true, value: { a: 'b' } });
  assert.deepEqual(decodeAnswer(record, { value: { a: 'b' } }, 'model'), { ok: true, value: { a: 'b' } }, 'or as the form field');
  const nullable = ask({ type: ['string', 'null'] });
  assert.deepEqual(decodeAnswer(nullable, 'hello', 'model'), { ok: true, value: 'hello' });
  assert.deepEqual(decodeAnswer(nullable, null, 'model'), { ok: true, value: null });
  const text = ask({ type: 'string' });
  assert.deepEqual(decodeAnswer(text, '{"x":1}', 'model'), { ok: true, value: '{"x":1}' }, 'a text that looks like JSON is text');
});

test('a JSON text field takes plain text where its schema takes a string (a nullable or a union), and says what is wrong otherwise', () => {
  const question = ask({ type: 'object', properties: { nul: { type: ['string', 'null'] }, u: { anyOf: [{ type: 'string' }, { type: 'number' }] }, obj: { type: 'object', properties: { a: { type: 'number' } } } } });
  assert.deepEqual(decodeAnswer(question, { action: 'accept', content: { nul: 'hello', u: 'abc' } }, 'client'), { ok: true, value: { nul: 'hello', u: 'abc' } });
  assert.deepEqual(decodeAnswer(question, { action: 'accept', content: { nul: 'null' } }, 'client'), { ok: true, value: { nul: null } });
  // JSON that does not fit, text that does: the text ("12345" read as a number was refused).
  assert.deepEqual(decodeAnswer(question, { action: 'accept', content: { nul: '12345' } }, 'client'), { ok: true, value: { nul: '12345' } });
  const wrong = decodeAnswer(question, { action: 'accept', content: { obj: 'not json' } }, 'client');
  assert.equal(wrong.ok, false);
  assert.match(!wrong.ok && !wrong.declined ? wrong.problem : '', /obj: must be object/);
});

/** A question the graph wrote itself as an MCP elicitation. */
function elicit(params: Record<string, unknown>) {
  const [question] = questionsFor([{ id: 'i2', value: { key: 'k', method: 'elicitation/create', params } }], []);
  return question!;
}

test("a model's answer to an elicitation the graph wrote: a decision is never guessed, and a form's content is an object or a one-field form's value", () => {
  const two = elicit({ message: 'Ship?', requestedSchema: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } });
  assert.deepEqual(decodeAnswer(two, { street: '1 Main St', city: 'Oslo' }, 'model'), { ok: true, value: { action: 'accept', content: { street: '1 Main St', city: 'Oslo' } } });
  assert.deepEqual(decodeAnswer(two, '{"action": "decline"}', 'model'), { ok: true, value: { action: 'decline' } });
  assert.deepEqual(decodeAnswer(two, { action: 'accept', content: { city: 'Oslo' } }, 'model'), { ok: true, value: { action: 'accept', content: { city: 'Oslo' } } });
  for (const unclear of ['Oslo', { action: 'yes' }, 42]) assert.equal(decodeAnswer(two, unclear, 'model').ok, false, JSON.stringify(unclear));

  assert.deepEqual(decodeAnswer(two, { action: 'accept', street: '1 Main St', city: 'Oslo' }, 'model'), { ok: true, value: { action: 'accept', content: { street: '1 Main St', city: 'Oslo' } } });
  assert.equal(decodeAnswer(two, { action: 'accept', content: 'Oslo' }, 'model').ok, false);

  const one = elicit({ message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } });
  assert.deepEqual(decodeAnswer(one, 'Ada', 'model'), { ok: true, value: { action: 'accept', content: { name: 'Ada' } } });
  // A yes/no form: true or false (or their text), never a word the form cannot hold.
  const yesNo = elicit({ message: 'Confirm?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } });
  assert.deepEqual(decodeAnswer(yesNo, 'false', 'model'), { ok: true, value: { action: 'accept', content: { ok: false } } });
  for (const unclear of ['no', 'decline', { ok: 'yes' }, {}]) assert.equal(decodeAnswer(yesNo, unclear, 'model').ok, false, JSON.stringify(unclear));
  // A form with a field named "action": that field, not a decision; the bare word declines.
  const shipping = elicit({ message: 'What now?', requestedSchema: { type: 'object', properties: { action: { type: 'string' }, note: { type: 'string' } } } });
  assert.deepEqual(decodeAnswer(shipping, { action: 'ship', note: 'asap' }, 'model'), { ok: true, value: { action: 'accept', content: { action: 'ship', note: 'asap' } } });
  assert.deepEqual(decodeAnswer(shipping, 'decline', 'model'), { ok: true, value: { action: 'decline' } });
  assert.match(answerHint(shipping), /\(or "decline" if the user refuses\)/);
  assert.deepEqual(decodeAnswer(two, 'Cancel', 'model'), { ok: true, value: { action: 'cancel' } });
  // A refusal of such a form's content says how to decline it: not with {"action": ...}, which is its field.
  const refusedContent = decodeAnswer(shipping, { action: 5 }, 'model');
  assert.equal(refusedContent.ok, false);
  assert.match((refusedContent as { problem: string }).problem, /or answer with the user's decision: "decline" or "cancel"\)$/);
  // One field named "action" whose choices include the word: the word is that choice.
  const choice = elicit({ message: 'Next?', requestedSchema: { type: 'object', properties: { action: { type: 'string', enum: ['ship', 'hold', 'cancel'] } } } });
  assert.deepEqual(decodeAnswer(choice, 'cancel', 'model'), { ok: true, value: { action: 'accept', content: { action: 'cancel' } } });
  assert.equal(answerHint(choice), 'Answer with an object with the fields action.');
  // A field of choices with no type (numbers, say): the bare text of one of them is that choice; a text choice stays text.
  const untyped = elicit({ message: 'How many?', requestedSchema: { type: 'object', properties: { n: { enum: [1, 2, '3'] } } } });
  assert.deepEqual(decodeAnswer(untyped, '2', 'model'), { ok: true, value: { action: 'accept', content: { n: 2 } } });
  assert.deepEqual(decodeAnswer(untyped, '3', 'model'), { ok: true, value: { action: 'accept', content: { n: '3' } } });
  assert.equal(decodeAnswer(untyped, '4', 'model').ok, false);
  assert.match(answerHint(one), /\(or \{"action": "decline"\} if the user refuses\)\.$/);
  // A one-field list of choices, or a nullable number, as its JSON text.
  const tags = elicit({ message: 'Tags?', requestedSchema: { type: 'object', properties: { tags: { type: 'array', items: { enum: ['a', 'b'] } } } } });
  assert.deepEqual(decodeAnswer(tags, '["a","b"]', 'model'), { ok: true, value: { action: 'accept', content: { tags: ['a', 'b'] } } });
  const count = elicit({ message: 'How many?', requestedSchema: { type: 'object', properties: { n: { type: ['number', 'null'] } } } });
  assert.deepEqual(decodeAnswer(count, '5', 'model'), { ok: true, value: { action: 'accept', content: { n: 5 } } });

  const page = elicit({ mode: 'url', message: 'Sign in at https://idp.example/login/2 first', url: 'https://idp.example/login', elicitationId: 'e' });
  assert.match(page.text, /first \(https:\/\/idp\.example\/login\)$/, 'a longer address in the message is not the page');
  assert.deepEqual(decodeAnswer(page, ' Decline ', 'model'), { ok: true, value: { action: 'decline' } });
  for (const unclear of ['no', {}, true, { action: 'ACCEPT' }]) assert.equal(decodeAnswer(page, unclear, 'model').ok, false, JSON.stringify(unclear));
  const longer = elicit({ mode: 'url', message: 'Open https://idp.example/login.html to sign in', url: 'https://idp.example/login', elicitationId: 'e' });
  assert.match(longer.text, /to sign in \(https:\/\/idp\.example\/login\)$/);
  const named = elicit({ mode: 'url', message: 'Open https://idp.example/login.', url: 'https://idp.example/login', elicitationId: 'e' });
  assert.equal(named.text, 'Open https://idp.example/login.', 'named once');
});
