// The example graphs' own behaviour, called in-process (over HTTP in test/e2e/clients.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graph as triage } from '../../graphs/triage.js';

test('triage: plurals and past tenses classify as their word does', async () => {
  for (const [body, category] of [
    ['two payments went out', 'billing'],
    ['refunds please', 'billing'],
    ['the app crashes on start', 'bug'],
    ['it failed again', 'bug'],
  ] as const) {
    const out = await triage.invoke({ title: 'Help', body });
    assert.equal(out.category, category, body);
  }
});

test('triage: the summary is cut at 120 characters, never through an emoji (half of one is no text)', async () => {
  // "[P4] question: " and 104 letters are 119 characters: the 120th is the first emoji, two UTF-16 units.
  const out = await triage.invoke({ title: `${'a'.repeat(104)}🔥🔥`, body: 'a question' });
  const summary = out.summary as string;
  assert.equal(Array.from(summary).length, 120);
  assert.ok(summary.endsWith('a🔥'), summary);
  assert.doesNotMatch(summary, /[\uD800-\uDBFF]$/, 'no lone surrogate');
});
