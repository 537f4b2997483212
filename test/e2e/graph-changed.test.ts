// A deploy between a pause and its answer (or a task's takeover) changes the graph: a run
// that stopped before a node the new version no longer has is ended with GRAPH_CHANGED, not
// reported complete with its answer and the rest of its work dropped.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { changedVisits } from '../fixtures/graphs/changed.js';
import { envelope, modernHeaders, post, taskRequest } from '../helpers/raw.js';
import { FIXTURES, startServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

let dir: string;
/** Config files by the version of `approve` they serve; all share one SQLite store. */
const configs: Record<'before' | 'renamed' | 'same', string> = { before: '', renamed: '', same: '' };

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-changed-'));
  for (const version of ['before', 'renamed', 'same'] as const) {
    configs[version] = path.join(dir, `${version}.config.json`);
    await writeFile(
      configs[version],
      JSON.stringify({ graphs: { approve: `${path.join(FIXTURES, 'graphs/changed.ts')}:${version}` }, store: { type: 'sqlite', path: path.join(dir, 'state.sqlite') } }),
    );
  }
});
after(() => rm(dir, { recursive: true, force: true }));

const approve = { action: 'accept', content: { answer: 'yes' } };

function call(url: string, params: Record<string, unknown>) {
  return post(
    url,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'approve', arguments: { item: 'refund' }, ...params }, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } }) },
    modernHeaders('tools/call', 'approve'),
  );
}

/** Pauses a call on the first version, then answers it on `version`, each served in turn. */
async function pauseThenAnswer(version: 'renamed' | 'same'): Promise<Record<string, any>> {
  const first = await startServer(configs.before, { configStore: true });
  const asked = (await call(first.url, {})).messages[0]?.result;
  await first.close(0);
  assert.equal(asked?.resultType, 'input_required', JSON.stringify(asked));
  const second = await startServer(configs[version], { configStore: true });
  try {
    return (await call(second.url, { requestState: asked.requestState, inputResponses: { approve } })).messages[0]!;
  } finally {
    await second.close(0);
  }
}

test('a paused call answered after a deploy renamed the node it stopped before: GRAPH_CHANGED, and nothing after it runs', async () => {
  changedVisits.length = 0;
  const answered = await pauseThenAnswer('renamed');
  assert.equal(answered.result?.isError, true, JSON.stringify(answered));
  assert.equal(answered.result._meta['graph-mcp/error'].code, 'GRAPH_CHANGED');
  assert.match(answered.result.content[0].text, /stopped before "ask", which this version of the graph no longer has/);
  assert.deepEqual(changedVisits, ['before.prep', 'before.ask'], 'neither the renamed node nor the one after it ran');
});

test('the same answer after a deploy that kept the node goes on where the run stopped', async () => {
  changedVisits.length = 0;
  const answered = await pauseThenAnswer('same');
  assert.equal(answered.result?.structuredContent?.approved, 'yes', JSON.stringify(answered));
  assert.deepEqual(changedVisits, ['before.prep', 'before.ask', 'same.ask', 'same.finish']);
});

test('a task answered after a deploy renamed the node it waits in: completed with GRAPH_CHANGED', async () => {
  changedVisits.length = 0;
  const first = await startServer(configs.before, { configStore: true });
  let taskId: string;
  try {
    const created = await taskRequest(first.url, 'tools/call', { name: 'approve', arguments: { item: 'refund' } });
    taskId = created.result.taskId;
    await until('the question', async () => ((await taskRequest(first.url, 'tasks/get', { taskId })).result?.status === 'input_required' ? true : undefined));
  } finally {
    await first.close(0);
  }
  const second = await startServer(configs.renamed, { configStore: true });
  try {
    await taskRequest(second.url, 'tasks/update', { taskId, inputResponses: { approve } });
    const done = await until('its end', async () => {
      const task = (await taskRequest(second.url, 'tasks/get', { taskId })).result;
      return task?.status === 'completed' ? task : undefined;
    });
    assert.equal(done.result.isError, true, JSON.stringify(done));
    assert.equal(done.result._meta['graph-mcp/error'].code, 'GRAPH_CHANGED');
    assert.ok(!changedVisits.includes('renamed.finish'));
  } finally {
    await second.close(0);
  }
});
