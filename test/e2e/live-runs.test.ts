// Live runs: progress while a graph runs, stopping it (disconnect, cancel), and its time limits.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ran } from '../fixtures/graphs/basic.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { CALL_CANCEL_CHANNEL } from '../../src/mcp/server-factory.js';
import { until } from '../helpers/wait.js';
import { callLegacy, callModern, envelope, legacyHeaders, modernHeaders, parseMessages, post } from '../helpers/raw.js';

let server: TestServer;
before(async () => {
  server = await startServer({
    graphs: {
      slow: './graphs/basic.ts:slow',
      slow_limited: { path: './graphs/basic.ts:slow', timeout_ms: 300 },
      hangs: { path: './graphs/basic.ts:hangs', timeout_ms: 200 },
      busy: { path: './graphs/basic.ts:busy', timeout_ms: 200 },
      loop: { path: './graphs/basic.ts:loop', recursion_limit: 5 },
      count_to: './graphs/basic.ts:countTo',
      count_to_bound: './graphs/basic.ts:countToBound',
      count_to_bound_set: { path: './graphs/basic.ts:countToBound', recursion_limit: 10 },
      inner_limit: './graphs/basic.ts:innerLimit',
      dated: './graphs/basic.ts:datedInput',
      strict_context: './graphs/basic.ts:strictContext',
      strict_context_fr: { path: './graphs/basic.ts:strictContext', context: { locale: 'fr' } },
      strict_context_bound: './graphs/basic.ts:strictContextBound',
      tenant_agent: './graphs/agents.ts:tenantAgent',
      echo: './graphs/basic.ts:echo',
    },
  });
});
after(() => server.close(0));

async function v2(): Promise<V2Client> {
  const client = new V2Client({ name: 'live-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new V2Transport(new URL(server.url)));
  return client;
}

async function v1(url = server.url): Promise<V1Client> {
  const client = new V1Client({ name: 'live-v1', version: '1.0.0' });
  await client.connect(new V1Transport(new URL(url)));
  return client;
}

/** Which nodes of the `slow` graph finished for this label. */
function finished(label: string): string[] {
  return ran.filter((entry) => entry.startsWith(`${label}:`)).map((entry) => entry.slice(label.length + 1));
}

/** Waits until the run's first node has finished, so a stop lands mid-run however loaded the machine is. */
async function firstNodeDone(label: string) {
  const deadline = Date.now() + 10_000;
  while (!finished(label).includes('one')) {
    if (Date.now() > deadline) throw new Error(`node "one" of ${label} never finished`);
    await sleep(10);
  }
}

async function assertHealthy() {
  const answer = await callModern(server.url, 'echo', { text: 'ok' });
  assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'ok' });
  assert.equal(server.graphMcp.runs.size, 0, 'no run left behind');
}

describe('progress', () => {
  for (const [era, connect] of [['2026-07-28 (v2 client)', v2], ['2025-11-25 (v1 client)', v1]] as const) {
    test(`${era}: one notification per node and per custom message, in order, increasing, with a total`, async () => {
      const client = await connect();
      const updates: Array<{ progress: number; total?: number; message?: string }> = [];
      try {
        const params = { name: 'slow', arguments: { label: `progress-${era}`, ms: 5 } };
        const options = { onprogress: (update: { progress: number; total?: number; message?: string }) => void updates.push(update) };
        // The v1 client takes a result schema before the options.
        const result = client instanceof V1Client ? await client.callTool(params, undefined, options) : await client.callTool(params, options);
        assert.notEqual(result.isError, true);
        assert.deepEqual((result.structuredContent as { steps: string[] }).steps, ['one', 'two', 'three', 'four']);
      } finally {
        await client.close();
      }
      assert.deepEqual(
        updates.map((u) => u.message),
        ['one started', 'one', 'two started', 'two', 'three started', 'three', 'four started', 'four'],
      );
      for (let i = 1; i < updates.length; i += 1) assert.ok(updates[i]!.progress > updates[i - 1]!.progress, 'strictly increasing');
      assert.deepEqual(updates.filter((u) => Number.isInteger(u.progress)).map((u) => u.progress), [1, 2, 3, 4]);
      assert.ok(updates.every((u) => u.total === 4), 'a straight-line graph knows its total');
    });
  }

  test('without a progress token the answer is one JSON body, not a stream', async () => {
    const answer = await callModern(server.url, 'slow', { label: 'no-token', ms: 1 });
    assert.match(answer.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(answer.messages.length, 1);
  });

  test('v1 client with resetTimeoutOnProgress sees a run longer than its timeout through', async () => {
    const client = await v1();
    try {
      // Four 250 ms nodes (with progress at every start and end) under a 600 ms timeout:
      // the whole run (1 s) outlasts it, each stretch between two updates does not.
      let updates = 0;
      const result = await client.callTool({ name: 'slow', arguments: { label: 'reset', ms: 250 } }, undefined, {
        timeout: 600,
        resetTimeoutOnProgress: true,
        onprogress: () => {
          updates += 1;
        },
      });
      assert.notEqual(result.isError, true);
      assert.deepEqual((result.structuredContent as { steps?: string[] } | undefined)?.steps, ['one', 'two', 'three', 'four']);
      assert.equal(updates, 8, 'progress at every node start and end reset the timeout');
    } finally {
      await client.close();
    }
  });
});

describe('stopping a run', () => {
  test('a client that disconnects aborts the graph: no further nodes run', async () => {
    const controller = new AbortController();
    const call = fetch(server.url, {
      method: 'POST',
      headers: modernHeaders('tools/call', 'slow'),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'slow', arguments: { label: 'disconnect', ms: 200 } }) }),
      signal: controller.signal,
    });
    await firstNodeDone('disconnect');
    controller.abort();
    await assert.rejects(call);
    await sleep(700);
    assert.deepEqual(finished('disconnect'), ['one']);
    const line = server.logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'mcp request' && l.tool === 'slow' && l.outcome !== 'ok');
    assert.equal(line?.outcome, 'cancelled', 'the request log says the client went away');
    assert.equal(line.http.status, undefined, 'no status: nothing was answered');
    await assertHealthy();
  });

  test('a 2025-era cancel naming an id no client would send (over 256 characters) is not passed to the other processes through the store; one naming an unknown short id is', async () => {
    const passed: unknown[] = [];
    const stop = await server.graphMcp.store!.signals.subscribe(CALL_CANCEL_CHANNEL, (payload) => passed.push(payload));
    try {
      for (const requestId of ['x'.repeat(100_000), 'nobody-runs-this']) {
        const answer = await post(server.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'probe' } }, legacyHeaders());
        assert.equal(answer.status, 202);
      }
      await until('the short one to be passed on', async () => (passed.length > 0 ? true : undefined), 5_000);
      await sleep(200);
      assert.deepEqual(passed.map((payload) => (payload as { requestId: unknown }).requestId), ['nobody-runs-this']);
    } finally {
      stop();
    }
  });

  test('2025-11-25: notifications/cancelled (sent in a new POST) finds and stops the run', async () => {
    // A server of its own: on the shared one, other tests' v1 clients ended calls under the
    // same request id within the minute, which makes a cancel naming it ambiguous (see below).
    const own = await startServer({ graphs: { slow: './graphs/basic.ts:slow' } });
    try {
      const client = await v1(own.url);
      const controller = new AbortController();
      const call = client.callTool({ name: 'slow', arguments: { label: 'cancel-v1', ms: 200 } }, undefined, { signal: controller.signal });
      await firstNodeDone('cancel-v1');
      controller.abort('user pressed stop');
      await assert.rejects(call);
      await sleep(700);
      await client.close();
      assert.deepEqual(finished('cancel-v1'), ['one']);
      const cancelLog = own.logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'mcp request' && l.method === 'notifications/cancelled');
      assert.equal(cancelLog?.outcome, 'cancelled', 'the run was found by (principal, request id)');
      assert.equal(own.graphMcp.runs.size, 0, 'no run left behind');
    } finally {
      await own.close(0);
    }
  });

  test("2025-11-25: an authenticated user's notifications/cancelled stops their own call; another user's naming the same id does not", async () => {
    // No store: a cancel not found on this process is not passed on to others, which would find the call by its owner.
    const own = await startServer(
      { graphs: { slow: './graphs/basic.ts:slow' } },
      { load: { store: null, authenticate: (request) => ({ id: request.headers.get('x-user') ?? 'anonymous', scopes: [] }) } },
    );
    const cancel = (user: string) => post(own.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } }, legacyHeaders({ 'x-user': user }));
    try {
      const call = post(own.url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow', arguments: { label: 'cancel-own', ms: 250 } } }, legacyHeaders({ 'x-user': 'alice' }));
      await firstNodeDone('cancel-own');
      assert.equal((await cancel('bob')).status, 202);
      const deadline = Date.now() + 10_000;
      while (!finished('cancel-own').includes('two') && Date.now() < deadline) await sleep(10);
      assert.deepEqual(finished('cancel-own'), ['one', 'two'], "bob's cancel did not stop alice's call");
      assert.equal((await cancel('alice')).status, 202);
      await call;
      await sleep(700);
      assert.ok(!finished('cancel-own').includes('four'), `alice's cancel stopped it: ${finished('cancel-own').join(', ')}`);
      const outcomes = own.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'mcp request' && l.method === 'notifications/cancelled').map((l) => [l.principal, l.outcome]);
      assert.deepEqual(outcomes, [['bob', 'not_running'], ['alice', 'cancelled']]);
    } finally {
      await own.close(0);
    }
  });

  test('a 2026-07-28 notifications/cancelled does not stop a 2025-era call under the same id: 2026-07-28 cancels by closing the request', async () => {
    const own = await startServer({ graphs: { slow: './graphs/basic.ts:slow' } });
    try {
      const call = callLegacy(own.url, 'slow', { label: 'cross-era', ms: 150 }, 77);
      await firstNodeDone('cross-era');
      const cancel = await post(
        own.url,
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: envelope({ requestId: 77 }) },
        modernHeaders('notifications/cancelled'),
      );
      assert.equal(cancel.status, 202);
      const answer = await call;
      assert.equal(answer.messages.at(-1)?.result?.isError, undefined, answer.text);
      assert.deepEqual(finished('cross-era'), ['one', 'two', 'three', 'four'], 'the call ran to its end');
      const cancelLog = own.logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'mcp request' && l.method === 'notifications/cancelled');
      assert.equal(cancelLog?.outcome, 'ignored');
    } finally {
      await own.close(0);
    }
  });

  test("2025-11-25: a late cancel for a call already answered does not stop another client's call under the same id", async () => {
    // The v1 SDK's client keeps listening to a call's abort signal after the answer: a signal
    // that fires later (a LangChain tool `timeout`) sends notifications/cancelled for it anyway.
    const early = await v1();
    const late = await v1();
    try {
      const controller = new AbortController();
      const answered = await early.callTool({ name: 'slow', arguments: { label: 'stale-a', ms: 1 } }, undefined, { signal: controller.signal });
      assert.notEqual(answered.isError, true);
      // Both clients count their requests alike: this call has the id the first one had.
      const call = late.callTool({ name: 'slow', arguments: { label: 'stale-b', ms: 200 } }, undefined, { timeout: 15_000 });
      await firstNodeDone('stale-b');
      const before = server.logs.lines.length;
      controller.abort('a timer that outlived its call');
      const result = await call;
      assert.notEqual(result.isError, true);
      assert.deepEqual(finished('stale-b'), ['one', 'two', 'three', 'four'], 'the other call ran to its end');
      const cancelLog = server.logs.lines
        .slice(before)
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === 'mcp request' && l.method === 'notifications/cancelled');
      assert.equal(cancelLog?.outcome, 'ambiguous');
    } finally {
      await early.close();
      await late.close();
    }
    await assertHealthy();
  });

  test('2025-11-25: a call cancelled by notifications/cancelled gets no response; its stream ends', async () => {
    const call = fetch(server.url, {
      method: 'POST',
      headers: legacyHeaders(),
      body: JSON.stringify({ jsonrpc: '2.0', id: 'to-cancel', method: 'tools/call', params: { name: 'slow', arguments: { label: 'cancel-raw', ms: 200 } } }),
    }).then((response) => response.text());
    await firstNodeDone('cancel-raw');
    const notice = await post(server.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'to-cancel', reason: 'stop' } }, legacyHeaders());
    assert.equal(notice.status, 202);
    const text = await call;
    assert.deepEqual(parseMessages(text, 'text/event-stream').filter((m) => m.id === 'to-cancel'), [], `no response for a cancelled request: ${text}`);
    await sleep(700);
    assert.deepEqual(finished('cancel-raw'), ['one']);
    await assertHealthy();
  });

  test('2026-07-28: a v2 client that aborts its call stops the run', async () => {
    const client = await v2();
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { label: 'cancel-v2', ms: 200 } }, { signal: controller.signal });
    await firstNodeDone('cancel-v2');
    controller.abort('user pressed stop');
    await assert.rejects(call);
    await sleep(700);
    await client.close();
    assert.deepEqual(finished('cancel-v2'), ['one']);
    await assertHealthy();
  });
});

describe('time limits', () => {
  test('a run past its timeout_ms is stopped and answered with an isError result', async () => {
    const answer = await callModern(server.url, 'slow_limited', { label: 'timeout', ms: 200 });
    const result = answer.messages[0]?.result;
    assert.equal(result?.isError, true);
    assert.equal(result.content[0].text, 'Tool "slow_limited" timed out after 300 ms; the run was stopped.');
    await sleep(500);
    // Each node takes 200 ms and the limit is 300 ms: node two and later must never finish.
    assert.deepEqual(finished('timeout').filter((node) => node !== 'one'), [], 'nothing ran after the limit');
    await assertHealthy();
  });

  test('a node that ignores its abort signal still times out', async () => {
    const answer = await callModern(server.url, 'hangs', {});
    assert.match(answer.messages[0]?.result?.content[0].text, /timed out after 200 ms/);
    await assertHealthy();
  });

  test('a run that kept the process busy past its limit is answered as timed out, not as a success (both eras)', async () => {
    // The limit's timer cannot fire while a node runs synchronously, and LangGraph goes on to the
    // next node without giving timers a turn: the run ends, late, and must not pass for in time.
    for (const [era, call] of [['2026', callModern], ['2025', callLegacy]] as const) {
      const answer = await call(server.url, 'busy', { label: `busy-${era}`, ms: 400 });
      const result = answer.messages.at(-1)?.result;
      assert.equal(result?.isError, true, `${era}: ${JSON.stringify(result)}`);
      assert.equal(result._meta?.['graph-mcp/error']?.code, 'RUN_TIMEOUT');
      assert.match(result.content[0].text, /timed out after 200 ms: a node kept the process busy past the limit/);
      assert.equal(result.structuredContent, undefined, 'no result of a late run');
      assert.deepEqual(finished(`busy-${era}`), ['spin', 'after'], 'it did run to its end');
    }
    // In time, the same graph answers.
    const quick = await callModern(server.url, 'busy', { label: 'busy-quick', ms: 1 });
    assert.deepEqual(quick.messages[0]?.result?.structuredContent?.steps, ['spin', 'after']);
    await assertHealthy();
  });

  test('the recursion limit is honoured and reported', async () => {
    const answer = await callModern(server.url, 'loop', {});
    const result = answer.messages[0]?.result;
    assert.equal(result?.isError, true);
    assert.equal(result.content[0].text, 'Tool "loop" stopped: the graph reached its recursion limit of 5 steps without finishing.');
    await assertHealthy();
  });

  test("a zod error from the graph (LangGraph's check of the input against a zod state) reads as its issues, not zod's JSON", async () => {
    const result = (await callModern(server.url, 'dated', { name: 'a', when: '2024-05-01T00:00:00Z' })).messages[0]?.result;
    assert.equal(result?.isError, true);
    assert.match(result.content[0].text, /^Tool "dated" failed: when: .*date/i, result.content[0].text);
    assert.doesNotMatch(result.content[0].text, /"code"|\[\n/, 'no JSON of the issues');
  });

  test("a graph with a strict context schema is served (LangGraph checked graph-mcp's configurable against it), and reads the configured context, in both eras", async () => {
    for (const call of [callModern, callLegacy]) {
      const plain = (await call(server.url, 'strict_context', { name: 'Ada' })).messages.at(-1)?.result;
      assert.deepEqual(plain?.structuredContent, { name: 'Ada', greeting: 'Hello, Ada' }, JSON.stringify(plain));
      const fr = (await call(server.url, 'strict_context_fr', { name: 'Ada' })).messages.at(-1)?.result;
      assert.deepEqual(fr?.structuredContent, { name: 'Ada', greeting: 'Bonjour, Ada' }, JSON.stringify(fr));
      // A context the graph was bound to is kept, also inside a binding; an agent's (out of sight) too.
      const bound = (await call(server.url, 'strict_context_bound', { name: 'Ada' })).messages.at(-1)?.result;
      assert.deepEqual(bound?.structuredContent, { name: 'Ada', greeting: 'Bonjour, Ada' }, JSON.stringify(bound));
      const agent = (await call(server.url, 'tenant_agent', { message: 'hi' })).messages.at(-1)?.result;
      assert.notEqual(agent?.isError, true, JSON.stringify(agent));
    }
  });

  test("a limit the graph was bound to (withConfig) is the graph's, over the default; the entry's own limit overrides it; the message names the limit reached", async () => {
    const outcome = async (name: string, to: number) => {
      const result = (await callModern(server.url, name, { to })).messages[0]?.result;
      return result?.isError ? result.content[0].text : result?.structuredContent?.n;
    };
    assert.equal(await outcome('count_to', 20), 20);
    assert.equal(await outcome('count_to', 30), 'Tool "count_to" stopped: the graph reached its recursion limit of 25 steps without finishing.');
    assert.equal(await outcome('count_to_bound', 30), 30, 'bound to 40: not cut at the default 25');
    assert.equal(await outcome('count_to_bound', 50), 'Tool "count_to_bound" stopped: the graph reached its recursion limit of 40 steps without finishing.');
    assert.equal(await outcome('count_to_bound_set', 30), 'Tool "count_to_bound_set" stopped: the graph reached its recursion limit of 10 steps without finishing.');
    // A subgraph a node runs under a limit of its own stops at that one.
    const inner = (await callLegacy(server.url, 'inner_limit', {})).messages.at(-1)?.result;
    assert.equal(inner?.content?.[0]?.text, 'Tool "inner_limit" stopped: the graph reached its recursion limit of 3 steps without finishing.');
  });
});
