// The checkpointer of one run: held in memory and never serialised until persist(),
// then written through to the store, in order, each step before the next begins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Annotation, Command, DeltaChannel, END, START, StateGraph, interrupt } from '@langchain/langgraph';
import { MemorySaver } from '@langchain/langgraph-checkpoint';
import { JsonPlusSerializer } from '@langchain/langgraph-checkpoint';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RunCheckpointer } from '../../src/store/run-checkpointer.js';
import { RunDrain } from '../../src/run/run-tool.js';

/** A serializer that counts what it was asked to serialise. */
class CountingSerde extends JsonPlusSerializer {
  dumped = 0;
  override async dumpsTyped(value: unknown): Promise<[string, Uint8Array]> {
    this.dumped += 1;
    return super.dumpsTyped(value);
  }
}

const State = Annotation.Root({ trail: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }) });

/** a -> b -> c; `b` waits for `gate` to open. */
function threeSteps(gate: Promise<void>, reached: () => void) {
  return new StateGraph(State)
    .addNode('a', () => ({ trail: ['a'] }))
    .addNode('b', async () => {
      reached();
      await gate;
      return { trail: ['b'] };
    })
    .addNode('c', () => ({ trail: ['c'] }))
    .addEdge(START, 'a')
    .addEdge('a', 'b')
    .addEdge('b', 'c')
    .addEdge('c', END)
    .compile();
}

const thread = (id: string) => ({ configurable: { thread_id: id, checkpoint_ns: '' } });
const run = (checkpointer: RunCheckpointer, id: string, durability: 'exit' | 'sync') => ({
  configurable: { thread_id: id, __pregel_checkpointer: checkpointer },
  durability,
});

test('a run that never pauses leaves the store untouched and serialises nothing, yet reads its own checkpoints', async () => {
  const serde = new CountingSerde();
  const store = { checkpointer: new MemorySaver(serde) };
  for (const durability of ['exit', 'sync'] as const) {
    serde.dumped = 0;
    const checkpointer = new RunCheckpointer(store, true);
    const graph = threeSteps(Promise.resolve(), () => undefined);
    const state = await graph.invoke({}, run(checkpointer, `quiet-${durability}`, durability));
    assert.deepEqual(state.trail, ['a', 'b', 'c']);
    assert.equal(serde.dumped, 0, `${durability}: nothing serialised`);
    assert.equal(await store.checkpointer.getTuple(thread(`quiet-${durability}`)), undefined, `${durability}: nothing stored`);
    const own = await checkpointer.getTuple(thread(`quiet-${durability}`));
    assert.deepEqual(own?.checkpoint.channel_values.trail, ['a', 'b', 'c'], `${durability}: the run reads back its last checkpoint`);
  }
});

test('persist() mid-run stores every checkpoint held so far, then each later one before the next step runs', async () => {
  const store = new MemoryStore();
  const checkpointer = new RunCheckpointer(store, true);
  let open!: () => void;
  let reached!: () => void;
  const inB = new Promise<void>((resolve) => (reached = resolve));
  const graph = threeSteps(new Promise<void>((resolve) => (open = resolve)), reached);
  const running = graph.invoke({}, run(checkpointer, 'persisted', 'sync'));
  await inB;
  assert.equal(await store.checkpointer.getTuple(thread('persisted')), undefined, 'held, not stored, until persist()');
  await checkpointer.persist();
  const stored = await store.checkpointer.getTuple(thread('persisted'));
  assert.deepEqual(stored?.checkpoint.channel_values.trail, ['a'], 'the checkpoint after a, where b starts');
  assert.equal(stored?.parentConfig, undefined, 'only the last held checkpoint is stored: the thread starts there');
  open();
  await running;
  const history = [];
  for await (const tuple of store.checkpointer.list(thread('persisted'))) history.push(tuple.metadata?.step);
  assert.deepEqual(history, [3, 2, 1], 'the one stored at persist() (after a), then every later one (after b, after c), none missing');
  assert.deepEqual((await store.checkpointer.getTuple(thread('persisted')))?.checkpoint.channel_values.trail, ['a', 'b', 'c']);
  assert.deepEqual((await checkpointer.getTuple(thread('persisted')))?.checkpoint.channel_values.trail, ['a', 'b', 'c'], 'reads now go to the store');
});

test('a resumed run reads its checkpoints from the store; a fresh one does not look there', async () => {
  const store = new MemoryStore();
  const first = new RunCheckpointer(store, true);
  await threeSteps(Promise.resolve(), () => undefined).invoke({}, run(first, 'earlier', 'exit'));
  await first.persist();
  assert.ok(await new RunCheckpointer(store, false).getTuple(thread('earlier')), 'not fresh: found in the store');
  assert.equal(await new RunCheckpointer(store, true).getTuple(thread('earlier')), undefined, 'fresh: the store is not read');
});

/** A subgraph that prepares, then asks; the graph around it finishes with what it was told. */
function askingSubgraph(prepared: string[]) {
  const Inner = Annotation.Root({ trail: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }) });
  const inner = new StateGraph(Inner)
    .addNode('prepare', () => {
      prepared.push('prepare');
      return { trail: ['prepared'] };
    })
    .addNode('ask', () => ({ trail: [String(interrupt('Proceed?'))] }))
    .addEdge(START, 'prepare')
    .addEdge('prepare', 'ask')
    .addEdge('ask', END)
    .compile();
  return new StateGraph(Inner)
    .addNode('first', () => ({ trail: ['first'] }))
    .addNode('inner', inner)
    .addNode('last', () => ({ trail: ['last'] }))
    .addEdge(START, 'first')
    .addEdge('first', 'inner')
    .addEdge('inner', 'last')
    .addEdge('last', END)
    .compile();
}

test('a paused run stores only its last checkpoint per namespace (a subgraph\'s too) and the writes against it, and resumes from them', async () => {
  const store = new MemoryStore();
  const prepared: string[] = [];
  const graph = askingSubgraph(prepared);
  const first = new RunCheckpointer(store, true);
  const paused = (await graph.invoke({}, run(first, 'nested', 'sync'))) as { __interrupt__?: unknown[] };
  assert.equal(paused.__interrupt__?.length, 1, 'paused in the subgraph');
  await first.persist();
  const root = [];
  for await (const tuple of store.checkpointer.list(thread('nested'))) root.push(tuple.metadata?.step);
  assert.equal(root.length, 1, `one checkpoint of the graph itself, not ${root.length}`);
  const resumed = new RunCheckpointer(store, false);
  const done = await graph.invoke(new Command({ resume: 'yes' }), run(resumed, 'nested', 'exit'));
  assert.deepEqual(prepared, ['prepare'], 'the subgraph went on from its own checkpoint: prepare did not run again');
  // The same run on LangGraph's own saver, every checkpoint kept: the same answer.
  const saver = new MemorySaver();
  const own = { configurable: { thread_id: 'reference', __pregel_checkpointer: saver }, durability: 'sync' as const };
  await graph.invoke({}, own);
  const reference = await graph.invoke(new Command({ resume: 'yes' }), own);
  assert.deepEqual(done.trail, reference.trail);
  assert.ok(done.trail.includes('yes') && done.trail.at(-1) === 'last', JSON.stringify(done.trail));
});

test('a channel rebuilt from earlier steps\' writes (DeltaChannel) keeps every held checkpoint', async () => {
  const store = new MemoryStore();
  const State = Annotation.Root({ items: new DeltaChannel<string[], string>((items, writes) => [...items, ...writes]) });
  const graph = new StateGraph(State)
    .addNode('a', () => ({ items: 'a' }))
    .addNode('b', () => ({ items: String(interrupt('b?')) }))
    .addEdge(START, 'a')
    .addEdge('a', 'b')
    .addEdge('b', END)
    .compile();
  const first = new RunCheckpointer(store, true);
  await graph.invoke({ items: 'x' }, run(first, 'delta', 'sync'));
  await first.persist();
  const steps = [];
  for await (const tuple of store.checkpointer.list(thread('delta'))) steps.push(tuple.metadata?.step);
  assert.deepEqual(steps, [1, 0, -1], 'all of them: the value is rebuilt from their writes');
  const done = await graph.invoke(new Command({ resume: 'b' }), run(new RunCheckpointer(store, false), 'delta', 'exit'));
  assert.deepEqual(done.items, ['x', 'a', 'b']);
});

test('a run drained at a step boundary inside a subgraph is stored, then goes on from there like the run it was', async () => {
  const store = new MemoryStore();
  const drain = new RunDrain();
  const ran: string[] = [];
  const Trail = Annotation.Root({ trail: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }) });
  const node = (name: string, then?: () => void) => () => {
    ran.push(name);
    then?.();
    return { trail: [name] };
  };
  const inner = new StateGraph(Trail)
    .addNode('i1', node('i1', () => drain.requestDrain('taken over')))
    .addNode('i2', node('i2'))
    .addEdge(START, 'i1')
    .addEdge('i1', 'i2')
    .addEdge('i2', END)
    .compile();
  const graph = new StateGraph(Trail)
    .addNode('a', node('a'))
    .addNode('sub', inner)
    .addNode('z', node('z'))
    .addEdge(START, 'a')
    .addEdge('a', 'sub')
    .addEdge('sub', 'z')
    .addEdge('z', END)
    .compile();
  const checkpointer = new RunCheckpointer(store, true);
  // graph-mcp hands LangGraph its own RunDrain, read by duck typing (the project's LangGraph may not be graph-mcp's).
  const drained = { ...run(checkpointer, 'drained', 'exit'), control: drain } as unknown as Parameters<typeof graph.invoke>[1];
  await assert.rejects(graph.invoke({}, drained), { name: 'GraphDrained' });
  await checkpointer.persist();
  const done = await graph.invoke(null, run(checkpointer, 'drained', 'sync'));
  assert.deepEqual(ran, ['a', 'i1', 'i2', 'z'], 'every node once: the subgraph went on from its own checkpoint');
  assert.deepEqual(done.trail, (await graph.invoke({}, {})).trail, 'the same state as an undisturbed run');
});
