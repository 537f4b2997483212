// The example calculator_agent over HTTP, including arguments a quadratic parser would choke on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { findArithmetic } from '../../graphs/agent.js';
import { ROOT, startServer, type TestServer } from '../helpers/server.js';
import { callLegacy, callModern } from '../helpers/raw.js';

let server: TestServer;
before(async () => {
  server = await startServer({ graphs: { calculator_agent: './graphs/agent.ts:graph' } }, { baseDir: ROOT });
});
after(() => server.close(0));

const reply = async (message: string) => (await callModern(server.url, 'calculator_agent', { message })).messages[0]?.result?.structuredContent?.message;

test('arithmetic in words and symbols is answered through the calculator tool', async () => {
  assert.equal(await reply('what is 6 times 7?'), 'The answer is 42.');
  assert.equal(await reply('and 10-4.5'), 'The answer is 5.5.');
  assert.equal(await reply('-3 divided by 2'), 'The answer is -1.5.');
  assert.match(await reply('hello'), /^You said: "hello"/);
});

test('a 100,000-digit message is answered correctly, in both eras', async () => {
  const digits = '1234567890'.repeat(10_000);
  assert.equal(await reply(`${digits} what is 6 times 7?`), 'The answer is 42.');
  const legacy = await callLegacy(server.url, 'calculator_agent', { message: `${digits}x` });
  assert.equal(legacy.messages[0]?.result?.structuredContent?.message, `You said: "${digits}x". Ask me some arithmetic, like "what is 6 times 7?"`);
  // As an operand, too large for a number: said so (it answered "The answer is Error: Received tool input did not match ...").
  assert.equal(await reply(`${'9'.repeat(100_000)} + 1`), 'That number is too large for the calculator: it takes numbers up to about 1.8e308.');
});

test('what the calculator cannot do is said, not given as the answer', async () => {
  assert.equal(await reply('1 / 0'), 'I could not work that out: cannot divide by zero.');
  assert.equal(await reply(`${'9'.repeat(300)} * ${'9'.repeat(300)}`), 'I could not work that out: the result is too large for the calculator.');
});

test('a number that is part of a longer token (1e3, 1,000, 1.5.5) is not misread as a shorter one', async () => {
  // They read "3 + 1" (4), "000 + 1" (1) and "5 + 1" (6).
  for (const message of ['1e3 + 1', 'what is 1,000 + 1?', '1.5.5 + 1']) assert.match(await reply(message), /^You said: /, message);
  assert.deepEqual(findArithmetic('is it 2 + 2.'), { a: 2, op: '+', b: 2 }, 'a sentence may end after a number');
  assert.deepEqual(findArithmetic('6 times7'), { a: 6, op: '*', b: 7 }, 'an operand may follow an operator word');
  assert.equal(findArithmetic('a-1 + 2'), undefined, 'a hyphen in a word is no minus sign');
});

test('findArithmetic takes the first operation, and none where there is none', () => {
  assert.deepEqual(findArithmetic('6 plus 7 then 1 - 1'), { a: 6, op: '+', b: 7 });
  assert.deepEqual(findArithmetic('x 8/2'), { a: 8, op: '/', b: 2 });
  assert.equal(findArithmetic('12 apples, 3 pears'), undefined);
  assert.equal(findArithmetic('9'.repeat(100_000)), undefined);
});
