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
});

test('findArithmetic takes the first operation, and none where there is none', () => {
  assert.deepEqual(findArithmetic('6 plus 7 then 1 - 1'), { a: 6, op: '+', b: 7 });
  assert.deepEqual(findArithmetic('x 8/2'), { a: 8, op: '/', b: 2 });
  assert.equal(findArithmetic('12 apples, 3 pears'), undefined);
  assert.equal(findArithmetic('9'.repeat(100_000)), undefined);
});
