// Which of a user's stored headers count as secrets to scrub from what a run returns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRunCredentials, secretForms } from '../../src/auth/credentials.js';
import { scrubValue } from '../../src/run/scrub.js';

test('headers named for a credential, and long values under any name, are scrubbed; a short plain header is not', async () => {
  const stored = { Authorization: 'Bearer tok-123456', 'X-Api-Key': 'k3y9', 'X-Tenant': 'user', 'X-Org': '0123456789abcdef0123' };
  const { credentials, secretsUsed } = createRunCredentials({ get: async () => stored }, { notes: { url: 'http://127.0.0.1:9/mcp', transport: 'http' } }, { id: 'henry', scopes: [] });
  assert.deepEqual(await credentials.headersFor('notes'), stored, 'the node gets every header as stored');
  const b64 = (text: string) => [Buffer.from(text).toString('base64'), Buffer.from(text).toString('base64url')];
  // Each also percent-encoded (where that differs) and as base64, from 8 characters on.
  const expected = ['0123456789abcdef0123', ...b64('0123456789abcdef0123'), 'Bearer tok-123456', 'Bearer%20tok-123456', ...b64('Bearer tok-123456'), 'k3y9', 'tok-123456', ...b64('tok-123456')];
  assert.deepEqual(secretsUsed().sort(), [...new Set(expected)].sort());
  // A result naming the tenant keeps its keys and its values; the token is gone.
  const result = { user: 'bob', notes: ['tok-123456 was here', 'key k3y9'], org: '0123456789abcdef0123' };
  assert.deepEqual(scrubValue(result, secretsUsed()), { user: 'bob', notes: ['[redacted] was here', 'key [redacted]'], org: '[redacted]' });
});

test('whitespace around a stored value is no part of it, as HTTP sends it: trimmed, and the trimmed token scrubbed', async () => {
  // fetch sent "Bearer tok-…" without the space, and the scrubber looked for the value with it: the token leaked whole.
  const stored = { Authorization: 'Bearer sk-live-0123456789 ', 'X-Api-Key': ' carol-api-key-abcdefgh' };
  const { credentials, secretsUsed } = createRunCredentials({ get: async () => stored }, { echo: { url: 'http://127.0.0.1:9/mcp', transport: 'http' } }, { id: 'carol', scopes: [] });
  assert.deepEqual(await credentials.headersFor('echo'), { Authorization: 'Bearer sk-live-0123456789', 'X-Api-Key': 'carol-api-key-abcdefgh' });
  const echoed = { authorization: 'Bearer sk-live-0123456789', 'x-api-key': 'carol-api-key-abcdefgh', error: 'invalid token: Bearer sk-live-0123456789' };
  assert.deepEqual(scrubValue(echoed, secretsUsed()), { authorization: '[redacted]', 'x-api-key': '[redacted]', error: 'invalid token: [redacted]' });
});

test('a server named after an Object.prototype property (toString) is an unknown server, not a store lookup', async () => {
  const { credentials } = createRunCredentials({ get: async () => ({ Authorization: 'Bearer x' }) }, { notes: { url: 'http://127.0.0.1:9/mcp', transport: 'http' } }, { id: 'bob', scopes: [] });
  for (const name of ['toString', 'constructor', 'hasOwnProperty']) {
    await assert.rejects(credentials.headersFor(name), new RegExp(`unknown downstream server "${name}"`));
  }
});

test("a store's answer that is no header record (an array, a getter that throws) is the store's failure: logged, and the node told only that", async () => {
  const servers = { notes: { url: 'http://127.0.0.1:9/mcp', transport: 'http' as const } };
  const vaultAnswers: Array<[string, unknown]> = [
    ['an array', ['Bearer vault-token-0123456789']],
    ['a getter that throws', Object.defineProperty({}, 'Authorization', { enumerable: true, get: () => { throw new Error('vault at 10.1.2.3 said: token for bob is Bearer vault-token-0123456789'); } })],
    ['a number value', { Authorization: 42 }],
  ];
  for (const [what, answer] of vaultAnswers) {
    const failures: unknown[] = [];
    const { credentials, secretsUsed } = createRunCredentials({ get: async () => answer as Record<string, string> }, servers, { id: 'bob', scopes: [] }, (error) => failures.push(error));
    const refused = await credentials.headersFor('notes').then(
      (headers) => assert.fail(`${what}: handed ${JSON.stringify(headers)}`),
      (error: Error) => error,
    );
    assert.match(refused.message, /could not be read: the secret store failed/, what);
    assert.doesNotMatch(refused.message, /vault|10\.1\.2\.3/, `${what}: the node's error says nothing of the store's words`);
    assert.equal(failures.length, 1, `${what}: the server's log has the cause`);
    assert.deepEqual(secretsUsed(), [], what);
  }
});

test("a credential's forms: the token after a scheme, a Basic credential decoded, a secret cookie's value (not an ordinary one's), each percent-encoded and as base64", () => {
  const cookie = secretForms('Cookie', 'theme=dark; consent=true; sid=abcd1234; prefs=layout-compact-wide-view');
  assert.ok(cookie.includes('abcd1234'), 'a cookie named for a session, however short its value');
  assert.ok(cookie.includes('layout-compact-wide-view'), 'a value as long as a token');
  assert.ok(!cookie.includes('dark') && !cookie.includes('true'), 'ordinary words stay: scrubbing them would rewrite results');
  for (const ordinary of ['design_mode=dark', 'considered=true', 'sessionTimeout=1800', 'keyboard=qwerty']) {
    assert.ok(!secretForms('Cookie', ordinary).includes(ordinary.split('=')[1]!), `${ordinary}: its value is no secret by itself`);
  }
  // Pairs in any header: a connection string's key, a signature.
  const connection = secretForms('X-Storage', 'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=c2VjcmV0LWtleQ==;EndpointSuffix=core');
  assert.ok(connection.includes('c2VjcmV0LWtleQ==') && !connection.includes('acme') && !connection.includes('https'));
  assert.ok(secretForms('X-Signed', 'Credential=AKIA/x, Signature=0a1b2c3d4e5f6a7b').includes('0a1b2c3d4e5f6a7b'));
  const basic = secretForms('Authorization', `Basic ${Buffer.from('alice:s3cret-pass').toString('base64')}`);
  assert.ok(basic.includes('alice:s3cret-pass') && basic.includes('s3cret-pass'));
  const bearer = secretForms('Authorization', 'Bearer ab+/cd=efgh');
  assert.ok(bearer.includes('ab+/cd=efgh') && bearer.includes(encodeURIComponent('ab+/cd=efgh')) && bearer.includes(Buffer.from('ab+/cd=efgh').toString('base64')));
  // A result naming the ordinary cookie values keeps them.
  assert.deepEqual(scrubValue({ note: 'the dark theme is on', ok: 'true', sid: 'abcd1234' }, cookie), { note: 'the dark theme is on', ok: 'true', sid: '[redacted]' });
});
