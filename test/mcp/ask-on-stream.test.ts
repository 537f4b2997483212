// A question is sent on a 2025-era response stream only while someone waits for its answer:
// once the call is cancelled, its client gone or the server's grace over, nobody would read it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { askOnStream, answerChannel, type PauseServing, type StreamSend } from '../../src/mcp/pauses.js';
import type { Question } from '../../src/mcp/questions.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { RunRecord } from '../../src/store/store.js';

const question = { key: 'approve', interruptId: 'i1', request: { method: 'elicitation/create', params: { message: 'Approve?' } }, text: 'Approve?' } as unknown as Question;
const run = { id: 'run-1' } as RunRecord;

function setUp() {
  const store = new MemoryStore();
  const serving = { signals: store.signals, questionTimeoutMs: 5_000 } as unknown as PauseServing;
  const sent: unknown[] = [];
  const sendOnStream: StreamSend = async (request) => {
    sent.push(request);
  };
  return { store, serving, sent, sendOnStream };
}

for (const [when, endIt] of [
  ['has already ended', async (ended: AbortController, asking: () => ReturnType<typeof askOnStream>) => (ended.abort(), asking())],
  ["ends while the answer's channel is being listened on", async (ended: AbortController, asking: () => ReturnType<typeof askOnStream>) => {
    const pending = asking();
    ended.abort();
    return pending;
  }],
] as const) {
  test(`a question whose wait ${when} is not sent, nor listened for; its answer is none`, async () => {
    const { store, serving, sent, sendOnStream } = setUp();
    const ended = new AbortController();
    const asked = await endIt(ended, () => askOnStream(serving, { owner: 'ann', sendOnStream }, run, question, [ended.signal]));
    assert.equal(asked.sent, false);
    assert.deepEqual(sent, []);
    assert.equal(await asked.answer, undefined);
    store.close();
  });
}

test('a question asked while its wait goes on is sent, and the owner\'s answer, from whichever process took it, settles it', async () => {
  const { store, serving, sent, sendOnStream } = setUp();
  const ended = new AbortController();
  const asked = await askOnStream(serving, { owner: 'ann', sendOnStream }, run, question, [ended.signal]);
  assert.equal(asked.sent, true);
  assert.equal(sent.length, 1);
  const id = (sent[0] as { id: string }).id;
  await store.signals.publish(answerChannel(id), { owner: 'bob', response: { result: { action: 'accept' } } });
  await store.signals.publish(answerChannel(id), { owner: 'ann', response: { result: { action: 'accept' } } });
  assert.deepEqual(await asked.answer, ['approve', { action: 'accept' }]);
  asked.stop();
  store.close();
});
