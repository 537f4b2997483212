// interrupt() served to every kind of client: 2026-07-28 (multi-round-trip), 2025 with
// elicitation (requests on the response stream), and clients that cannot be asked (resume_run).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { envelope, legacyHeaders, modernHeaders, post } from '../helpers/raw.js';
import { until } from '../helpers/wait.js';
import { visits } from '../fixtures/graphs/hitl.js';

const GRAPHS = {
  ask_name: './graphs/hitl.ts:askName',
  grows_its_input: './graphs/hitl.ts:growsItsInput',
  two_rounds: './graphs/hitl.ts:twoRounds',
  parallel: './graphs/hitl.ts:parallel',
  nested: './graphs/hitl.ts:nestedAnswer',
  inbox: './graphs/hitl.ts:inbox',
  mcp_requests: './graphs/hitl.ts:mcpRequests',
  mixed_kinds: './graphs/hitl.ts:mixedKinds',
  reviewed_agent: './graphs/hitl.ts:reviewedAgent',
  refund: '../../graphs/approval.ts:graph',
  unstorable: './graphs/hitl.ts:unstorableState',
  unstorable_later: './graphs/hitl.ts:unstorableLater',
  bare_values: './graphs/hitl.ts:bareValues',
  review_twice: './graphs/hitl.ts:reviewTwice',
  twelve: './graphs/hitl.ts:twelveQuestions',
  refined: './graphs/hitl.ts:refinedName',
  refined_pair: './graphs/hitl.ts:refinedPair',
  refined_both: './graphs/hitl.ts:refinedBoth',
  refined_v3: './graphs/hitl.ts:refinedNameV3',
  refined_route: './graphs/hitl.ts:refinedAndRoute',
  refined_sub: './graphs/hitl.ts:refinedInSubgraph',
  no_checkpoints: './graphs/hitl.ts:askWithoutCheckpoints',
  subgraph_breakpoint: './graphs/not-graphs.ts:breakInNodeFunction',
  scoped_ask: { path: './graphs/hitl.ts:askName', access: { scopes: ['ask'] } },
  link_ask: './graphs/hitl.ts:askByLink',
  form_and_link: './graphs/hitl.ts:formAndLink',
  many_numbers: './graphs/hitl.ts:manyNumbers',
};

type Form = { message: string; requestedSchema: { properties: Record<string, unknown> } };
type Answerer = (form: Form) => Record<string, unknown> | { action: 'decline' | 'cancel' };

/** Answers a form the way a person would, by the question asked. */
const person: Answerer = (form) => {
  const fields = Object.keys(form.requestedSchema.properties);
  if (/customer's name/.test(form.message)) return { answer: 'Ada' };
  if (/Step 1/.test(form.message)) return { answer: 'Ada' };
  if (/Step 2/.test(form.message)) return { answer: 'green' };
  if (/^Left\?$/.test(form.message)) return { answer: 'L' };
  if (/^Right\?$/.test(form.message)) return { answer: 'R' };
  if (/Where should it ship/.test(form.message)) return { address: '{"street":"1 Main St","city":"Oslo"}', express: true };
  if (/Send an email/.test(form.message)) return { action: 'edit', args: '{"to":"carol@example.com","subject":"Hi"}' };
  if (/What is your name/.test(form.message)) return { name: 'Ada' };
  if (/send_email/.test(form.message)) return { decision: 'approve' };
  if (/Approve a refund/.test(form.message)) return { approved: true, note: 'ok by Ada' };
  throw new Error(`unexpected question: ${form.message} (${fields.join(', ')})`);
};

function accept(content: Record<string, unknown> | { action: string }) {
  return 'action' in content && (content.action === 'decline' || content.action === 'cancel') ? content : { action: 'accept', content };
}

/** What each graph answers once the person above has answered. */
const EXPECT: Record<string, { args: Record<string, unknown>; check: (structured: Record<string, unknown>) => void }> = {
  ask_name: { args: {}, check: (s) => assert.equal(s.answer, 'Hello, Ada!') },
  two_rounds: { args: {}, check: (s) => assert.equal(s.answer, 'Ada likes green') },
  parallel: { args: {}, check: (s) => assert.equal(s.joined, 'L+R') },
  nested: { args: {}, check: (s) => assert.deepEqual(s.shipping, { address: { street: '1 Main St', city: 'Oslo' }, express: true }) },
  inbox: { args: { to: 'bob@example.com' }, check: (s) => assert.equal(s.outcome, 'sent to carol@example.com') },
  refund: { args: { customer: 'Ada', amount: 250 }, check: (s) => assert.deepEqual(s, { status: 'refunded', approved_by: 'person', note: 'ok by Ada' }) },
  reviewed_agent: { args: { message: 'email Bob' }, check: (s) => assert.equal(s.message, 'Done: email sent to bob@example.com: Hello Bob') },
};

let server: TestServer;
before(async () => {
  server = await startServer(
    { name: 'hitl-test', graphs: GRAPHS },
    {
      load: {
        authenticate: (request) => {
          const user = request.headers.get('x-user');
          return { id: user ?? 'anonymous', scopes: (request.headers.get('x-scopes') ?? '').split(' ').filter(Boolean) };
        },
      },
    },
  );
});
after(() => server.close(0));

async function v2Client(user: string, answer: Answerer = person) {
  const client = new V2Client(
    { name: 'hitl-v2', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, roots: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  client.setRequestHandler('elicitation/create', async (request) => accept(answer(request.params as unknown as Form)) as never);
  client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));
  await client.connect(new V2Transport(new URL(server.url), { requestInit: { headers: { 'x-user': user } } }));
  return client;
}

async function v1Client(user: string, options: { elicitation: boolean; answer?: Answerer; scopes?: string }) {
  const client = new V1Client({ name: 'hitl-v1', version: '1.0.0' }, { capabilities: options.elicitation ? { elicitation: {}, roots: {} } : {} });
  if (options.elicitation) {
    const answer = options.answer ?? person;
    client.setRequestHandler(ElicitRequestSchema, async (request) => accept(answer(request.params as unknown as Form)) as never);
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));
  }
  await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': user, 'x-scopes': options.scopes ?? '' } } }));
  return client;
}

describe('2026-07-28 client (v2 SDK): questions come back as input_required and are answered by retrying', () => {
  for (const [name, expected] of Object.entries(EXPECT)) {
    test(`${name}: the v2 client answers the questions and gets the result`, async () => {
      const client = await v2Client('alice');
      try {
        const result = await client.callTool({ name, arguments: expected.args });
        assert.notEqual(result.isError, true, JSON.stringify(result.content));
        expected.check(result.structuredContent as Record<string, unknown>);
      } finally {
        await client.close();
      }
    });
  }

  test('MCP input requests in the interrupt value pass through unchanged, and raw results come back', async () => {
    const client = await v2Client('alice');
    try {
      const result = await client.callTool({ name: 'mcp_requests', arguments: {} });
      assert.equal((result.structuredContent as { greeting: string }).greeting, 'Hello, Ada! Roots: file:///work');
    } finally {
      await client.close();
    }
  });

  test('a declined or cancelled question ends the run with INPUT_DECLINED; Agent Inbox maps decline to ignore', async () => {
    const cancelling = await v2Client('alice', () => ({ action: 'cancel' }));
    try {
      const cancelled = await cancelling.callTool({ name: 'ask_name', arguments: {} });
      assert.equal((cancelled._meta?.['graph-mcp/error'] as { code: string } | undefined)?.code, 'INPUT_DECLINED', JSON.stringify(cancelled));
      assert.match((cancelled.content as Array<{ text: string }>)[0]!.text, /cancel/);
    } finally {
      await cancelling.close();
    }
    const client = await v2Client('alice', () => ({ action: 'decline' }));
    try {
      const declined = await client.callTool({ name: 'ask_name', arguments: {} });
      assert.equal(declined.isError, true);
      assert.equal((declined._meta?.['graph-mcp/error'] as { code: string }).code, 'INPUT_DECLINED');
      const ignored = await client.callTool({ name: 'inbox', arguments: { to: 'bob@example.com' } });
      assert.equal((ignored.structuredContent as { outcome: string }).outcome, 'ignored');
    } finally {
      await client.close();
    }
  });
});

/** A raw 2026-07-28 tools/call from `user`, declaring `capabilities`. */
function rawCall(user: string, name: string, params: Record<string, unknown> = {}, capabilities: Record<string, unknown> = { elicitation: {} }) {
  return post(
    server.url,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name, arguments: {}, ...params }, { 'io.modelcontextprotocol/clientCapabilities': capabilities }) },
    { ...modernHeaders('tools/call', name), 'x-user': user },
  );
}

describe('2026-07-28 over raw HTTP: requestState is signed, owner-bound, and the store holds the rest', () => {
  test('round trip by hand: keys, a missing answer asked again, extra keys ignored', async () => {
    const first = (await rawCall('alice', 'two_rounds')).messages[0]?.result;
    assert.equal(first.resultType, 'input_required');
    assert.deepEqual(Object.keys(first.inputRequests), ['step1']);
    // Wrong key: asked again, not an error.
    const again = (await rawCall('alice', 'two_rounds', { requestState: first.requestState, inputResponses: { nope: { action: 'accept', content: { answer: 'x' } } } })).messages[0]?.result;
    assert.equal(again.resultType, 'input_required');
    assert.deepEqual(Object.keys(again.inputRequests), ['step1']);
    const second = (
      await rawCall('alice', 'two_rounds', {
        requestState: again.requestState,
        inputResponses: { step1: { action: 'accept', content: { answer: 'Ada' } }, extra: { action: 'accept', content: {} } },
      })
    ).messages[0]?.result;
    assert.deepEqual(Object.keys(second.inputRequests), ['step2'], 'a new round asks the next question under a new key');
    const done = (await rawCall('alice', 'two_rounds', { requestState: second.requestState, inputResponses: { step2: { action: 'accept', content: { answer: 'blue' } } } })).messages[0]
      ?.result;
    assert.equal(done.structuredContent.answer, 'Ada likes blue');
    // The same state again after the run finished: the same answer, the graph does not run again.
    // A retry with the same answer (its answer lost on the way) is a retry: the result as it was.
    const retried = (await rawCall('alice', 'two_rounds', { requestState: second.requestState, inputResponses: { step2: { action: 'accept', content: { answer: 'blue' } } } })).messages[0]
      ?.result;
    assert.deepEqual(retried, done);
    // So is one that also carried an answer to an earlier round's question, which its round ignored.
    const withEarlier = (
      await rawCall('alice', 'two_rounds', { requestState: second.requestState, inputResponses: { step2: { action: 'accept', content: { answer: 'blue' } }, step1: { action: 'accept', content: { answer: 'Zed' } } } })
    ).messages[0]?.result;
    assert.deepEqual(withEarlier, done);
    // Another answer (a second client, a model that changed its mind) is told it was not applied.
    const replay = (await rawCall('alice', 'two_rounds', { requestState: second.requestState, inputResponses: { step2: { action: 'accept', content: { answer: 'red' } } } })).messages[0]
      ?.result;
    assert.equal(replay.structuredContent.answer, 'Ada likes blue');
    assert.match(replay.content[0].text, /had already been answered, and had ended, when this answer came: this answer was not applied/);
    assert.deepEqual(replay.content.slice(1), done.content);
    // A late retry of the round before, with the answer applied in its time: the result, as it is.
    const earlier = (await rawCall('alice', 'two_rounds', { requestState: again.requestState, inputResponses: { step1: { action: 'accept', content: { answer: 'Ada' } } } })).messages[0]
      ?.result;
    assert.deepEqual(earlier, done);
  });

  test("a round answered in parts: once the run has ended, a late retry of the first part's state with other answers is told they were not applied; with the answer applied, it gets the result as it is", async () => {
    const accept = (answer: string) => ({ action: 'accept', content: { answer } });
    const first = (await rawCall('alice', 'parallel')).messages[0]?.result;
    assert.deepEqual(Object.keys(first.inputRequests).sort(), ['left', 'right'], JSON.stringify(first));
    const part = (await rawCall('alice', 'parallel', { requestState: first.requestState, inputResponses: { left: accept('L') } })).messages[0]?.result;
    assert.deepEqual(Object.keys(part.inputRequests), ['right'], JSON.stringify(part));
    const done = (await rawCall('alice', 'parallel', { requestState: part.requestState, inputResponses: { right: accept('R') } })).messages[0]?.result;
    assert.equal(done.structuredContent?.joined, 'L+R', JSON.stringify(done));
    const other = (await rawCall('alice', 'parallel', { requestState: first.requestState, inputResponses: { left: accept('X'), right: accept('Y') } })).messages[0]?.result;
    assert.match(other.content[0].text, /this answer was not applied/);
    assert.equal(other.structuredContent?.joined, 'L+R');
    const same = (await rawCall('alice', 'parallel', { requestState: first.requestState, inputResponses: { left: accept('L') } })).messages[0]?.result;
    assert.deepEqual(same, done);
  });

  test("an answer the graph refused (asked again under a new key), sent again once the run has ended, is told it was not applied", async () => {
    const first = (await rawCall('alice', 'refined')).messages[0]?.result;
    const [key1] = Object.keys(first.inputRequests);
    const refusal = { requestState: first.requestState, inputResponses: { [key1!]: { action: 'accept', content: { name: 'Bob' } } } };
    const again = (await rawCall('alice', 'refined', refusal)).messages[0]?.result;
    const [key2] = Object.keys(again.inputRequests);
    assert.notEqual(key2, key1);
    const done = (await rawCall('alice', 'refined', { requestState: again.requestState, inputResponses: { [key2!]: { action: 'accept', content: { name: 'Ada' } } } })).messages[0]?.result;
    assert.equal(done.structuredContent?.answer, 'Hello, Ada!', JSON.stringify(done));
    const resent = (await rawCall('alice', 'refined', refusal)).messages[0]?.result;
    assert.match(resent.content[0].text, /this answer was not applied/);
    assert.equal(resent.structuredContent?.answer, 'Hello, Ada!');
  });

  test("answers sent with a first call answer its run's first questions at once; a later round's are asked, though sent ahead", async () => {
    const inputResponses = { user_name: { action: 'accept', content: { name: 'Ada' } }, client_roots: { roots: [{ uri: 'file:///a' }] }, extra: { action: 'accept', content: {} } };
    const capabilities = { elicitation: {}, roots: {} };
    // user_name is answered with no round trip; client_roots, asked after it, is asked.
    const first = (await rawCall('alice', 'mcp_requests', { inputResponses }, capabilities)).messages[0]?.result;
    assert.equal(first.resultType, 'input_required', JSON.stringify(first));
    assert.deepEqual(Object.keys(first.inputRequests), ['client_roots']);
    const done = (await rawCall('alice', 'mcp_requests', { requestState: first.requestState, inputResponses }, capabilities)).messages[0]?.result;
    assert.equal(done.structuredContent.greeting, 'Hello, Ada! Roots: file:///a');
  });

  test("an earlier round's requestState answers nothing of a later round: the questions asked now come back, with the current state", async () => {
    const one = (await rawCall('alice', 'two_rounds')).messages[0]?.result;
    const two = (await rawCall('alice', 'two_rounds', { requestState: one.requestState, inputResponses: { step1: { action: 'accept', content: { answer: 'Ada' } } } })).messages[0]?.result;
    assert.deepEqual(Object.keys(two.inputRequests), ['step2']);
    const step2 = { step2: { action: 'accept', content: { answer: 'red' } } };
    const stale = (await rawCall('alice', 'two_rounds', { requestState: one.requestState, inputResponses: step2 })).messages[0]?.result;
    assert.equal(stale.resultType, 'input_required', JSON.stringify(stale));
    assert.deepEqual(Object.keys(stale.inputRequests), ['step2']);
    const done = (await rawCall('alice', 'two_rounds', { requestState: stale.requestState, inputResponses: step2 })).messages[0]?.result;
    assert.equal(done.structuredContent.answer, 'Ada likes red');
  });

  test('a retry with arguments nested thousands of levels deep is INVALID_ARGUMENTS, not a server error', async () => {
    const first = (await rawCall('alice', 'ask_name')).messages[0]?.result;
    const request = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'ask_name', arguments: { extra: 'DEEP' }, requestState: first.requestState }, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } }) };
    const body = JSON.stringify(request).replace('"DEEP"', `${'{"d":'.repeat(5_000)}0${'}'.repeat(5_000)}`);
    const answer = (await post(server.url, body, { ...modernHeaders('tools/call', 'ask_name'), 'x-user': 'alice' })).messages[0];
    assert.equal(answer?.result?._meta?.['graph-mcp/error']?.code, 'INVALID_ARGUMENTS', JSON.stringify(answer).slice(0, 300));
  });

  test('an answer whose action is none of accept, decline, cancel is asked again under a new key; the run goes on', async () => {
    const first = (await rawCall('alice', 'ask_name')).messages[0]?.result;
    const [key] = Object.keys(first.inputRequests);
    const again = (await rawCall('alice', 'ask_name', { requestState: first.requestState, inputResponses: { [key!]: { action: 'maybe' } } })).messages[0]?.result;
    assert.equal(again.resultType, 'input_required', JSON.stringify(again));
    const [newKey] = Object.keys(again.inputRequests);
    assert.equal(newKey, `${key}.2`);
    // The form says why it is asked again, above the question.
    assert.equal(again.inputRequests[newKey!].params.message, `The last answer could not be used ("action" must be "accept", "decline" or "cancel", not "maybe"). Please answer again.\n\nWhat is the customer's name?`);
    // The old key is not taken any more; the new one is.
    const stale = (await rawCall('alice', 'ask_name', { requestState: again.requestState, inputResponses: { [key!]: { action: 'accept', content: { answer: 'Old' } } } })).messages[0]?.result;
    assert.deepEqual(Object.keys(stale.inputRequests), [newKey]);
    // An answer that is no result object at all (the SDK drops it) cannot be used either.
    const notAResult = (await rawCall('alice', 'ask_name', { requestState: stale.requestState, inputResponses: { [newKey!]: 42 } })).messages[0]?.result;
    assert.deepEqual(Object.keys(notAResult.inputRequests), [`${key}.3`]);
    const reasons = String(notAResult.inputRequests[`${key}.3`].params.message).match(/could not be used/g) ?? [];
    assert.equal(reasons.length, 1, 'one reason, the last');
    const done = (await rawCall('alice', 'ask_name', { requestState: notAResult.requestState, inputResponses: { [`${key}.3`]: { action: 'accept', content: { answer: 'Ada' } } } })).messages[0]
      ?.result;
    assert.equal(done.structuredContent.answer, 'Hello, Ada!');
  });

  test("a replayed earlier round's state gets the questions as they stand, without voiding the state the rightful client holds", async () => {
    // Each answer to an old state began a new round: the current state, held by the client that
    // was about to answer, then counted as old, and its answer was asked for again.
    const accept = (content: Record<string, unknown>) => ({ action: 'accept', content });
    const first = (await rawCall('alice', 'refined')).messages[0]?.result;
    const [key1] = Object.keys(first.inputRequests);
    const second = (await rawCall('alice', 'refined', { requestState: first.requestState, inputResponses: { [key1!]: accept({ name: 'Bob' }) } })).messages[0]?.result;
    assert.equal(second.resultType, 'input_required', JSON.stringify(second));
    const [key2] = Object.keys(second.inputRequests);
    // A delayed duplicate of the first round.
    const replay = (await rawCall('alice', 'refined', { requestState: first.requestState, inputResponses: { [key1!]: accept({ name: 'Ann' }) } })).messages[0]?.result;
    assert.deepEqual(Object.keys(replay.inputRequests), [key2], 'the questions as they stand');
    const done = (await rawCall('alice', 'refined', { requestState: second.requestState, inputResponses: { [key2!]: accept({ name: 'Ann' }) } })).messages[0]?.result;
    assert.equal(done.structuredContent?.answer, 'Hello, Ann!', JSON.stringify(done));
  });

  test('a declined question ends the run: its requestState replayed with an accept does not resume it', async () => {
    const first = (await rawCall('alice', 'ask_name')).messages[0]?.result;
    const [key] = Object.keys(first.inputRequests);
    const declined = (await rawCall('alice', 'ask_name', { requestState: first.requestState, inputResponses: { [key!]: { action: 'decline' } } })).messages[0]?.result;
    assert.equal(declined._meta?.['graph-mcp/error']?.code, 'INPUT_DECLINED');
    const replay = (await rawCall('alice', 'ask_name', { requestState: first.requestState, inputResponses: { [key!]: { action: 'accept', content: { answer: 'Mallory' } } } })).messages[0]?.result;
    assert.equal(replay?._meta?.['graph-mcp/error']?.code, 'INPUT_DECLINED', JSON.stringify(replay));
    assert.doesNotMatch(JSON.stringify(replay), /Mallory/);
  });

  test('a tampered requestState is refused with -32602', async () => {
    const first = (await rawCall('alice', 'ask_name')).messages[0]?.result;
    const [head, body, mac] = String(first.requestState).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), p: { run: 'someone-elses-run' } })).toString('base64url');
    const answer = await rawCall('alice', 'ask_name', { requestState: `${head}.${forged}.${mac}`, inputResponses: { q1: { action: 'accept', content: { answer: 'x' } } } });
    assert.equal(answer.messages[0]?.error?.code, -32602);
  });

  test("another principal's requestState is refused with -32602", async () => {
    const first = (await rawCall('alice', 'ask_name')).messages[0]?.result;
    const answer = await rawCall('bob', 'ask_name', { requestState: first.requestState, inputResponses: { q1: { action: 'accept', content: { answer: 'x' } } } });
    assert.equal(answer.messages[0]?.error?.code, -32602);
  });

  test('a requestState retried through another tool is refused with -32602 naming the tool it belongs to', async () => {
    const first = (await rawCall('alice', 'ask_name')).messages[0]?.result;
    const answer = await rawCall('alice', 'two_rounds', { requestState: first.requestState, inputResponses: { q1: { action: 'accept', content: { answer: 'x' } } } });
    assert.equal(answer.messages[0]?.error?.code, -32602);
    assert.match(answer.messages[0]?.error?.message, /continues a run of tool "ask_name", not "two_rounds"/);
  });

  test('a retry with other arguments is refused with -32602; the same arguments in another order continue the run', async () => {
    const first = (await rawCall('alice', 'refund', { arguments: { customer: 'Ada', amount: 250 } })).messages[0]?.result;
    assert.equal(first.resultType, 'input_required');
    const [key] = Object.keys(first.inputRequests);
    const inputResponses = { [key!]: { action: 'accept', content: { approved: true, note: 'ok' } } };
    const changed = await rawCall('alice', 'refund', { arguments: { customer: 'Ada', amount: 9999 }, requestState: first.requestState, inputResponses });
    assert.equal(changed.messages[0]?.error?.code, -32602);
    assert.match(changed.messages[0]?.error?.message, /continues a call of tool "refund" made with other arguments/);
    // A retry whose inputResponses is no object of answers is refused too (the SDK read it as none, and the question was asked again).
    const malformed = await rawCall('alice', 'refund', { arguments: { customer: 'Ada', amount: 250 }, requestState: first.requestState, inputResponses: null });
    assert.equal(malformed.messages[0]?.error?.code, -32602, malformed.text);
    assert.match(malformed.messages[0]?.error?.message, /^Invalid params for tools\/call: inputResponses must be an object of answers keyed by input request key, not null$/);
    // A notification carrying one is still a notification: accepted, never answered.
    const notification = await post(server.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: envelope({ requestId: 7, inputResponses: null }) }, { ...modernHeaders('notifications/cancelled'), 'x-user': 'alice' });
    assert.equal(notification.status, 202, notification.text);
    assert.equal(notification.text, '');
    const same = (await rawCall('alice', 'refund', { arguments: { amount: 250, customer: 'Ada' }, requestState: first.requestState, inputResponses })).messages[0]?.result;
    assert.deepEqual(same.structuredContent, { status: 'refunded', approved_by: 'person', note: 'ok' });
  });

  test('a retry with the arguments sent continues the run when a node changed its input in place', async () => {
    const args = { items: ['a'] };
    const first = (await rawCall('alice', 'grows_its_input', { arguments: args })).messages[0]?.result;
    assert.equal(first.resultType, 'input_required', JSON.stringify(first));
    const [key] = Object.keys(first.inputRequests);
    const retry = await rawCall('alice', 'grows_its_input', { arguments: { items: ['a'] }, requestState: first.requestState, inputResponses: { [key!]: { action: 'accept', content: { answer: 'yes' } } } });
    assert.equal(retry.messages[0]?.error, undefined, retry.text);
    assert.equal(retry.messages[0]?.result?.structuredContent?.answer, 'a,seen: yes', retry.text);
  });

  test("a run's next question waits its own paused_run_ttl_ms, not what was left of the first's", async () => {
    const first = (await rawCall('alice', 'two_rounds', {}, {})).messages[0]?.result;
    const runId = first._meta['graph-mcp/run'].id as string;
    const before = (await server.graphMcp.store!.runs.get(runId, 'alice'))!.expiresAt;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = (await rawCall('alice', 'resume_run', { arguments: { run_id: runId, answer: 'Ada' } }, {})).messages[0]?.result;
    assert.equal(second._meta['graph-mcp/run'].status, 'input_required', JSON.stringify(second));
    const after = (await server.graphMcp.store!.runs.get(runId, 'alice'))!.expiresAt;
    assert.ok(after > before, `${after} > ${before}`);
  });

  test('only input kinds the client declared are asked; the rest are left for resume_run', async () => {
    const samplingOnly = (await rawCall('alice', 'mixed_kinds', {}, { sampling: {} })).messages[0]?.result;
    assert.equal(samplingOnly.resultType, 'input_required');
    assert.deepEqual(Object.keys(samplingOnly.inputRequests), ['summary'], 'elicitation is not asked of a client without it');
    const sampled = { role: 'assistant', content: { type: 'text', text: 'short' }, model: 'm', stopReason: 'endTurn' };
    const rest = (await rawCall('alice', 'mixed_kinds', { requestState: samplingOnly.requestState, inputResponses: { summary: sampled } }, { sampling: {} })).messages[0]?.result;
    const run = rest._meta['graph-mcp/run'];
    assert.deepEqual(run.questions.map((q: { key: string }) => q.key), ['confirm'], 'what the client cannot answer is left for resume_run');
    const none = (await rawCall('alice', 'ask_name', {}, {})).messages[0]?.result;
    assert.equal(none._meta['graph-mcp/run'].status, 'input_required', 'no capability at all: a paused-run result');
    // Elicitation in URL mode only: a form is not asked (the SDK would refuse the answer with -32021, the run unreachable).
    const urlOnly = await rawCall('alice', 'ask_name', {}, { elicitation: { url: {} } });
    assert.equal(urlOnly.status, 200, urlOnly.text);
    assert.equal(urlOnly.messages[0]?.result?._meta?.['graph-mcp/run']?.status, 'input_required', urlOnly.text);
    const formToo = (await rawCall('alice', 'ask_name', {}, { elicitation: { form: {}, url: {} } })).messages[0]?.result;
    assert.equal(formToo.resultType, 'input_required');
  });

  test('a run whose state cannot be stored (a BigInt) is not paused to wait for an answer it could never take: an error result says why', async () => {
    for (const capabilities of [{ elicitation: {} }, {}]) {
      const answer = (await rawCall('alice', 'unstorable', {}, capabilities)).messages[0];
      const result = answer?.result;
      assert.ok(result, JSON.stringify(answer));
      assert.equal(result.isError, true, JSON.stringify(result));
      assert.equal(result.resultType ?? 'complete', 'complete');
      assert.equal(result._meta?.['graph-mcp/error']?.code, 'STATE_NOT_STORABLE', JSON.stringify(result));
      assert.match(result.content[0].text, /cannot be stored/);
      assert.match(result.content[0].text, /JSON cannot hold a BigInt \(at "count"\."rows"\)/);
    }
    await server.logs.logged('cannot be stored');

    // Stored at its first question; the BigInt comes after the answer, before the second.
    const first = (await rawCall('alice', 'unstorable_later', {}, {})).messages[0]?.result;
    const runId = first._meta['graph-mcp/run'].id;
    const resumed = (await rawCall('alice', 'resume_run', { arguments: { run_id: runId, answer: 'yes' } }, {})).messages[0]?.result;
    assert.equal(resumed._meta?.['graph-mcp/error']?.code, 'STATE_NOT_STORABLE', JSON.stringify(resumed));
    const again = (await rawCall('alice', 'get_run', { arguments: { run_id: runId } }, {})).messages[0]?.result;
    assert.equal(again._meta?.['graph-mcp/error']?.code, 'STATE_NOT_STORABLE', 'the run ended with that result');
  });
});

describe('2025-era clients (v1 SDK)', () => {
  for (const name of ['ask_name', 'parallel', 'refund', 'inbox', 'two_rounds'] as const) {
    test(`${name}: with an elicitation handler, questions arrive as elicitation/create on the call's stream`, async () => {
      const client = await v1Client('alice', { elicitation: true });
      try {
        const result = await client.callTool({ name, arguments: EXPECT[name]!.args });
        assert.notEqual(result.isError, true, JSON.stringify(result.content));
        EXPECT[name]!.check(result.structuredContent as Record<string, unknown>);
        // A call that waits on its caller says so in the log, with how long it may wait.
        const asked = server.logs.lines.map((line) => JSON.parse(line)).find((line) => line.msg === "asked the caller on the call's response stream; waiting for the answer");
        assert.ok(asked, 'the wait is logged');
        assert.equal(typeof asked.run, 'string');
        assert.ok(Array.isArray(asked.questions) && typeof asked.timeout_ms === 'number', JSON.stringify(asked));
      } finally {
        await client.close();
      }
    });
  }

  test('a round the client answers in part (a form, not the sampling it cannot take): what it answered is kept, and only the rest is left for resume_run', async () => {
    let forms = 0;
    const client = await v1Client('alice', { elicitation: true, answer: () => { forms += 1; return { ok: true }; } });
    try {
      const paused = await client.callTool({ name: 'mixed_kinds', arguments: {} });
      const run = paused._meta?.['graph-mcp/run'] as { id: string; questions: Array<{ key: string }> };
      assert.equal(forms, 1);
      assert.deepEqual(run.questions.map((question) => question.key), ['summary'], JSON.stringify(paused));
      const done = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: 'A summary.' } });
      const state = done.structuredContent as { said: string; sampled: string };
      assert.deepEqual(JSON.parse(state.said), { action: 'accept', content: { ok: true } }, JSON.stringify(done));
      assert.equal(JSON.parse(state.sampled).content.text, 'A summary.');
    } finally {
      await client.close();
    }
  });

  test('a call that reaches its round limit answers with the question it has not asked yet: an answer on its last round is not dropped', async () => {
    const answered = new Set<string>();
    let first = true;
    const client = await v1Client('alice', {
      elicitation: true,
      answer: (form) => {
        // The first answer cannot be used (asked again), which puts the asking on the other passes.
        if (first) {
          first = false;
          return { n: 'one' };
        }
        answered.add(form.message);
        return { n: answered.size };
      },
    });
    try {
      const paused = await client.callTool({ name: 'many_numbers', arguments: {} });
      const run = paused._meta?.['graph-mcp/run'] as { status: string; questions: Array<{ text: string }> };
      assert.equal(run?.status, 'input_required', JSON.stringify(paused).slice(0, 500));
      assert.ok(answered.size >= 90, `answered ${answered.size}`);
      assert.ok(!answered.has(run.questions[0]!.text), `asked again: ${run.questions[0]!.text}`);
    } finally {
      await client.close();
    }
  });

  test('twelve questions in a row are all asked on the call\'s stream, and the call ends with the result', async () => {
    let asked = 0;
    const client = await v1Client('alice', { elicitation: true, answer: (form) => { asked += 1; return { answer: form.message.replace(/\?$/, '!') }; } });
    try {
      const result = await client.callTool({ name: 'twelve', arguments: {} });
      assert.equal(asked, 12);
      assert.equal((result.structuredContent as { answers: string[] }).answers.length, 12, JSON.stringify(result.content));
    } finally {
      await client.close();
    }
  });

  test("progress keeps rising across a call's questions: each resumed execution's nodes count on from the last", async () => {
    const client = await v1Client('alice', { elicitation: true });
    try {
      const seen: Array<{ progress: number; message?: string }> = [];
      const result = await client.callTool({ name: 'two_rounds', arguments: {} }, undefined, { onprogress: (update) => seen.push(update) });
      assert.equal((result.structuredContent as { answer: string }).answer, 'Ada likes green');
      // Each node finishes in the execution after its question: 'name' after the first answer, 'color' after the second.
      assert.deepEqual(seen.map((update) => [update.progress, update.message]), [[1, 'name'], [2, 'color']]);
    } finally {
      await client.close();
    }
  });

  test('a node that invokes one subgraph twice, each asking, is asked each question once and finishes (resume_run)', async () => {
    const client = await v1Client('alice', { elicitation: false });
    try {
      let result = await client.callTool({ name: 'review_twice', arguments: {} });
      const asked: string[] = [];
      for (let round = 0; round < 4 && result._meta?.['graph-mcp/run']; round += 1) {
        const run = result._meta['graph-mcp/run'] as { id: string; questions: Array<{ text: string }> };
        asked.push(run.questions[0]!.text);
        result = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: `ok ${round}` } });
      }
      assert.deepEqual(asked, ['Review first?', 'Review second?']);
      assert.equal((result.structuredContent as { summary: string }).summary, 'first: ok 0; second: ok 1', JSON.stringify(result.content));
    } finally {
      await client.close();
    }
  });

  test("resume_run takes a bare value for a question whose answer is one (a boolean, a number), or its JSON text", async () => {
    const client = await v1Client('alice', { elicitation: false });
    try {
      const paused = await client.callTool({ name: 'bare_values', arguments: {} });
      const run = paused._meta?.['graph-mcp/run'] as { id: string; questions: Array<{ key: string }> };
      const key = run.questions[0]!.key;
      // The paused-run text asks for the value itself, by its own schema.
      assert.match((paused.content as Array<{ text: string }>)[0]!.text, /Answer with a JSON value that matches this JSON Schema: \{"type":"boolean"/);
      // Not a boolean: refused, naming the question and what it takes, without a JSON path.
      const wrong = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: 'maybe' } });
      assert.equal((wrong._meta?.['graph-mcp/error'] as { code: string }).code, 'ANSWER_INVALID');
      assert.match((wrong.content as Array<{ text: string }>)[0]!.text, new RegExp(`^- "${key}": must be boolean$`, 'm'));
      // An answer nested deeper than any use of it: refused as arguments, the run still paused.
      let deep: unknown = true;
      for (let level = 0; level < 1_000; level += 1) deep = [deep];
      const tooDeep = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: deep } });
      assert.equal((tooDeep._meta?.['graph-mcp/error'] as { code: string }).code, 'INVALID_ARGUMENTS', JSON.stringify(tooDeep.content));
      assert.match((tooDeep.content as Array<{ text: string }>)[0]!.text, /nested more than 256 levels deep/);
      const next = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: true } });
      assert.equal((next._meta?.['graph-mcp/run'] as { status: string }).status, 'input_required', JSON.stringify(next.content));
      const done = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: '3' } });
      assert.deepEqual(done.structuredContent, { ship: true, boxes: 3 }, JSON.stringify(done.content));
      // The wrapped form the paused-run text shows still works.
      const again = await client.callTool({ name: 'bare_values', arguments: {} });
      const second = again._meta?.['graph-mcp/run'] as { id: string };
      await client.callTool({ name: 'resume_run', arguments: { run_id: second.id, answer: { value: false } } });
      const counted = await client.callTool({ name: 'resume_run', arguments: { run_id: second.id, answer: 0 } });
      assert.deepEqual(counted.structuredContent, { ship: false, boxes: 0 }, JSON.stringify(counted.content));
    } finally {
      await client.close();
    }
  });

  test('without elicitation: a paused-run result the output-schema check accepts, answered through resume_run', async () => {
    const client = await v1Client('alice', { elicitation: false });
    try {
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'resume_run'));
      const paused = await client.callTool({ name: 'refund', arguments: { customer: 'Ada', amount: 500 } });
      assert.equal(paused.isError, true);
      await server.logs.logged('the caller did not answer the question on its stream (it refused it, or gave no answer in time)');
      const run = paused._meta?.['graph-mcp/run'] as { id: string; status: string; questions: Array<{ key: string; text: string }> };
      assert.equal(run.status, 'input_required');
      assert.match(run.questions[0]!.text, /Approve a refund of \$500 to Ada/);
      assert.match((paused.content as Array<{ text: string }>)[0]!.text, /call the tool "resume_run"/);
      // How to answer: the form's schema, whose required fields say what must be given.
      const schemaText = /matches this JSON Schema: (\{.*\})\./.exec((paused.content as Array<{ text: string }>)[0]!.text)?.[1];
      assert.ok(schemaText, (paused.content as Array<{ text: string }>)[0]!.text);
      const schema = JSON.parse(schemaText) as { type: string; properties: Record<string, unknown>; required?: string[] };
      assert.equal(schema.type, 'object');
      assert.ok('approved' in schema.properties);
      assert.ok(schema.required?.includes('approved'), JSON.stringify(schema));
      // A wrong answer keeps the run paused and says what is wrong.
      const both = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: { approved: true }, answers: { approve: { approved: false } } } });
      assert.equal((both._meta?.['graph-mcp/error'] as { code: string }).code, 'INVALID_ARGUMENTS');
      assert.match((both.content as Array<{ text: string }>)[0]!.text, /give "answer" or "answers", not both/);
      const wrong = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: { approved: 'maybe' } } });
      assert.equal((wrong._meta?.['graph-mcp/error'] as { code: string }).code, 'ANSWER_INVALID');
      const outcomes = server.logs.lines.map((line) => JSON.parse(line)).filter((l) => l.msg === 'mcp request' && l.method === 'tools/call').map((l) => `${l.tool}:${l.outcome}`);
      assert.deepEqual(outcomes.slice(-3), ['refund:paused', 'resume_run:INVALID_ARGUMENTS', 'resume_run:ANSWER_INVALID'], 'the log names the pause, then what was wrong with each answer');
      const done = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: { approved: false, note: 'too much' } } });
      assert.deepEqual(done.structuredContent, { status: 'rejected', approved_by: 'person', note: 'too much' });
      // Another answer once the run has ended (a second model, a retry that changed its mind): the
      // run's result, saying that this answer was not applied.
      const late = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: { approved: true } } });
      assert.notEqual(late.isError, true);
      assert.deepEqual(late.structuredContent, done.structuredContent);
      const texts = (late.content as Array<{ type: string; text?: string }>).map((item) => item.text);
      assert.match(texts[0] ?? '', /had already been answered, and had ended, when this answer came: this answer was not applied/);
      assert.deepEqual(texts.slice(1), (done.content as Array<{ text?: string }>).map((item) => item.text));
    } finally {
      await client.close();
    }
  });

  test('an answer nested far too deep to use is taken as a refusal at once: the call answers with its paused run, not at the question timeout', { timeout: 60_000 }, async () => {
    const client = new V1Client({ name: 'hitl-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const levels = 100_000;
    client.setRequestHandler(ElicitRequestSchema, async (_request, extra) => {
      // Posted by hand: the client's own JSON.stringify could not write it.
      const deep = `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
      const body = `{"jsonrpc":"2.0","id":${JSON.stringify(extra.requestId)},"result":{"action":"accept","content":{"note":${deep}}}}`;
      const posted = await fetch(server.url, { method: 'POST', headers: legacyHeaders({ 'x-user': 'deep-answer' }), body });
      assert.equal(posted.status, 202);
      return new Promise<never>(() => undefined);
    });
    await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': 'deep-answer' } } }));
    try {
      const result = await client.callTool({ name: 'refund', arguments: { customer: 'Ada', amount: 500 } });
      assert.equal((result._meta?.['graph-mcp/run'] as { status?: string } | undefined)?.status, 'input_required', JSON.stringify(result).slice(0, 500));
      assert.match(server.logs.text(), /an answer nested more than 256 levels deep was taken as a refusal/);
    } finally {
      await client.close();
    }
  });

  test('a call cancelled (notifications/cancelled) while its question waits ends at once, and its run is cancelled', async () => {
    const client = new V1Client({ name: 'hitl-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const stop = new AbortController();
    let runId: string | undefined;
    client.setRequestHandler(ElicitRequestSchema, (_request, extra) => {
      // graph-mcp's question ids name the run: graph-mcp:<run id>:<key>:<nonce>
      runId = String(extra.requestId).split(':')[1];
      // The person presses stop instead of answering.
      stop.abort();
      return new Promise<never>(() => undefined);
    });
    // A user of its own: a cancel naming a request id that another call of the same user
    // ended under within the last minute is ambiguous, and every v1 client counts from 0.
    await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': 'alice-stops' } } }));
    try {
      await assert.rejects(client.callTool({ name: 'refund', arguments: { customer: 'Ada', amount: 500 } }, undefined, { signal: stop.signal }), /abort/i);
      assert.ok(runId, 'the question was asked');
      const runs = server.graphMcp.pausedRuns!;
      const cancelled = await until('the run is cancelled', async () => {
        const run = await runs.get(runId!, 'alice-stops');
        return run?.status === 'cancelled' ? run : undefined;
      }, 10_000);
      assert.equal(cancelled.status, 'cancelled');
      // The call ended without an answer (the spec asks none for a cancelled request), and was logged as cancelled.
      await until('the call is logged as cancelled', async () =>
        server.logs.lines.find((line) => line.includes('"tool":"refund"') && line.includes('"outcome":"cancelled"')), 10_000);
      // resume_run now says the run has no result instead of continuing it.
      const after = await client.callTool({ name: 'resume_run', arguments: { run_id: runId, answer: { approved: true } } });
      assert.match((after.content as Array<{ text: string }>)[0]!.text, /cancel/i);
    } finally {
      await client.close();
    }
  });

  test('a client that goes away while its question waits (no notifications/cancelled) cancels the run too: nobody else holds its id', async () => {
    const client = new V1Client({ name: 'hitl-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const transport = new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': 'alice' } } });
    let runId: string | undefined;
    client.setRequestHandler(ElicitRequestSchema, (_request, extra) => {
      runId = String(extra.requestId).split(':')[1];
      // The connection drops: the transport closes its streams, and sends nothing.
      void transport.close();
      return new Promise<never>(() => undefined);
    });
    await client.connect(transport);
    await assert.rejects(client.callTool({ name: 'refund', arguments: { customer: 'Ada', amount: 500 } }));
    assert.ok(runId, 'the question was asked');
    const cancelled = await until('the run is cancelled', async () => {
      const run = await server.graphMcp.pausedRuns!.get(runId!, 'alice');
      return run?.status === 'cancelled' ? run : undefined;
    }, 10_000);
    assert.equal(cancelled.status, 'cancelled');
  });

  /**
   * Pauses `tool` for `owner`; `other` answers it through resume_run and is told RUN_NOT_FOUND
   * (`also` checks more, with the other's client), then the owner's answer finishes the run.
   */
  async function resumedOnlyByItsOwner(
    tool: string,
    owner: { user: string; scopes?: string },
    other: { user: string; scopes?: string },
    also?: (client: V1Client, runId: string, refused: Awaited<ReturnType<V1Client['callTool']>>) => Promise<void>,
  ) {
    const ownerClient = await v1Client(owner.user, { elicitation: false, ...(owner.scopes ? { scopes: owner.scopes } : {}) });
    const otherClient = await v1Client(other.user, { elicitation: false, ...(other.scopes ? { scopes: other.scopes } : {}) });
    try {
      const paused = await ownerClient.callTool({ name: tool, arguments: {} });
      const runId = (paused._meta?.['graph-mcp/run'] as { id: string }).id;
      const refused = await otherClient.callTool({ name: 'resume_run', arguments: { run_id: runId, answer: 'Mallory' } });
      assert.equal((refused._meta?.['graph-mcp/error'] as { code: string } | undefined)?.code, 'RUN_NOT_FOUND', JSON.stringify(refused));
      await also?.(otherClient, runId, refused);
      const own = await ownerClient.callTool({ name: 'resume_run', arguments: { run_id: runId, answer: 'Ada' } });
      assert.equal((own.structuredContent as { answer: string }).answer, 'Hello, Ada!');
    } finally {
      await ownerClient.close();
      await otherClient.close();
    }
  }

  test("a run cannot be resumed by another principal: a foreign id reads like an unknown one", async () => {
    await resumedOnlyByItsOwner('ask_name', { user: 'alice' }, { user: 'bob' }, async (other, runId, foreign) => {
      const unknown = await other.callTool({ name: 'resume_run', arguments: { run_id: 'no-such-run', answer: 'Mallory' } });
      assert.equal(
        (foreign.content as Array<{ text: string }>)[0]!.text.replace(runId, 'ID'),
        (unknown.content as Array<{ text: string }>)[0]!.text.replace('no-such-run', 'ID'),
      );
    });
  });

  test('a paused run of a tool its caller may no longer call is not found by resume_run, and is not resumed', async () => {
    await resumedOnlyByItsOwner('scoped_ask', { user: 'alice', scopes: 'ask' }, { user: 'alice' });
  });

  test("an answer another principal posts under the id of a question on alice's stream is not taken: alice's is", async () => {
    const client = await v1Client('alice', { elicitation: true });
    // Alice answers after bob has posted his answer to the same question id.
    client.setRequestHandler(ElicitRequestSchema, async (_request, extra) => {
      const forged = await post(server.url, { jsonrpc: '2.0', id: extra.requestId, result: { action: 'accept', content: { answer: 'Mallory' } } }, legacyHeaders({ 'x-user': 'bob' }));
      assert.ok(forged.status < 300, forged.text);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return accept({ answer: 'Ada' }) as never;
    });
    try {
      const result = await client.callTool({ name: 'ask_name', arguments: {} });
      assert.equal((result.structuredContent as { answer: string }).answer, 'Hello, Ada!', JSON.stringify(result));
    } finally {
      await client.close();
    }
  });

  test('several questions at once are answered by key, in one call or in parts', async () => {
    const client = await v1Client('alice', { elicitation: false });
    const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;
    try {
      const paused = await client.callTool({ name: 'parallel', arguments: {} });
      const run = paused._meta?.['graph-mcp/run'] as { id: string; questions: Array<{ key: string }> };
      assert.deepEqual(run.questions.map((q) => q.key).sort(), ['left', 'right']);
      // The tool to call is named for agents whose tool names carry their server's prefix, too.
      assert.match(text(paused), /call the tool "resume_run" \(if your tool names carry a prefix, the one with the same prefix as "parallel"\) with \{"run_id": "[^"]+", "answers": \{"left": <answer>, "right": <answer>\}\}: one answer for each question, by its key\./);
      const done = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answers: { left: 'a', right: 'b' } } });
      assert.equal((done.structuredContent as { joined: string }).joined, 'a+b');

      const again = await client.callTool({ name: 'parallel', arguments: {} });
      const id = (again._meta?.['graph-mcp/run'] as { id: string }).id;
      // One "answer" for two questions: which it answers cannot be told.
      const one = await client.callTool({ name: 'resume_run', arguments: { run_id: id, answer: 'a' } });
      assert.match(text(one), /- 2 questions are asked: give "answers", one for each question by its key/);
      // One of the two: kept, and only the other is asked again.
      const part = await client.callTool({ name: 'resume_run', arguments: { run_id: id, answers: { left: 'c' } } });
      assert.equal((part._meta?.['graph-mcp/error'] as { code: string }).code, 'ANSWER_INVALID');
      assert.match(text(part), /^The answers given are taken; the run is still paused for the rest\.\n- "right": no answer given\nKept: the answers to "left"\./);
      assert.deepEqual((part._meta?.['graph-mcp/run'] as { questions: Array<{ key: string }> }).questions.map((q) => q.key), ['right']);
      const rest = await client.callTool({ name: 'resume_run', arguments: { run_id: id, answer: 'd' } });
      assert.equal((rest.structuredContent as { joined: string }).joined, 'c+d', JSON.stringify(rest.content));
    } finally {
      await client.close();
    }
  });
});

describe("an answer the graph's own responseSchema refuses (a zod refinement no form can say) is asked again: the run lives on", () => {
  // It ended the run: LangGraph's ZodError was the call's failure, and the next answer found it over.
  const bobThenAnn = (messages: string[]): Answerer => (form) => {
    messages.push(form.message);
    return { name: messages.length === 1 ? 'Bob' : 'Ann' };
  };

  test('2026-07-28 client: asked again under a new key, saying why; the next answer finishes the run', async () => {
    const messages: string[] = [];
    const client = await v2Client('alice', bobThenAnn(messages));
    try {
      const result = await client.callTool({ name: 'refined', arguments: {} });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.equal((result.structuredContent as { answer: string }).answer, 'Hello, Ann!');
      assert.equal(messages.length, 2);
      assert.match(messages[1]!, /^The last answer could not be used \(name: must start with A\)\. Please answer again\./);
    } finally {
      await client.close();
    }
  });

  test('2025-era client asked on its stream: the same', async () => {
    const messages: string[] = [];
    const client = await v1Client('alice', { elicitation: true, answer: bobThenAnn(messages) });
    try {
      const result = await client.callTool({ name: 'refined', arguments: {} });
      assert.equal((result.structuredContent as { answer: string }).answer, 'Hello, Ann!', JSON.stringify(result));
      assert.match(messages[1]!, /name: must start with A/);
    } finally {
      await client.close();
    }
  });

  type Result = Awaited<ReturnType<V1Client['callTool']>>;
  /** Starts `tool` as a caller that cannot be asked (v1, no elicitation) and hands `use` a `resume_run` for its run. */
  async function throughResumeRun(tool: string, use: (resume: (answer: Record<string, unknown>) => Promise<Result>) => Promise<void>) {
    const client = await v1Client('alice', { elicitation: false });
    try {
      const paused = await client.callTool({ name: tool, arguments: {} });
      const run = paused._meta?.['graph-mcp/run'] as { id: string };
      await use((answer) => client.callTool({ name: 'resume_run', arguments: { run_id: run.id, ...answer } }));
    } finally {
      await client.close();
    }
  }
  const errorCode = (result: Result) => (result._meta?.['graph-mcp/error'] as { code: string } | undefined)?.code;
  const firstText = (result: Result) => (result.content as Array<{ text: string }>)[0]!.text;
  const waitingOn = (result: Result) => (result._meta?.['graph-mcp/run'] as { questions: Array<{ key: string; text: string }> }).questions;

  test('resume_run: ANSWER_INVALID saying why, the run paused again; a good answer then finishes it', async () => {
    await throughResumeRun('refined', async (resume) => {
      const refused = await resume({ answer: { name: 'Bob' } });
      assert.equal(errorCode(refused), 'ANSWER_INVALID');
      assert.match(firstText(refused), /^The answer cannot be used; the run is still paused\.\n- name: must start with A\n/);
      assert.equal(waitingOn(refused).length, 1);
      const done = await resume({ answer: { name: 'Ann' } });
      assert.equal((done.structuredContent as { answer: string }).answer, 'Hello, Ann!', JSON.stringify(done));
    });
  });

  test('two questions at once, the refused answer kept from an earlier part: only the question still waiting is asked again; the other branch is not run again', async () => {
    // It asked again only the other question, with the refused answer still kept: refused for ever.
    await throughResumeRun('refined_pair', async (resume) => {
      const part = await resume({ answers: { left: { name: 'Bob' } } });
      assert.match(firstText(part), /Kept: the answers to "left"/);
      const rightRuns = visits.filter((visit) => visit === 'refinedPair.right').length;
      const refused = await resume({ answers: { right: 'R1' } });
      assert.equal(errorCode(refused), 'ANSWER_INVALID', JSON.stringify(refused));
      const waiting = waitingOn(refused);
      assert.deepEqual(waiting.map((q) => q.text), ['Left name, starting with A?'], 'the right answer was taken');
      const done = await resume({ answers: { [waiting[0]!.key]: { name: 'Ann' } } });
      assert.equal((done.structuredContent as { joined: string }).joined, 'Ann+R1', JSON.stringify(done));
      assert.equal(visits.filter((visit) => visit === 'refinedPair.right').length, rightRuns + 1, 'the right node ran once more, with its answer, and not again');
    });
  });

  test('two questions at once over 2026-07-28: the refused one is asked again, saying why; the other is not', async () => {
    const asked: string[] = [];
    const client = await v2Client('alice', (form) => {
      asked.push(form.message);
      if (/Right\?/.test(form.message)) return { answer: 'R1' };
      return { name: asked.filter((message) => /Left name/.test(message)).length === 1 ? 'Bob' : 'Ann' };
    });
    try {
      const result = await client.callTool({ name: 'refined_pair', arguments: {} });
      assert.equal((result.structuredContent as { joined: string }).joined, 'Ann+R1', JSON.stringify(result));
      assert.equal(asked.filter((message) => /Right\?/.test(message)).length, 1, 'the right question was asked once');
      assert.match(asked.at(-1)!, /^The last answer could not be used \(name: must start with A\)/);
    } finally {
      await client.close();
    }
  });

  test('both answers of one step refused at once: both asked again, saying why (LangGraph throws them together: GRAPH_FAILED)', async () => {
    await throughResumeRun('refined_both', async (resume) => {
      const refused = await resume({ answers: { left: { name: 'Bob' }, right: { name: 'Bo' } } });
      assert.equal(errorCode(refused), 'ANSWER_INVALID', JSON.stringify(refused));
      assert.match(firstText(refused), /- name: must start with A; name: must start with A\n/);
      const waiting = waitingOn(refused);
      assert.deepEqual(waiting.map((q) => q.text).sort(), ['Left A-name?', 'Right A-name?']);
      const byText = Object.fromEntries(waiting.map((q) => [q.text, q.key]));
      const done = await resume({ answers: { [byText['Left A-name?']!]: { name: 'Ann' }, [byText['Right A-name?']!]: { name: 'Abe' } } });
      assert.equal((done.structuredContent as { joined: string }).joined, 'Ann+Abe', JSON.stringify(done));
    });
  });

  test('a zod 3 responseSchema refusing an answer asks again too (its error has an errors list of its own: GRAPH_FAILED)', async () => {
    await throughResumeRun('refined_v3', async (resume) => {
      const refused = await resume({ answer: { name: 'Bob' } });
      assert.equal(errorCode(refused), 'ANSWER_INVALID', JSON.stringify(refused));
      assert.match(firstText(refused), /- name: must start with A\n/);
      const done = await resume({ answer: { name: 'Ann' } });
      assert.equal((done.structuredContent as { answer: string }).answer, 'Hello, Ann!', JSON.stringify(done));
    });
  });

  test('beside a refused answer, a node that took its answer and wrote nothing (Command({ goto }) alone) is done: its question is not asked again', async () => {
    // It has no result in the graph's state either: taken for waiting, it was asked again and its new answer dropped.
    await throughResumeRun('refined_route', async (resume) => {
      const refused = await resume({ answers: { left: { name: 'Bob' }, right: 'yes' } });
      const waiting = waitingOn(refused);
      assert.deepEqual(waiting.map((q) => q.text), ['Left A-name?'], JSON.stringify(refused));
      const done = await resume({ answers: { [waiting[0]!.key]: { name: 'Ann' } } });
      assert.deepEqual(done.structuredContent, { left: 'Ann', right: 'approved' }, JSON.stringify(done));
    });
  });

  test('inside a subgraph, of two questions asked at once only the refused one is asked again (the subgraph failed as one task: both were)', async () => {
    await throughResumeRun('refined_sub', async (resume) => {
      const rightRuns = visits.filter((visit) => visit === 'refinedInSubgraph.right').length;
      const refused = await resume({ answers: { left: { name: 'Bob' }, right: 'R1' } });
      const waiting = waitingOn(refused);
      assert.deepEqual(waiting.map((q) => q.text), ['Inner left A-name?'], JSON.stringify(refused));
      const done = await resume({ answers: { [waiting[0]!.key]: { name: 'Ann' } } });
      assert.deepEqual([...(done.structuredContent as { said: string[] }).said].sort(), ['L:Ann', 'R:R1'], JSON.stringify(done));
      assert.equal(visits.filter((visit) => visit === 'refinedInSubgraph.right').length, rightRuns + 1, 'the right node ran once, with its answer');
    });
  });});

describe('graphs that cannot pause where they stop are refused when they stop, never asked or answered as done', () => {
  test('a graph compiled with checkpointer: false: its interrupt() is an error naming that option, not a question whose answer could never be used', async () => {
    const modern = await v2Client('alice');
    const legacy = await v1Client('alice', { elicitation: false });
    try {
      for (const result of [await modern.callTool({ name: 'no_checkpoints', arguments: {} }), await legacy.callTool({ name: 'no_checkpoints', arguments: {} })]) {
        assert.equal(result.isError, true, JSON.stringify(result));
        assert.match((result.content as Array<{ text: string }>)[0]!.text, /compiled with checkpointer: false/);
        assert.equal(result._meta?.['graph-mcp/run'], undefined, 'no paused run to answer');
      }
    } finally {
      await modern.close();
      await legacy.close();
    }
  });

  test("a breakpoint in a subgraph a node calls (no start-up check sees it) is GRAPH_INVALID, not the partial state as the result", async () => {
    const modern = await v2Client('alice');
    const legacy = await v1Client('alice', { elicitation: true });
    try {
      for (const result of [await modern.callTool({ name: 'subgraph_breakpoint', arguments: { text: 'x' } }), await legacy.callTool({ name: 'subgraph_breakpoint', arguments: { text: 'x' } })]) {
        assert.equal(result.isError, true, JSON.stringify(result));
        assert.equal((result._meta?.['graph-mcp/error'] as { code: string }).code, 'GRAPH_INVALID');
        assert.match((result.content as Array<{ text: string }>)[0]!.text, /stopped at a breakpoint/);
      }
    } finally {
      await modern.close();
      await legacy.close();
    }
  });
});

test('a 2025-06-18 client is asked in the form vocabulary of its revision: titled choices as enum and enumNames, defaults said in the description; a URL-mode question, which it cannot read, is not sent, and the rest of its round is', async () => {
  const forms: Array<Record<string, unknown>> = [];
  // Both modes declared, so that the client's SDK would hand a URL-mode question to the handler too.
  const client = new V1Client({ name: 'hitl-2025-06-18', version: '1.0.0' }, { capabilities: { elicitation: { form: {}, url: {} } } });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    forms.push(request.params as Record<string, unknown>);
    return { action: 'accept', content: request.params.message === 'What is your name?' ? { name: 'Ada' } : { action: 'accept' } } as never;
  });
  const transport = new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': 'alice' } } });
  await client.connect(transport);
  // Every request from here on says 2025-06-18, as a client of that revision sends them.
  transport.setProtocolVersion('2025-06-18');
  try {
    const result = await client.callTool({ name: 'inbox', arguments: { to: 'bob@example.com' } });
    assert.equal((result.structuredContent as { outcome?: string } | undefined)?.outcome, 'sent to bob@example.com', JSON.stringify(result));
    assert.equal(forms.length, 1);
    const { properties } = forms[0]!.requestedSchema as { properties: Record<string, Record<string, unknown>> };
    assert.deepEqual(properties.action, {
      type: 'string',
      title: 'Decision',
      enum: ['accept', 'edit', 'respond', 'ignore'],
      enumNames: ['Accept', 'Edit the arguments', 'Respond with a message', 'Ignore'],
    });
    assert.equal(properties.args!.default, undefined);
    assert.equal(properties.args!.description, 'Default: {"to":"bob@example.com","subject":"Hi"}.');
    assert.equal(forms[0]!.mode, undefined);

    const linked = await client.callTool({ name: 'link_ask', arguments: {} });
    assert.equal(forms.length, 1, 'the URL-mode question was not sent');
    assert.equal((linked._meta?.['graph-mcp/run'] as { status?: string } | undefined)?.status, 'input_required', JSON.stringify(linked));
    // The paused run says where the page is, and how to answer once the user has been there.
    const told = (linked.content as Array<{ text: string }>)[0]!.text;
    assert.match(told, /Give consent on the page, then come back \(https:\/\/consent\.example\/c\/1\)/);
    assert.match(told, /Send the user to that page; once they have finished there, answer \{"action": "accept"\}/);
    // A decision is never guessed: "no" is not one, and the bare word "decline" is taken as such.
    const runId = (linked._meta?.['graph-mcp/run'] as { id: string }).id;
    const unclear = await client.callTool({ name: 'resume_run', arguments: { run_id: runId, answer: 'no' } });
    assert.equal((unclear._meta?.['graph-mcp/error'] as { code?: string } | undefined)?.code, 'ANSWER_INVALID', JSON.stringify(unclear));
    assert.match((unclear.content as Array<{ text: string }>)[0]!.text, /answer with the user's decision: \{"action": "accept"\}, \{"action": "decline"\} or \{"action": "cancel"\}/);
    const declined = await client.callTool({ name: 'resume_run', arguments: { run_id: runId, answer: 'decline' } });
    assert.equal((declined.structuredContent as { greeting?: string } | undefined)?.greeting, 'consent: decline', JSON.stringify(declined));
    // A round with a form beside it: the form is asked on the stream and its answer kept; the URL-mode question waits for resume_run.
    const mixed = await client.callTool({ name: 'form_and_link', arguments: {} });
    assert.deepEqual(forms.slice(1).map((form) => [form.message, form.mode]), [['What is your name?', undefined]]);
    const left = mixed._meta?.['graph-mcp/run'] as { id: string; questions?: Array<{ key: string }> } | undefined;
    assert.deepEqual(left?.questions?.map((question) => question.key), ['consent'], JSON.stringify(mixed));
    assert.match((mixed.content as Array<{ text: string }>)[0]!.text, /Give consent on the page \(https:\/\/consent\.example\/c\/2\)/);
    const both = await client.callTool({ name: 'resume_run', arguments: { run_id: left!.id, answer: 'accept' } });
    assert.deepEqual(both.structuredContent, { name: 'Ada', consent: 'accept' }, JSON.stringify(both));
    assert.equal(forms.length, 2, 'the form was not asked again');
  } finally {
    await client.close();
  }
});

test('a 2025-era client of a revision before 2025-06-18 (no MCP-Protocol-Version header), which knows no elicitation, gets the paused-run result at once, not a question it cannot answer', async () => {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-user': 'alice' };
  const answer = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ask_name', arguments: {} } }, headers);
  assert.equal(answer.messages.filter((message) => message.method === 'elicitation/create').length, 0, answer.text);
  const result = answer.messages.at(-1)?.result;
  assert.equal((result?._meta?.['graph-mcp/run'] as { status?: string } | undefined)?.status, 'input_required', answer.text);
  // The same call from a 2025-06-18 client is asked on its stream (read until the question comes, then left).
  const abort = new AbortController();
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { ...headers, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ask_name', arguments: {} } }),
    signal: abort.signal,
  });
  let streamed = '';
  const decoder = new TextDecoder();
  const deadline = setTimeout(() => abort.abort(), 10_000);
  try {
    for await (const chunk of response.body!) {
      streamed += decoder.decode(chunk as Uint8Array, { stream: true });
      if (streamed.includes('elicitation/create')) break;
    }
  } catch {
    // Aborted at the deadline: the assertion below says what came.
  } finally {
    clearTimeout(deadline);
    abort.abort();
  }
  assert.match(streamed, /"method":"elicitation\/create"/, streamed);
});
