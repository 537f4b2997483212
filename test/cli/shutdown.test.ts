// `graph-mcp serve` stopping on SIGTERM: runs in flight finish within the grace period (or are
// stopped with an error result after it), new requests are refused, and the exit code is 0.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { startServeProcess, type ServingProcess } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/server.js';
import { dropSchema, freezingProxy, freshSchema, postgresReady } from '../helpers/postgres.js';
import { callModern, envelope, modernHeaders, parseMessages, type RawAnswer } from '../helpers/raw.js';

// `slow`: four nodes of `ms` each, honouring the run's abort signal.
const BASIC = path.join(FIXTURES, 'graphs/basic.ts');

let dir: string;
const started: ServingProcess[] = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-shutdown-'));
});
afterEach(() => {
  // A test that failed half-way leaves no server behind.
  for (const serving of started.splice(0)) {
    if (serving.child.exitCode === null && serving.child.signalCode === null) serving.child.kill('SIGKILL');
  }
});
after(() => rm(dir, { recursive: true, force: true }));

async function serveConfig(name: string, config: object): Promise<ServingProcess> {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(config));
  const serving = await startServeProcess(['--config', file, '--port', '0']);
  started.push(serving);
  return serving;
}

interface StreamingCall {
  /** Resolves at the first progress notification: the run is under way. */
  running: Promise<void>;
  answer: Promise<RawAnswer>;
}

/** A 2026-07-28 tools/call that asks for progress, read as the stream arrives. */
function streamingCall(url: string, name: string, args: unknown, id: number): StreamingCall {
  let markRunning!: () => void;
  let failRunning!: (error: unknown) => void;
  const running = new Promise<void>((resolve, reject) => {
    markRunning = resolve;
    failRunning = reject;
  });
  const answer = (async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: modernHeaders('tools/call', name),
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: envelope({ name, arguments: args }, { progressToken: `progress-${id}` }) }),
    });
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes('notifications/progress')) markRunning();
    }
    text += decoder.decode();
    return { status: response.status, headers: response.headers, text, messages: parseMessages(text, response.headers.get('content-type')) };
  })();
  answer.then(() => failRunning(new Error('the call ended before any progress')), failRunning);
  return { running, answer };
}

async function waitForOutput(serving: ServingProcess, pattern: RegExp, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(serving.output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the output:\n${serving.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function exitOf(serving: ServingProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { child } = serving;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** A request sent once the server is stopping: the connection is refused, or the answer is 503. */
async function assertRefused(url: string): Promise<void> {
  const outcome = await fetch(url, {
    method: 'POST',
    headers: modernHeaders('tools/list'),
    body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/list', params: envelope() }),
  }).then(
    async (response) => ({ status: response.status, body: await response.text() }),
    (error: unknown) => ({ error }),
  );
  if ('error' in outcome) {
    const cause = (outcome.error as { cause?: { code?: string } }).cause;
    assert.ok(cause?.code === 'ECONNREFUSED' || cause?.code === 'ECONNRESET', `unexpected failure: ${String((outcome.error as Error).stack)}`);
  } else {
    assert.equal(outcome.status, 503, `a new request while stopping was served: ${outcome.body}`);
  }
}

describe('serve: SIGTERM', () => {
  // A grace period longer than the test's own timeout: waiting it out instead of exiting once the run is over would fail the
  // test. The longest one allowed too: the deadline past it must not overflow Node's timer, which would fire at once.
  for (const graceMs of [600_000, 2 ** 31 - 1]) test(`a run in flight finishes and answers; new requests are refused; exit 0 (grace ${graceMs} ms)`, { timeout: 60_000 }, async () => {
    const serving = await serveConfig(`graceful-${graceMs}`, { defaults: { shutdown_grace_ms: graceMs }, graphs: { slow: `${BASIC}:slow` } });
    const call = streamingCall(serving.url, 'slow', { label: `graceful-${graceMs}`, ms: 375 }, 1);
    await call.running;
    const exited = exitOf(serving);
    serving.child.kill('SIGTERM');
    await waitForOutput(serving, /"msg":"shutting down"/);
    assert.match(serving.output(), /"runs":1/, 'the run was counted as in flight');

    await assertRefused(serving.url);

    const answer = await call.answer;
    assert.equal(answer.status, 200);
    const result = answer.messages.find((message) => message.id === 1)?.result;
    assert.ok(result, `no result in ${answer.text}`);
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.deepEqual(result.structuredContent?.steps, ['one', 'two', 'three', 'four']);

    assert.deepEqual(await exited, { code: 0, signal: null }, serving.output());
    assert.doesNotMatch(serving.output(), /grace period over/);
    assert.match(serving.output(), /"msg":"stopped"/);
  });

  test('with nothing in flight the process exits 0 at once', { timeout: 30_000 }, async () => {
    // Nothing to wait for: a grace period longer than the test's timeout must not be waited out.
    const serving = await serveConfig('idle', { defaults: { shutdown_grace_ms: 600_000 }, graphs: { slow: `${BASIC}:slow` } });
    assert.equal(await serving.stop(), 0, serving.output());
    assert.match(serving.output(), /"runs":0,"msg":"shutting down"/);
  });

  test('after shutdown_grace_ms a run still going answers "shutting down" as an error result; exit 0', { timeout: 60_000 }, async () => {
    const serving = await serveConfig('short-grace', { defaults: { shutdown_grace_ms: 200 }, graphs: { slow: `${BASIC}:slow` } });
    // Four 1,250 ms nodes: 5 s unless stopped.
    const call = streamingCall(serving.url, 'slow', { label: 'cut-short', ms: 1_250 }, 7);
    await call.running;
    const exited = exitOf(serving);
    serving.child.kill('SIGTERM');

    const answer = await call.answer;
    const result = answer.messages.find((message) => message.id === 7)?.result;
    assert.ok(result, `no result in ${answer.text}`);
    assert.equal(result.isError, true, JSON.stringify(result));
    // Stopped, not left to finish: an answer after its fourth node would have its steps and no error.
    assert.match(result.content?.[0]?.text ?? '', /shutting down/);

    assert.deepEqual(await exited, { code: 0, signal: null }, serving.output());
    assert.match(serving.output(), /grace period over/);
  });

  test('a second signal while a run is still going exits at once with 1', { timeout: 60_000 }, async () => {
    const serving = await serveConfig('stuck', { defaults: { shutdown_grace_ms: 30_000 }, graphs: { slow: `${BASIC}:slow` } });
    const call = streamingCall(serving.url, 'slow', { label: 'second-signal', ms: 10_000 }, 2);
    await call.running;
    const exited = exitOf(serving);
    serving.child.kill('SIGTERM');
    await waitForOutput(serving, /"msg":"shutting down"/);
    assert.match(serving.output(), /"runs":1/);
    serving.child.kill('SIGTERM');

    assert.deepEqual(await exited, { code: 1, signal: null }, serving.output());
    assert.match(serving.output(), /second signal: exiting now/);
    await call.answer.catch(() => undefined);
  });
});

describe('errors graph code leaves outside its run', () => {
  const CARELESS = path.join(FIXTURES, 'graphs/careless.ts');

  test('a promise a graph lets reject unawaited is logged, and the server goes on serving (Node would exit)', async () => {
    const serving = await serveConfig('careless-rejection', { graphs: { careless: `${CARELESS}:careless` }, store: { type: 'memory' } });
    const first = await callModern(serving.url, 'careless', { mode: 'unawaited' });
    assert.equal(first.messages[0]?.result?.structuredContent?.out, 'done unawaited', first.text);
    await waitForOutput(serving, /"level":50.*a rejection nobody awaited.*nothing handled it/);
    const second = await callModern(serving.url, 'careless', { mode: 'fine' });
    assert.equal(second.messages[0]?.result?.structuredContent?.out, 'done fine', second.text);
    assert.equal(serving.child.exitCode, null, 'still running');
    assert.equal(await serving.stop(), 0);
  });

  test('a timer graph code left behind does not keep a stopped server alive: it exits once stopped', { timeout: 30_000 }, async () => {
    const serving = await serveConfig('careless-lingering', { graphs: { careless: `${CARELESS}:careless` }, store: { type: 'memory' } });
    const first = await callModern(serving.url, 'careless', { mode: 'lingering' });
    assert.equal(first.messages[0]?.result?.structuredContent?.out, 'done lingering', first.text);
    const exited = exitOf(serving);
    serving.child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null }, serving.output());
    assert.match(serving.output(), /"msg":"stopped"/);
  });

  test('exceptions thrown outside any run stop the server as SIGTERM does: the run in flight finishes, exit code 1; a second one does not cut the grace short', async () => {
    const serving = await serveConfig('careless-timer', {
      graphs: { careless: `${CARELESS}:careless`, slow: `${BASIC}:slow` },
      store: { type: 'memory' },
    });
    const inFlight = streamingCall(serving.url, 'slow', { label: 'in-flight', ms: 400 }, 7);
    await inFlight.running;
    const exited = exitOf(serving);
    const careless = await callModern(serving.url, 'careless', { mode: 'timers' });
    assert.equal(careless.messages[0]?.result?.structuredContent?.out, 'done timers', careless.text);
    const answer = await inFlight.answer;
    const result = answer.messages.find((message) => message.id === 7)?.result;
    assert.deepEqual(result?.structuredContent?.steps, ['one', 'two', 'three', 'four'], answer.text);
    assert.deepEqual(await exited, { code: 1, signal: null });
    assert.match(serving.output(), /"level":60.*thrown from a timer.*thrown outside any run/);
    assert.match(serving.output(), /"level":60.*thrown from a second timer.*thrown outside any run/);
    assert.doesNotMatch(serving.output(), /second signal/);
    assert.match(serving.output(), /"msg":"stopped"/);
  });
});

describe('a store that stands still while stopping', async () => {
  if (!(await postgresReady('stopping with PostgreSQL standing still'))) return;

  test('closing a store that no longer answers does not hold the process: it exits 1 past the grace period and a margin', { timeout: 60_000 }, async () => {
    const proxy = await freezingProxy();
    const schema = freshSchema('frozen_stop');
    try {
      const file = path.join(dir, 'frozen-stop.json');
      await writeFile(file, JSON.stringify({ graphs: { echo: `${BASIC}:echo` }, store: { type: 'postgres', schema }, defaults: { shutdown_grace_ms: 500 } }));
      const serving = await startServeProcess(['--config', file, '--port', '0'], { env: { DATABASE_URL: proxy.url } });
      started.push(serving);
      const exited = exitOf(serving);
      // The database host stops: its connections stay open and nothing answers on them.
      proxy.freeze();
      serving.child.kill('SIGTERM');
      assert.deepEqual(await exited, { code: 1, signal: null }, serving.output());
      assert.match(serving.output(), /stopping took longer than the grace period and 10 s more; exiting/);
    } finally {
      proxy.thaw();
      await proxy.close();
      await dropSchema(schema);
    }
  });
});
