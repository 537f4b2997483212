// The JSON log lines: who wrote them, and errors as they were given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRunCredentials } from '../src/auth/credentials.js';
import { captureLogs } from './helpers/server.js';
import { createLogger } from '../src/log.js';

test('each line names the process; an error is logged with its type and stack, a plain { message } as it is', () => {
  const logs = captureLogs();
  logs.logger.warn({ err: { message: 'the store did not answer' } }, 'claiming tasks failed; will retry');
  logs.logger.error({ err: new TypeError('not a function') }, 'a fault');
  const [plain, error] = logs.lines.map((line) => JSON.parse(line));
  assert.equal(plain.pid, process.pid);
  assert.equal(plain.service, 'graph-mcp');
  assert.deepEqual(plain.err, { message: 'the store did not answer' });
  assert.equal(error.err.type, 'TypeError');
  assert.equal(error.err.message, 'not a function');
  assert.match(error.err.stack, /^TypeError: not a function\n\s+at /);
});

test("an error that says its cause in its own message is not followed by the cause again; one that does not gets it", () => {
  const logs = captureLogs();
  const cause = new Error('connect ECONNREFUSED 127.0.0.1:1');
  logs.logger.error({ err: new Error('PostgreSQL store ($DB): connect ECONNREFUSED 127.0.0.1:1', { cause }) }, 'said');
  logs.logger.error({ err: new Error('the store failed', { cause }) }, 'not said');
  const [said, notSaid] = logs.lines.map((line) => JSON.parse(line));
  assert.equal(said.err.message, 'PostgreSQL store ($DB): connect ECONNREFUSED 127.0.0.1:1');
  assert.equal(notSaid.err.message, 'the store failed: connect ECONNREFUSED 127.0.0.1:1');
});

test('credentials are redacted wherever a field is named for one', () => {
  const logs = captureLogs();
  logs.logger.info({ headers: { authorization: 'Bearer abc' }, user: { token: 't0k', password: 'pw' } }, 'a careless line');
  const line = logs.lines[0]!;
  assert.doesNotMatch(line, /abc|t0k|"pw"/);
  assert.match(line, /\[redacted\]/);
});

test("a logged error's fields named for a credential are not written, at any depth (a library's error carries the request it failed on)", () => {
  const logs = captureLogs();
  const failed = Object.assign(new Error('Request failed with status code 401'), {
    config: { url: 'https://api.example/v1', headers: { Authorization: 'Bearer env-key-AAAA', 'X-Api-Key': 'k-BBBB', Accept: 'application/json' } },
    response: { headers: { 'set-cookie': ['sid=CCCC; HttpOnly'] }, status: 401 },
  });
  logs.logger.error({ err: failed }, 'an error');
  logs.logger.debug({ err: { stack: 'at /srv/app.js:1', headers: { cookie: 'session=DDDD' }, nested: [{ access_token: 'EEEE', tokens: 12 }] } }, 'a thrown object');
  const [error, thrown] = logs.lines.map((line) => JSON.parse(line));
  assert.doesNotMatch(logs.lines.join('\n'), /AAAA|BBBB|CCCC|DDDD|EEEE/);
  assert.equal(error.err.config.headers.Authorization, '[redacted]');
  assert.deepEqual(error.err.response.headers['set-cookie'], ['[redacted]']);
  // What names no credential is written as it was.
  assert.equal(error.err.config.headers.Accept, 'application/json');
  assert.equal(error.err.config.url, 'https://api.example/v1');
  assert.equal(error.err.response.status, 401);
  assert.equal(thrown.err.headers.cookie, '[redacted]');
  assert.deepEqual(thrown.err.nested, [{ access_token: '[redacted]', tokens: 12 }]);
});

test("a logged error's credential fields are found by the names vendors give them, whatever their value; only those", () => {
  const logs = captureLogs();
  const named = ['x-goog-api-key', 'apiToken', 'x-access-token', 'private-token', 'ocp-apim-subscription-key', 'x-amz-security-token', 'aws_secret_access_key', 'secretAccessKey', 'sessionToken', 'credentials', 'x-api-secret', 'AccountKey', 'client_secret', 'dbPassword'];
  const kept = { tokens: 12, secretary: 'Ann', passwordHint: 'a pet', max_tokens: 100, tokenCount: 3, status: 401 };
  const values = { password: 123456789, cookie: { sid: 'SIDVALUE' }, 'set-cookie': ['a=AAA', 42], secret: null };
  logs.logger.error({ err: Object.assign(new Error('failed'), { headers: { ...Object.fromEntries(named.map((name, i) => [name, `value-${i}-QQQ`])), ...kept, ...values } }) }, 'an error');
  const headers = JSON.parse(logs.lines[0]!).err.headers as Record<string, unknown>;
  assert.doesNotMatch(logs.lines[0]!, /QQQ|123456789|SIDVALUE|AAA/);
  for (const name of named) assert.equal(headers[name], '[redacted]', name);
  for (const [name, value] of Object.entries(kept)) assert.equal(headers[name], value, name);
  assert.equal(headers.password, '[redacted]');
  assert.equal(headers.cookie, '[redacted]');
  assert.deepEqual(headers['set-cookie'], ['[redacted]', '[redacted]']);
  assert.equal(headers.secret, null);
});

test('an error that holds itself (a library error carrying its live request) is logged, its loops written as [Circular]; the process goes on', () => {
  const logs = captureLogs();
  const request: Record<string, unknown> = { method: 'GET', path: '/v1' };
  request.socket = { request, parser: { request } };
  const error = Object.assign(new Error('connect ECONNREFUSED'), { request });
  logs.logger.error({ err: error }, 'a circular error');
  let deep: Record<string, unknown> = { end: 'here' };
  for (let i = 0; i < 10_000; i += 1) deep = { deep };
  logs.logger.error({ err: Object.assign(new Error('deep'), { deep }) }, 'a deep error');
  const [circular, deepLine] = logs.lines.map((line) => JSON.parse(line));
  assert.equal(circular.err.message, 'connect ECONNREFUSED');
  assert.equal(circular.err.request.method, 'GET');
  assert.equal(circular.err.request.socket.request, '[Circular]');
  assert.equal(deepLine.err.message, 'deep');
  assert.match(JSON.stringify(deepLine.err.deep), /\[…\]/);
});

test('a credential handed to a run is never written, even in an error no run owns any more (a graph promise rejected later)', async () => {
  const secretStore = { get: async () => ({ Authorization: 'Bearer tok-"quoted"-AAAA1111' }) };
  const { credentials } = createRunCredentials(secretStore, { notes: { url: 'http://127.0.0.1:9/mcp', transport: 'http' } }, { id: 'alice', scopes: [] });
  const headers = await credentials.headersFor('notes');
  const logs = captureLogs();
  const failure = new Error(`background failure using ${headers.Authorization}`, { cause: new Error(`token was ${JSON.stringify(headers)}`) });
  logs.logger.error({ err: failure }, 'a promise was rejected and nothing handled it');
  logs.logger.warn({ err: { message: `plain ${headers.Authorization}` } }, 'a plain one');
  const text = logs.lines.join('\n');
  assert.doesNotMatch(text, /AAAA1111/);
  assert.match(text, /background failure using \[redacted\]/);
  assert.match(text, /plain \[redacted\]/);
});

test("an error raised outside any run (a node's stray timer) loses any URL's password in the log, its stack and cause too", () => {
  const logs = captureLogs();
  const failure = new Error('stray throw talking to postgres://admin:hunter2@db.internal/app', { cause: new Error('redis://:s3cr3t@cache:6379 refused') });
  logs.logger.fatal({ err: failure }, 'an exception no run caught');
  logs.logger.warn({ err: { message: 'plain https://u:pw1234@example.com/x' } }, 'a plain one');
  const text = logs.lines.join('\n');
  assert.doesNotMatch(text, /hunter2|s3cr3t|pw1234/);
  assert.match(text, /postgres:\/\/admin:\[redacted\]@db\.internal\/app/);
  assert.match(JSON.parse(logs.lines[0]!).err.stack, /^Error: stray throw talking to postgres:\/\/admin:\[redacted\]@/);
});

test('a huge error message is cut before the URL pattern runs on it (megabytes of URLs took it seconds), its passwords still hidden', () => {
  const logs = captureLogs();
  const urls = Array.from({ length: 20_000 }, (_, i) => `http://svc-${i}:8080/path`).join(' ');
  logs.logger.error({ err: new Error(`postgres://admin:hunter2@db/app failed; tried ${urls}`) }, 'a long one');
  const err = JSON.parse(logs.lines[0]!).err as { message: string; stack: string };
  assert.ok(err.message.length < 20 * 1024, `${err.message.length} characters`);
  assert.match(err.message, /more characters cut\)$/);
  assert.ok(!logs.lines[0]!.includes('hunter2'));
});

test("a secret store of the project's own that hands back a header value that is not text fails the node, not the adapters; the log says why", async () => {
  const failures: unknown[] = [];
  const { credentials } = createRunCredentials(
    { get: async () => ({ Authorization: 12345678 }) as unknown as Record<string, string> },
    { notes: { url: 'http://127.0.0.1:9/mcp', transport: 'http' } },
    { id: 'alice', scopes: [] },
    (error) => failures.push(error),
  );
  await assert.rejects(credentials.headersFor('notes'), /the credentials for "notes" could not be read: the secret store failed/);
  assert.match(String(failures[0]), /not HTTP headers/);
});

test('a log level pino does not know is refused naming LOG_LEVEL and the levels it takes', () => {
  assert.throws(() => createLogger({ level: 'verbose' as never }), /^GraphMcpError: LOG_LEVEL \(or the config's log_level\) must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"$/m);
  const before = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'chatty';
  try {
    assert.throws(() => createLogger(), /got "chatty"/);
  } finally {
    if (before === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = before;
  }
  assert.equal(createLogger({ level: 'debug' }).level, 'debug');
});
