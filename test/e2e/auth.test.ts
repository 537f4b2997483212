// Two users with different scopes and different downstream tokens, end to end.
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import type { ToolMessage } from '@langchain/core/messages';
import { loadGraphMcp, type AgentConfigInput, type SecretStore } from '../../src/index.js';
import { startNotesServer, type NotesServer } from '../../examples/notes-server.js';
import { captureLogs, FIXTURES, ROOT, startServer, type TestServer, graphToolNames } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { callModern, envelope, legacyHeaders, modernHeaders, post, taskRequest } from '../helpers/raw.js';

const CANARY = `canary-secret-${randomBytes(6).toString('hex')}`;
const JWT_SECRET = randomBytes(32).toString('base64');
const ISSUER = 'https://issuer.test';
const AUDIENCE = 'graph-mcp-test';

/** A project's own secret store, plugged in through the interface. */
class MapSecretStore implements SecretStore {
  constructor(private readonly values: Record<string, Record<string, Record<string, string>>>) {}
  async get(principalId: string, server: string) {
    return this.values[principalId]?.[server];
  }
}

function sign(claims: Record<string, unknown>, options: jwt.SignOptions = {}) {
  return jwt.sign(claims, JWT_SECRET, { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE, expiresIn: '5m', ...options });
}

const alice = sign({ sub: 'alice', scope: 'mcp notes admin', name: 'Alice' });
const bob = sign({ sub: 'bob', scope: 'mcp notes', name: 'Bob' });
const carol = sign({ sub: 'carol', scope: 'notes' });

let notes: NotesServer;
let server: TestServer;
/** Everything any client received, to look for the canary in. */
const received: string[] = [];

before(async () => {
  process.env.TEST_JWT_SECRET = JWT_SECRET;
  notes = await startNotesServer({ [CANARY]: 'alice', 'notes-token-bob': 'bob' });
  server = await startServer(
    {
      auth: {
        jwt: { secret_env: 'TEST_JWT_SECRET', algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE },
        required_scopes: ['mcp'],
        resource_metadata: { resource: 'https://agents.example.test/mcp', authorization_servers: [ISSUER], resource_name: 'test agents' },
      },
      secrets: { servers: { notes: { url: notes.url }, session: { url: notes.url }, basic: { url: notes.url }, api: { url: notes.url } } },
      graphs: {
        whoami: './test/fixtures/graphs/basic.ts:whoami',
        notes: { path: './graphs/notes.ts:graph', access: { scopes: ['notes'] } },
        admin_echo: { path: './test/fixtures/graphs/basic.ts:echo', access: { scopes: ['admin'] } },
        leaky: './test/fixtures/graphs/basic.ts:leaky',
        // The same graph with an output schema that names every key it may return.
        leaky_strict: {
          path: './test/fixtures/graphs/basic.ts:leaky',
          output_schema: {
            type: 'object',
            properties: { mode: { type: 'string' }, value: { type: 'string' }, by_token: { type: 'object', additionalProperties: false } },
          },
        },
        // Its value as the graph writes it, which the credential's redaction no longer matches.
        leaky_pattern: {
          path: './test/fixtures/graphs/basic.ts:leaky',
          output_schema: { type: 'object', properties: { value: { type: 'string', pattern: '^the header is Bearer ' } } },
        },
      },
    },
    {
      baseDir: ROOT,
      load: {
        secretStore: new MapSecretStore({
          alice: {
            notes: { Authorization: `Bearer ${CANARY}` },
            session: { Cookie: `theme=dark; sid=${CANARY}-sid` },
            basic: { Authorization: `Basic ${Buffer.from(`alice:${CANARY}-pw`).toString('base64')}` },
            api: { 'X-Api-Key': `${CANARY}/+=key` },
          },
          bob: { notes: { Authorization: 'Bearer notes-token-bob' } },
        }),
      },
    },
  );
});
after(async () => {
  await server?.close(0);
  await notes?.close();
});

const bearer = (value: string) => ({ Authorization: `Bearer ${value}` });

async function v1(tokenValue: string) {
  const client = new V1Client({ name: 'auth-v1', version: '1.0.0' });
  await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: bearer(tokenValue) } }));
  return client;
}

async function v2(tokenValue: string) {
  const client = new V2Client({ name: 'auth-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new V2Transport(new URL(server.url), { requestInit: { headers: bearer(tokenValue) } }));
  return client;
}

describe('who sees and calls what', () => {
  test('v1 client: each user lists only the tools their scopes allow', async () => {
    for (const [tokenValue, expected] of [
      [alice, ['admin_echo', 'leaky', 'leaky_pattern', 'leaky_strict', 'notes', 'whoami']],
      [bob, ['leaky', 'leaky_pattern', 'leaky_strict', 'notes', 'whoami']],
    ] as const) {
      const client = await v1(tokenValue);
      const { tools } = await client.listTools();
      received.push(JSON.stringify(tools));
      assert.deepEqual(graphToolNames(tools), expected);
      await client.close();
    }
  });

  test('calling a tool the user may not call is answered exactly like an unknown tool', async () => {
    const client = await v1(bob);
    const denied = await client.callTool({ name: 'admin_echo', arguments: { text: 'x' } }).catch((error: Error) => error);
    const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} }).catch((error: Error) => error);
    await client.close();
    assert.ok(denied instanceof Error && unknown instanceof Error);
    assert.equal((denied as { code?: number }).code, -32602);
    assert.equal(denied.message.replace('admin_echo', 'X'), unknown.message.replace('no_such_tool', 'X'));
  });

  test('v2 client: the run sees the caller as LangGraph names it (langgraph_auth_user_id, _permissions)', async () => {
    const client = await v2(alice);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    received.push(JSON.stringify(result));
    assert.deepEqual(result.structuredContent, { user: 'alice', scopes: ['mcp', 'notes', 'admin'] });
  });
});

describe('user-scoped downstream credentials', () => {
  test("alice's run reaches the notes server with alice's token, bob's with bob's, never the inbound JWT", async () => {
    const seenBefore = notes.seenAuthorization.length;
    const aliceClient = await v1(alice);
    const added = await aliceClient.callTool({ name: 'notes', arguments: { action: 'add', text: 'buy milk' } });
    await aliceClient.close();
    received.push(JSON.stringify(added));
    assert.notEqual(added.isError, true, JSON.stringify(added.content));
    assert.deepEqual(added.structuredContent, { user: 'alice', notes: ['buy milk'] });

    // bob, through MultiServerMCPClient with an Authorization header
    const multi = new MultiServerMCPClient({ mcpServers: { agents: { url: server.url, transport: 'http', headers: bearer(bob) } } });
    const tools = await multi.getTools();
    const notesTool = tools.find((t) => t.name === 'notes')!;
    const message = (await notesTool.invoke({ type: 'tool_call', id: 'n1', name: 'notes', args: { action: 'list' } })) as ToolMessage;
    await multi.close();
    received.push(JSON.stringify(message));
    const data = (message.artifact as Array<{ type: string; data?: unknown }>).find((a) => a.type === 'mcp_structured_content')?.data;
    assert.deepEqual(data, { user: 'bob', notes: [] }, "bob does not see alice's notes");

    const seen = notes.seenAuthorization.slice(seenBefore);
    assert.ok(seen.includes(`Bearer ${CANARY}`), "alice's downstream token was used");
    assert.ok(seen.includes('Bearer notes-token-bob'), "bob's downstream token was used");
    for (const header of seen) {
      assert.ok(!header.includes(alice) && !header.includes(bob), 'the inbound token is never forwarded');
    }
  });

  test('a graph that puts a credential in its output or its error gets it redacted', async () => {
    const client = await v1(alice);
    const output = await client.callTool({ name: 'leaky', arguments: { mode: 'return' } });
    const thrown = await client.callTool({ name: 'leaky', arguments: { mode: 'throw' } });
    await client.close();
    received.push(JSON.stringify(output), JSON.stringify(thrown));
    assert.deepEqual(output.structuredContent, { mode: 'return', value: 'the header is [redacted]' });
    assert.equal(thrown.isError, true);
    assert.match((thrown.content as Array<{ text: string }>)[0]!.text, /downstream refused \[redacted\]/);
  });

  test("a credential's parts and forms (a cookie's value, a Basic password, URL-encoded, base64, as bytes), and another caller's a graph kept, are redacted too", async () => {
    const client = await v1(alice);
    const texts: Record<string, string> = {};
    for (const mode of ['cookie', 'basic', 'url', 'base64', 'bytes']) {
      const answer = await client.callTool({ name: 'leaky', arguments: { mode } });
      received.push(JSON.stringify(answer));
      assert.equal(answer.isError, true, mode);
      texts[mode] = (answer.content as Array<{ text: string }>)[0]!.text;
    }
    await client.close();
    assert.match(texts.cookie!, /session \[redacted\] expired/);
    assert.match(texts.basic!, /login \[redacted\] refused/);
    assert.match(texts.url!, /access_token=\[redacted\] failed/);
    assert.match(texts.base64!, /sent \[redacted\]/);
    await until('the bytes to be logged', async () => (server.logs.text().includes('"body":"[') ? true : undefined), 5_000);
    assert.ok(!/"body":\{"0":/.test(server.logs.text()), 'bytes are logged as their count, not a number per byte');
    // A graph that keeps alice's token (a client cached per process) fails bob's run quoting it.
    const first = await v1(alice);
    await first.callTool({ name: 'leaky', arguments: { mode: 'keep' } });
    await first.close();
    const other = await v1(bob);
    const cross = await other.callTool({ name: 'leaky', arguments: { mode: 'cross' } });
    await other.close();
    received.push(JSON.stringify(cross));
    assert.match((cross.content as Array<{ text: string }>)[0]!.text, /cached from an earlier run: \[redacted\]/);
    await until('the request to be logged', async () => (server.logs.text().includes('cached from an earlier run') ? true : undefined), 5_000);
    const logs = server.logs.text();
    for (const form of [`${CANARY}/+=key`, `${CANARY}-pw`, `${CANARY}-sid`]) {
      assert.ok(!logs.includes(Buffer.from(form).toString('base64')) && !received.join('\n').includes(Buffer.from(form).toString('base64')), `no base64 of ${form}`);
    }
    // (the canary itself, in any of these, is looked for in every log line and result below)
  });

  test('a graph that puts a credential in a progress message (config.writer) gets it redacted', async () => {
    const messages: string[] = [];
    const onprogress = (progress: { message?: string }) => {
      messages.push(String(progress.message));
    };
    const legacy = await v1(alice);
    received.push(JSON.stringify(await legacy.callTool({ name: 'leaky', arguments: { mode: 'progress' } }, undefined, { onprogress })));
    await legacy.close();
    const modern = await v2(alice);
    received.push(JSON.stringify(await modern.callTool({ name: 'leaky', arguments: { mode: 'progress' } }, { onprogress })));
    await modern.close();
    received.push(...messages);
    assert.deepEqual(messages.filter((m) => m.startsWith('calling notes')), ['calling notes with [redacted]', 'calling notes with [redacted]']);
  });

  test('a credential in a question (the interrupt value) is redacted wherever the question is asked', async () => {
    const asked: string[] = [];
    // 2026-07-28: inputRequests.
    const modern = await post(
      server.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'leaky', arguments: { mode: 'ask' } }, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } }) },
      { ...modernHeaders('tools/call', 'leaky'), ...bearer(alice) },
    );
    const inputRequests = modern.messages[0]?.result?.inputRequests;
    assert.ok(inputRequests, modern.text);
    asked.push(JSON.stringify(inputRequests));
    // 2025 with elicitation: the elicitation/create message on the call's stream.
    const legacy = new V1Client({ name: 'auth-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    legacy.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return { action: 'decline' };
    });
    await legacy.connect(new V1Transport(new URL(server.url), { requestInit: { headers: bearer(alice) } }));
    received.push(JSON.stringify(await legacy.callTool({ name: 'leaky', arguments: { mode: 'ask' } })));
    await legacy.close();
    // Without elicitation: the paused-run result that tells how to answer through resume_run.
    const paused = await v1(alice);
    const pausedResult = await paused.callTool({ name: 'leaky', arguments: { mode: 'ask' } });
    await paused.close();
    asked.push(JSON.stringify(pausedResult));
    // A task: its status message and inputRequests in tasks/get.
    const created = (await taskRequest(server.url, 'tools/call', { name: 'leaky', arguments: { mode: 'ask' } }, bearer(alice))).result;
    assert.equal(created?.resultType, 'task', JSON.stringify(created));
    const waiting = await until('the task to ask', async () => {
      const got = (await taskRequest(server.url, 'tasks/get', { taskId: created.taskId }, bearer(alice))).result;
      return got?.status === 'input_required' ? got : undefined;
    }, 10_000);
    asked.push(JSON.stringify(waiting));
    await taskRequest(server.url, 'tasks/cancel', { taskId: created.taskId }, bearer(alice));
    received.push(...asked);
    assert.equal(asked.length, 4);
    for (const text of asked) {
      assert.ok(!text.includes(CANARY), text);
      assert.match(text, /May I call notes with \[redacted\]\?/);
    }
  });

  test('a credential used as an output object key is redacted, in the result and in an output-schema error', async () => {
    const client = await v1(alice);
    const keyed = await client.callTool({ name: 'leaky', arguments: { mode: 'key' } });
    const refused = await client.callTool({ name: 'leaky_strict', arguments: { mode: 'key' } });
    await client.close();
    received.push(JSON.stringify(keyed), JSON.stringify(refused));
    assert.deepEqual((keyed.structuredContent as { by_token?: unknown }).by_token, { '[redacted]': 'alice' });
    assert.equal(refused.isError, true);
    const text = (refused.content as Array<{ text: string }>)[0]!.text;
    assert.match(text, /output schema/);
    assert.ok(!text.includes(CANARY), text);
  });

  test('output that no longer matches its schema once a credential is redacted is refused, not sent unchecked', async () => {
    // Sent as it was checked, the result would fail the schema the client was shown: the v1
    // client throws on a structuredContent that does not match (-32602).
    for (const client of [await v1(alice), await v2(alice)]) {
      const refused = await client.callTool({ name: 'leaky_pattern', arguments: { mode: 'return' } });
      await client.close();
      received.push(JSON.stringify(refused));
      assert.equal(refused.isError, true);
      assert.equal(refused.structuredContent, undefined);
      const text = (refused.content as Array<{ text: string }>)[0]!.text;
      assert.match(text, /does not match its output schema once the credentials the run was given were removed from it/);
      assert.match(text, /- value: must match pattern/);
      assert.ok(!text.includes(CANARY), text);
    }
  });
});

describe('refusals follow the MCP authorization spec', () => {
  const METADATA_URL = 'https://agents.example.test/.well-known/oauth-protected-resource/mcp';
  const list = (headers: Record<string, string>) => post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { ...legacyHeaders(), ...headers });

  test('no token: 401 with a Bearer challenge naming the resource metadata', async () => {
    const answer = await list({});
    assert.equal(answer.status, 401);
    assert.equal(answer.headers.get('www-authenticate'), `Bearer scope="mcp", resource_metadata="${METADATA_URL}"`);
  });

  test('a malformed Authorization header: 400 invalid_request', async () => {
    for (const header of ['Basic YWxpY2U6cHc=', 'Bearer', 'Bearer two tokens']) {
      const answer = await list({ Authorization: header });
      assert.equal(answer.status, 400, header);
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_request"/);
    }
  });

  test('two Authorization headers: 400 invalid_request, whichever comes first (a proxy may have read the other)', async () => {
    const url = new URL(server.url);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    for (const pair of [[alice, 'not-a-token'], ['not-a-token', alice]]) {
      const answer = await new Promise<{ status: number; challenge: string | undefined }>((resolve, reject) => {
        const request = http.request(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: ['host', url.host, 'content-type', 'application/json', 'accept', 'application/json, text/event-stream', 'mcp-protocol-version', '2025-11-25', 'authorization', `Bearer ${pair[0]}`, 'authorization', `Bearer ${pair[1]}`] },
          (response) => {
            response.resume();
            response.on('end', () => resolve({ status: response.statusCode ?? 0, challenge: response.headers['www-authenticate'] }));
          },
        );
        request.on('error', reject);
        request.end(body);
      });
      assert.equal(answer.status, 400, pair.join(' / '));
      assert.match(answer.challenge ?? '', /^Bearer error="invalid_request"/);
    }
  });

  const refusedTokens: Array<[string, () => string, RegExp]> = [
    ['a bad signature', () => jwt.sign({ sub: 'alice', scope: 'mcp' }, randomBytes(32), { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE }), /invalid signature/],
    ['alg none', () => jwt.sign({ sub: 'alice', scope: 'mcp', iss: ISSUER, aud: AUDIENCE }, '', { algorithm: 'none' }), /token algorithm not allowed|invalid token/],
    ['expired', () => jwt.sign({ sub: 'alice', scope: 'mcp', exp: Math.floor(Date.now() / 1000) - 600 }, JWT_SECRET, { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE }), /token expired/],
    ['no expiry', () => jwt.sign({ sub: 'alice', scope: 'mcp' }, JWT_SECRET, { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE }), /token has no expiry \(exp claim\)/],
    ['not yet valid', () => sign({ sub: 'alice', scope: 'mcp' }, { notBefore: '1h' }), /token not yet valid/],
    ['a wrong issuer', () => sign({ sub: 'alice', scope: 'mcp' }, { issuer: 'https://evil.test' }), /token issuer invalid/],
    ['a wrong audience', () => sign({ sub: 'alice', scope: 'mcp' }, { audience: 'someone-else' }), /token audience invalid/],
    ['garbage', () => 'not.a.jwt', /invalid token/],
  ];
  for (const [what, make, reason] of refusedTokens) {
    test(`${what}: 401 invalid_token, and the log line says why`, async () => {
      const before = server.logs.lines.length;
      const answer = await list(bearer(make()));
      assert.equal(answer.status, 401);
      const line = await until('the request log line', async () =>
        server.logs.lines.slice(before).map((text) => JSON.parse(text)).find((l) => l.msg === 'mcp request' && l.http.status === 401),
      5_000);
      assert.equal(line.outcome, 'refused');
      assert.match(line.detail, reason);
      const challenge = answer.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /^Bearer error="invalid_token", error_description="[^"]*"/);
      assert.match(challenge, reason);
      assert.match(challenge, new RegExp(`resource_metadata="${METADATA_URL}"`));
      // What was wrong, never what the server would accept.
      for (const text of [challenge, answer.text]) {
        assert.ok(!text.includes('expected') && !text.includes(AUDIENCE) && !text.includes(ISSUER.replace('https://', '')), text);
      }
    });
  }

  test('a valid token without the required scope: 403 insufficient_scope', async () => {
    const answer = await list(bearer(carol));
    assert.equal(answer.status, 403);
    assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer error="insufficient_scope", error_description="[^"]*", scope="mcp"/);
  });

  test('GET /info, which asks for no credentials, names no graph once callers must authenticate', async () => {
    const response = await fetch(new URL('/info', server.url));
    assert.equal(response.status, 200);
    const info = (await response.json()) as Record<string, unknown>;
    assert.equal(info.mcp, '/mcp');
    assert.equal(info.graphs, undefined);
    assert.doesNotMatch(JSON.stringify(info), /admin_echo|notes/);
  });

  test('RFC 9728 protected resource metadata is served at both well-known paths; its scopes include required_scopes', async () => {
    const origin = new URL(server.url).origin;
    for (const suffix of ['', '/mcp']) {
      const response = await fetch(`${origin}/.well-known/oauth-protected-resource${suffix}`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), {
        resource: 'https://agents.example.test/mcp',
        authorization_servers: [ISSUER],
        bearer_methods_supported: ['header'],
        scopes_supported: ['mcp', 'notes', 'admin'],
        resource_name: 'test agents',
      });
    }
  });

  test('the server keeps serving after refusals', async () => {
    const answer = await callModern(server.url, 'whoami', {}, 1, {});
    assert.equal(answer.status, 401);
    const ok = await post(
      server.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
      { ...legacyHeaders(), ...bearer(bob) },
    );
    assert.deepEqual(ok.messages[0]?.result?.structuredContent, { user: 'bob', scopes: ['mcp', 'notes'] });
  });
});

describe('algorithm confusion', () => {
  let dir: string;
  let rsServer: TestServer;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-rs-'));
    await writeFile(path.join(dir, 'public.pem'), publicPem);
    rsServer = await startServer(
      {
        auth: { jwt: { public_key_path: path.join(dir, 'public.pem'), algorithms: ['RS256'], issuer: ISSUER, audience: AUDIENCE } },
        graphs: { whoami: './graphs/basic.ts:whoami' },
      },
    );
  });
  after(async () => {
    await rsServer?.close(0);
    await rm(dir, { recursive: true, force: true });
  });

  const listWith = (tokenValue: string) => post(rsServer.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { ...legacyHeaders(), ...bearer(tokenValue) });

  test('an RS256 token signed with the private key is accepted', async () => {
    const good = jwt.sign({ sub: 'dave', scope: '' }, privateKey, { algorithm: 'RS256', issuer: ISSUER, audience: AUDIENCE, expiresIn: '5m' });
    assert.equal((await listWith(good)).status, 200);
  });

  test('an HS256 token signed with the RS public key as its secret is refused', async () => {
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'mallory', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300 })}`;
    const forged = `${unsigned}.${createHmac('sha256', publicPem).update(unsigned).digest('base64url')}`;
    const answer = await listWith(forged);
    assert.equal(answer.status, 401);
    assert.match(answer.headers.get('www-authenticate') ?? '', /token algorithm not allowed/);
  });
});

test('a public_key_path that is not a public key, is a private key, or one no pinned algorithm verifies with, stops start-up naming it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-pem-'));
  try {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await writeFile(path.join(dir, 'ec.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    // The signing key itself, from which a public key could be derived: refused, not used.
    await writeFile(path.join(dir, 'ec.key.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await writeFile(path.join(dir, 'not-a-key.pem'), 'export const graph = 1;\n');
    const load = (file: string, algorithms: string[]) =>
      loadGraphMcp({ baseDir: FIXTURES, store: null, config: { auth: { jwt: { public_key_path: path.join(dir, file), algorithms } }, graphs: { whoami: './graphs/basic.ts:whoami' } } as AgentConfigInput });
    await assert.rejects(load('not-a-key.pem', ['RS256']), /auth\.jwt\.public_key_path: .*not-a-key\.pem is not a public key \(PEM\)/);
    await assert.rejects(load('ec.pem', ['RS256']), /auth\.jwt\.public_key_path: .*ec\.pem holds an EC key, which none of auth\.jwt\.algorithms \(RS256\) verifies with/);
    await assert.rejects(load('ec.key.pem', ['ES256']), /auth\.jwt\.public_key_path: .*ec\.key\.pem holds a private key; give the public key only/);
    const fine = await load('ec.pem', ['ES256']);
    await fine.close(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('auth.jwt without an audience warns at start-up that tokens issued for any other API are accepted, naming the resource when there is one; with one, nothing is said', async () => {
  for (const [jwt, resource, said] of [
    [{}, 'https://agents.example.test/mcp', /auth\.jwt\.audience is not set: a token the authorization server issued for any other API is accepted here\. Set it to the audience your tokens carry for this server \(as the MCP authorization spec has it, this server's resource, https:\/\/agents\.example\.test\/mcp\)/],
    [{}, undefined, /auth\.jwt\.audience is not set: a token the authorization server issued for any other API is accepted here\. Set it to the audience your tokens carry for this server\./],
    [{ audience: AUDIENCE }, 'https://agents.example.test/mcp', undefined],
  ] as const) {
    const logs = captureLogs();
    const auth = {
      jwt: { secret_env: 'TEST_JWT_SECRET', algorithms: ['HS256'], issuer: ISSUER, ...jwt },
      ...(resource ? { resource_metadata: { resource, authorization_servers: [ISSUER] } } : {}),
    };
    const graphMcp = await loadGraphMcp({ baseDir: FIXTURES, store: null, logger: logs.logger, config: { auth, graphs: { whoami: './graphs/basic.ts:whoami' } } as AgentConfigInput });
    await graphMcp.close(0);
    const warned = logs.lines.filter((line) => line.includes('auth.jwt.audience'));
    if (said === undefined) assert.deepEqual(warned, []);
    else {
      assert.equal(warned.length, 1, logs.lines.join('\n'));
      assert.match(warned[0]!, said);
    }
  }
});

describe('secrets stay secret', () => {
  test('the canary downstream token appears in no log line and no result', () => {
    const logs = server.logs.text();
    assert.ok(logs.length > 0, 'logs were captured');
    assert.ok(!logs.includes(CANARY), 'not in logs');
    assert.ok(!received.join('\n').includes(CANARY), 'not in any result');
    assert.ok(!logs.includes(alice) && !logs.includes(bob), 'inbound tokens are not logged either');
  });

  test('request log lines name the principal, never the token', () => {
    const lines = server.logs.lines.map((line) => JSON.parse(line));
    const call = lines.find((l) => l.msg === 'mcp request' && l.tool === 'whoami' && l.principal === 'alice');
    assert.ok(call, 'a tools/call line for alice');
    assert.equal(call.method, 'tools/call');
    assert.equal(typeof call.duration_ms, 'number');
    assert.equal(call.outcome, 'ok');
  });
});
