// The checkpoint serializer every store uses, on what the stores' contract cannot make them
// write: a checkpoint an earlier version wrote, which LangChain's reader refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonPlusSerializer } from '@langchain/langgraph-checkpoint';
import { StrictSerializer } from '../../src/store/strict-serde.js';

test("a stored state LangChain's reader refuses (a secret record a caller sent, written before such records were kept as entries) is STATE_NOT_STORABLE, not a store failure a task retries for ever", async () => {
  // What LangGraph's own serializer wrote for a caller's value kept in the state.
  const [type, bytes] = await new JsonPlusSerializer().dumpsTyped({
    channel_values: { value: { lc: 1, type: 'constructor', id: ['langchain_core', 'messages', 'HumanMessage'], kwargs: { content: { lc: 1, type: 'secret', id: ['HOME'] } } } },
  });
  await assert.rejects(new StrictSerializer().loadsTyped(type, bytes), (error: unknown) => {
    assert.equal((error as { code?: string }).code, 'STATE_NOT_STORABLE', String(error));
    assert.match((error as Error).message, /cannot be read back/);
    assert.match(String(((error as Error).cause as Error | undefined)?.message), /Missing secret/, "LangChain's words are kept as the cause, for the log");
    return true;
  });
});

test('the same value written by graph-mcp comes back as it was sent', async () => {
  const serde = new StrictSerializer();
  const value = { lc: 1, type: 'constructor', id: ['langchain_core', 'messages', 'HumanMessage'], kwargs: { content: { lc: 1, type: 'secret', id: ['HOME'] } } };
  const [type, bytes] = await serde.dumpsTyped({ channel_values: { value } });
  assert.deepEqual(await serde.loadsTyped(type, bytes), { channel_values: { value } });
});

test('a state value that contains itself is refused as STATE_NOT_STORABLE naming where, not written with "[Circular]" in its place; a value held twice is no cycle', async () => {
  const serde = new StrictSerializer();
  const v: Record<string, unknown> = { name: 'a' };
  v.self = v;
  await assert.rejects(serde.dumpsTyped({ channel_values: { record: v } }), (error: unknown) => {
    assert.equal((error as { code?: string }).code, 'STATE_NOT_STORABLE', String(error));
    assert.equal((error as Error).message, 'the run\'s state cannot be stored: it holds a value that contains itself, which JSON cannot (inside "record")');
    return true;
  });
  const list: unknown[] = [];
  list.push({ back: list });
  await assert.rejects(serde.dumpsTyped({ channel_values: { items: list } }), /contains itself, which JSON cannot \(inside "items"\."0"\)/);
  // The same value twice, side by side, is written twice and read back equal.
  const shared = { n: 1 };
  const [type, bytes] = await serde.dumpsTyped({ channel_values: { a: shared, b: [shared, shared] } });
  assert.deepEqual(await serde.loadsTyped(type, bytes), { channel_values: { a: { n: 1 }, b: [{ n: 1 }, { n: 1 }] } });
});
